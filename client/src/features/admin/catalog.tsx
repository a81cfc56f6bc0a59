import { createContext, use, useCallback, useEffect, useEffectEvent, useMemo, useRef, useState, type ReactNode } from 'react';
import { MAX_IDS } from '@chunfeng/shared/catalogPages';
import { api } from '../../signalling/api';
import { DocLookup, type LookupList } from './lookup';
import { pagePath, type ListPage } from './pagedList';

export interface Staff {
  name: string;
  role: 'admin' | 'staff';
}

interface CatalogState {
  /** Raised by every change the console makes: lists and names shown read again. */
  version: number;
  /** Says the catalog changed (after a save): what is shown is read again. */
  reload: () => Promise<void>;
  lookup: DocLookup;
  staff: Staff;
}

const CatalogContext = createContext<CatalogState | null>(null);

/**
 * What the console knows of the bureau's catalog: never the whole of it. Lists are read a page at a
 * time (usePagedList), pickers search the server as staff type (CatalogPicker), and the names shown
 * beside ids are read by id for what is on screen (useDocs).
 */
export function CatalogProvider({ staff, children }: { staff: Staff; children: ReactNode }) {
  const [version, setVersion] = useState(0);
  const lookup = useMemo(() => new DocLookup(), []);
  const reload = useCallback(() => {
    lookup.invalidate();
    setVersion((v) => v + 1);
    return Promise.resolve();
  }, [lookup]);
  // Back online: what could not be read meanwhile (a list, the names and counts beside it) is read again.
  useEffect(() => {
    const onOnline = (): void => void reload();
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, [reload]);
  const value = useMemo(() => ({ version, reload, lookup, staff }), [version, reload, lookup, staff]);
  return <CatalogContext value={value}>{children}</CatalogContext>;
}

export function useCatalog(): CatalogState {
  const state = use(CatalogContext);
  if (!state) throw new Error('useCatalog outside CatalogProvider');
  return state;
}

/** Runs `effect` each time the catalog changes after the component mounted (a list re-reads its pages). */
export function useOnCatalogChange(effect: () => unknown): void {
  const { version } = useCatalog();
  const seen = useRef(version);
  const run = useEffectEvent(effect);
  useEffect(() => {
    if (seen.current === version) return;
    seen.current = version;
    run();
  }, [version]);
}

/**
 * The documents of these ids (read by id, a page's worth a request; kept, and read again after a
 * change): each id maps to its document, to null when there is none, and is absent until read.
 */
export function useDocs<T>(list: LookupList, ids: ReadonlyArray<string | undefined>): Map<string, T | null> {
  const { lookup, version } = useCatalog();
  const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))].sort();
  // Not joined by commas: an id may hold one (a mangled link), and must come back as itself.
  const key = JSON.stringify(wanted);
  const [, setRead] = useState(0);
  useEffect(() => {
    let live = true;
    lookup.load(list, JSON.parse(key) as string[]).then(
      () => live && setRead((n) => n + 1),
      // A name that cannot be read now is shown by its id; the list beside it says what failed.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [lookup, list, key, version]);
  return lookup.known<T>(list, wanted);
}

/** How many vacancies each employer has (`vacancy`) or sessions each campaign (`session`), for the ids shown. */
export function useCounts(of: 'vacancy' | 'session', ids: readonly string[]): Map<string, number> {
  const { version } = useCatalog();
  const key = [...new Set(ids)].sort().join(',');
  const [counts, setCounts] = useState<Map<string, number>>(new Map());
  useEffect(() => {
    if (!key) return;
    let live = true;
    // The server counts at most MAX_IDS a request: past a list's second page, more than that are shown.
    const ids = key.split(',');
    const chunks = Array.from({ length: Math.ceil(ids.length / MAX_IDS) }, (_, i) => ids.slice(i * MAX_IDS, (i + 1) * MAX_IDS));
    Promise.all(chunks.map((chunk) => api<{ counts: Record<string, number> }>(pagePath('/catalog/counts', { of, ids: chunk.join(',') })))).then(
      (answers) => live && setCounts(new Map(answers.flatMap((answer) => Object.entries(answer.counts)))),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [of, key, version]);
  return counts;
}

/**
 * The newest document of a list (the campaign a new session most likely belongs to), null when the
 * list is empty, undefined while it is read. Read again after each change.
 */
export function useNewest<T extends { id: string }>(list: LookupList, name: string): T | null | undefined {
  const { version, lookup } = useCatalog();
  const [newest, setNewest] = useState<T | null>();
  useEffect(() => {
    let live = true;
    api<ListPage<string, T>>(pagePath(list, { order: 'newest', limit: '1' })).then(
      (page) => {
        const first = page[name]?.[0] ?? null;
        if (first) lookup.remember(list, [first]);
        if (live) setNewest(first);
      },
      // Not "none": a failed read leaves the form waiting rather than saying the list is empty.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [list, name, version, lookup]);
  return newest;
}

/** Today (local) as yyyy-mm-dd, and an ISO instant as the value of a datetime-local input. */
export const localDate = (d = new Date()): string => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
export const localDateTime = (iso: string): string => {
  const d = new Date(iso);
  return `${localDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
const pad = (n: number): string => String(n).padStart(2, '0');
