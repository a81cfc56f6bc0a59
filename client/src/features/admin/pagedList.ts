import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../signalling/api';

/** A page of a bureau list as the server answers it: the items under the list's name, the next cursor, and the server's time where the list gives it. */
export type ListPage<Name extends string, T> = { [N in Name]: T[] } & { next: string | null; now?: string };

/** Fetches one page (the console's api(), or a test's fake). */
export type PageFetch = <P>(path: string) => Promise<P>;

/** The path of a page: the list's path with its narrowing (blank values left out) and cursor. */
export function pagePath(path: string, params: Readonly<Record<string, string | undefined>>, cursor?: string | null): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value?.trim()) query.set(key, value.trim());
  if (cursor) query.set('cursor', cursor);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Every item of a list, walked page by page (100 a page). For the console's pickers and names (a
 * session's campaign, a vacancy's employer), which need the whole kind until they search instead.
 */
export async function allPages<Name extends string, T>(path: string, name: Name, params: Readonly<Record<string, string | undefined>> = {}, fetchPage: PageFetch = api): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: ListPage<Name, T> = await fetchPage<ListPage<Name, T>>(pagePath(path, { ...params, limit: '100' }, cursor));
    items.push(...page[name]);
    cursor = page.next;
  } while (cursor !== null);
  return items;
}

/** What a paged list shows: the items loaded so far and where the next page starts (null: all shown). */
export interface PagedState<T> {
  items: T[];
  next: string | null;
  /** The server's clock when the last page was read (the invites list says which links expired by it). */
  now?: string | undefined;
}

/**
 * A list shown a page at a time: the first page under `params`, the next on `loadMore()`, a change of
 * `params` (a filter, a search) starts again from the first page; `reload()` reads the pages shown
 * again from the start (after an edit). A page answered after the list moved on is dropped.
 */
export class PagedList<Name extends string, T> {
  readonly #path: string;
  readonly #name: Name;
  readonly #fetch: PageFetch;
  #params: Readonly<Record<string, string | undefined>> = {};
  #state: PagedState<T> | undefined;
  /** Raised by every restart: a page of an earlier generation is not shown. */
  #generation = 0;
  readonly #onChange: (state: PagedState<T> | undefined) => void;

  constructor({ path, name, fetchPage = api, onChange }: { path: string; name: Name; fetchPage?: PageFetch; onChange: (state: PagedState<T> | undefined) => void }) {
    this.#path = path;
    this.#name = name;
    this.#fetch = fetchPage;
    this.#onChange = onChange;
  }

  get state(): PagedState<T> | undefined {
    return this.#state;
  }

  /** The first page under these params (what was shown goes). */
  async start(params: Readonly<Record<string, string | undefined>>): Promise<void> {
    this.#params = params;
    const generation = ++this.#generation;
    this.#set(undefined);
    const page = await this.#fetch<ListPage<Name, T>>(pagePath(this.#path, params));
    if (generation === this.#generation) this.#set({ items: page[this.#name], next: page.next, now: page.now });
  }

  /** The next page, appended (nothing when all are shown). */
  async loadMore(): Promise<void> {
    const shown = this.#state;
    if (!shown || shown.next === null) return;
    const generation = this.#generation;
    const page = await this.#fetch<ListPage<Name, T>>(pagePath(this.#path, this.#params, shown.next));
    if (generation !== this.#generation || this.#state !== shown) return;
    this.#set({ items: [...shown.items, ...page[this.#name]], next: page.next, now: page.now });
  }

  /** As many items as are shown, read again from the first page (an edit shows where it stands). */
  async reload(): Promise<void> {
    const wanted = Math.max(this.#state?.items.length ?? 0, 1);
    const generation = ++this.#generation;
    const items: T[] = [];
    let next: string | null = null;
    let now: string | undefined;
    do {
      const page: ListPage<Name, T> = await this.#fetch<ListPage<Name, T>>(pagePath(this.#path, this.#params, next));
      items.push(...page[this.#name]);
      next = page.next;
      now = page.now;
    } while (next !== null && items.length < wanted);
    if (generation === this.#generation) this.#set({ items, next, now });
  }

  #set(state: PagedState<T> | undefined): void {
    this.#state = state;
    this.#onChange(state);
  }
}

/** A PagedList in a component: restarted whenever the params' values change. */
export function usePagedList<Name extends string, T>(path: string, name: Name, params: Readonly<Record<string, string | undefined>> = {}) {
  const [state, setState] = useState<PagedState<T>>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const list = useRef<PagedList<Name, T>>(null);
  list.current ??= new PagedList<Name, T>({ path, name, onChange: setState });
  const key = JSON.stringify(params);
  useEffect(() => {
    list.current!.start(JSON.parse(key) as Record<string, string | undefined>).then(
      () => setError(undefined),
      (e: unknown) => setError(e),
    );
  }, [key]);
  const loadMore = useCallback(async () => {
    setBusy(true);
    try {
      await list.current!.loadMore();
      setError(undefined);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }, []);
  const reload = useCallback(
    () =>
      list.current!.reload().then(
        () => setError(undefined),
        (e: unknown) => setError(e),
      ),
    [],
  );
  // A list that could not be read (offline) is read again when the network is back.
  useEffect(() => {
    if (error === undefined) return;
    const onOnline = (): void => void reload();
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, [error, reload]);
  return { items: state?.items, now: state?.now, more: state !== undefined && state.next !== null, busy, error, loadMore, reload };
}
