import { useCallback, useRef, useState } from 'react';
import type { Application, ApplicationChangesPage, ApplicationListPage, ApplicationStatus } from '@chunfeng/shared/recruitment';
import { api, ApiError } from '../../signalling/api';

/** What the console narrows its list to (empty: everything of this employer). */
export interface ApplicantFilter {
  vacancyId?: string;
  status?: ApplicationStatus;
  /** A fragment of the name or phone. */
  q?: string;
  /** Applied on or after this day (yyyy-mm-dd, the browser's own day). */
  fromDay?: string;
  /** Applied on or before this day. */
  toDay?: string;
}

/** The day's start in the browser's time zone, as the API reads times. */
function dayStart(day: string, plusDays = 0): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/** The query string of a page under `filter` (and `cursor`). */
export function listQuery(filter: ApplicantFilter, cursor?: string): string {
  const params = new URLSearchParams();
  if (filter.vacancyId) params.set('vacancyId', filter.vacancyId);
  if (filter.status) params.set('status', filter.status);
  if (filter.q?.trim()) params.set('q', filter.q.trim());
  if (filter.fromDay) params.set('from', dayStart(filter.fromDay));
  if (filter.toDay) params.set('to', dayStart(filter.toDay, 1));
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** Whether an application belongs in the list as it is narrowed (the server's rules, for live arrivals). */
export function inFilter(a: Application, filter: ApplicantFilter): boolean {
  if (filter.vacancyId && a.vacancyId !== filter.vacancyId) return false;
  if (filter.status && a.status !== filter.status) return false;
  const q = filter.q?.trim().toLowerCase();
  if (q && !a.name.toLowerCase().includes(q) && !a.phone.toLowerCase().includes(q)) return false;
  if (filter.fromDay && a.createdAt < dayStart(filter.fromDay)) return false;
  if (filter.toDay && a.createdAt >= dayStart(filter.toDay, 1)) return false;
  return true;
}

/**
 * The shown list with `changed` merged in: one already shown is replaced where it stands; a new one
 * that belongs in the list goes where its time puts it (newest first), unless it is older than
 * everything shown while older pages are still to load (it will come with them).
 */
export function mergeApplicants(shown: readonly Application[], changed: readonly Application[], filter: ApplicantFilter, complete: boolean): Application[] {
  const byId = new Map(changed.map((a) => [a.id, a]));
  const merged = shown.map((a) => byId.get(a.id) ?? a);
  const present = new Set(shown.map((a) => a.id));
  const oldest = shown.at(-1)?.createdAt;
  const arrivals = [...byId.values()].filter(
    (a) => !present.has(a.id) && inFilter(a, filter) && (complete || oldest === undefined || a.createdAt >= oldest),
  );
  if (arrivals.length === 0) return merged;
  return [...arrivals, ...merged].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/** Rounds of GET /applications/changes one catch-up may take before it reloads the first page instead. */
const CATCH_UP_ROUNDS = 10;

export interface ApplicantList {
  applicants: Application[];
  /** Whether older pages are left to load. */
  hasMore: boolean;
  /** The first page has arrived (for this filter). */
  loaded: boolean;
  loadingMore: boolean;
  /** The first page for `filter` (a new filter, or nothing to catch up from). */
  reload: (filter: ApplicantFilter) => Promise<void>;
  /** The next older page. */
  more: () => Promise<void>;
  /** After a reconnect: what changed since the list was read, without reloading it. */
  catchUp: () => Promise<void>;
  /** A live event (created or updated). */
  upsert: (a: Application) => void;
}

/**
 * An employer's applicants, 50 at a time: the first page, older pages on demand, live arrivals on
 * top, and after a dropped connection only what changed since (GET /api/applications/changes).
 */
export function useApplicantList(token: string | undefined): ApplicantList {
  const [applicants, setApplicants] = useState<Application[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  // Read by callbacks that must not be rebuilt on every change.
  const state = useRef<{ filter: ApplicantFilter; next: string | null; changes: string | undefined; generation: number }>({
    filter: {},
    next: null,
    changes: undefined,
    generation: 0,
  });

  const reload = useCallback(
    async (filter: ApplicantFilter) => {
      const generation = ++state.current.generation;
      state.current.filter = filter;
      setLoaded(false);
      const page = await api<ApplicationListPage>(`/applications${listQuery(filter)}`, { token });
      // A newer filter's answer wins over a slower older one.
      if (generation !== state.current.generation) return;
      state.current.next = page.next;
      state.current.changes = page.changes ?? undefined;
      setApplicants(page.applications);
      setNext(page.next);
      setLoaded(true);
    },
    [token],
  );

  const more = useCallback(async () => {
    const { next: cursor, filter, generation } = state.current;
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api<ApplicationListPage>(`/applications${listQuery(filter, cursor)}`, { token });
      if (generation !== state.current.generation) return;
      state.current.next = page.next;
      setNext(page.next);
      setApplicants((shown) => {
        const seen = new Set(shown.map((a) => a.id));
        return [...shown, ...page.applications.filter((a) => !seen.has(a.id))];
      });
    } finally {
      setLoadingMore(false);
    }
  }, [token]);

  const catchUp = useCallback(async () => {
    const { changes, filter, generation } = state.current;
    if (changes === undefined) return reload(filter);
    let since = changes;
    const changed: Application[] = [];
    try {
      for (let round = 0; ; round += 1) {
        if (round === CATCH_UP_ROUNDS) return await reload(filter);
        const page = await api<ApplicationChangesPage>(`/applications/changes?since=${encodeURIComponent(since)}`, { token });
        changed.push(...page.applications);
        since = page.changes;
        if (!page.more) break;
      }
    } catch (e) {
      // A cursor the server no longer knows (another store, a reset): read the list afresh.
      if (e instanceof ApiError && e.code === 'VALIDATION') return reload(filter);
      throw e;
    }
    if (generation !== state.current.generation) return;
    state.current.changes = since;
    setApplicants((shown) => mergeApplicants(shown, changed, filter, state.current.next === null));
  }, [token, reload]);

  const upsert = useCallback((a: Application) => {
    setApplicants((shown) => mergeApplicants(shown, [a], state.current.filter, state.current.next === null));
  }, []);

  return { applicants, hasMore: next !== null, loaded, loadingMore, reload, more, catchUp, upsert };
}
