import { askableId, MAX_IDS } from '@chunfeng/shared/catalogPages';
import { pagePath, type ListPage, type PageFetch } from './pagedList';
import { api } from '../../signalling/api';

/** A bureau list the console reads documents of by id (`GET <path>?ids=…`). */
export type LookupList = '/campaigns' | '/sessions' | '/employers' | '/vacancies' | '/policies';
/** Each list's name in the server's answer. */
export const LIST_NAMES = { '/campaigns': 'campaigns', '/sessions': 'sessions', '/employers': 'employers', '/vacancies': 'vacancies', '/policies': 'policies' } as const;

interface Entry {
  /** The document, or null when the server has none by that id. */
  doc: unknown;
  /** The lookup's generation it was read in: older ones are shown until read again. */
  generation: number;
}

/**
 * The documents the console shows by id (a session's campaign name, a vacancy's employer, the
 * lineup's titles), read a page's worth at a time (`ids=`, at most MAX_IDS a request) and kept.
 * `invalidate()` after an edit: what is kept is still shown, and read again when next asked for.
 */
export class DocLookup {
  readonly #fetch: PageFetch;
  readonly #entries = new Map<string, Entry>();
  /** Reads under way, by list and id: a second ask waits for the first. */
  readonly #inFlight = new Map<string, Promise<void>>();
  #generation = 0;

  constructor(fetchPage: PageFetch = api) {
    this.#fetch = fetchPage;
  }

  invalidate(): void {
    this.#generation += 1;
  }

  /** What is known of each id: its document, null when there is none, absent while not read yet. */
  known<T>(list: LookupList, ids: readonly string[]): Map<string, T | null> {
    const out = new Map<string, T | null>();
    for (const id of ids) {
      const entry = this.#entries.get(`${list} ${id}`);
      if (entry) out.set(id, entry.doc as T | null);
    }
    return out;
  }

  /** Keeps documents already read elsewhere (a picker's options), so their names need no request. */
  remember(list: LookupList, docs: ReadonlyArray<{ id: string }>): void {
    for (const doc of docs) this.#entries.set(`${list} ${doc.id}`, { doc, generation: this.#generation });
  }

  /** Reads the ids not known (or known from before the last invalidate); resolves when all are read. */
  async load(list: LookupList, ids: readonly string[]): Promise<void> {
    const waits: Array<Promise<void>> = [];
    const wanted: string[] = [];
    const awaited: string[] = [];
    const stale = (id: string): boolean => (this.#entries.get(`${list} ${id}`)?.generation ?? -1) < this.#generation;
    for (const id of new Set(ids)) {
      // An id no document has (from a mangled link) is none at once: sent, it would fail the whole request.
      if (!askableId(id)) {
        if (stale(id)) this.#entries.set(`${list} ${id}`, { doc: null, generation: this.#generation });
        continue;
      }
      const pending = this.#inFlight.get(`${list} ${id}`);
      if (pending) {
        waits.push(pending);
        awaited.push(id);
      } else if (stale(id)) wanted.push(id);
    }
    for (let i = 0; i < wanted.length; i += MAX_IDS) {
      const chunk = wanted.slice(i, i + MAX_IDS);
      const generation = this.#generation;
      const read = this.#fetch<ListPage<string, { id: string }>>(pagePath(list, { ids: chunk.join(',') })).then((page) => {
        const found = new Map((page[LIST_NAMES[list]] ?? []).map((doc) => [doc.id, doc]));
        for (const id of chunk) this.#entries.set(`${list} ${id}`, { doc: found.get(id) ?? null, generation });
      });
      const settled = read.finally(() => {
        for (const id of chunk) this.#inFlight.delete(`${list} ${id}`);
      });
      for (const id of chunk) this.#inFlight.set(`${list} ${id}`, settled);
      waits.push(settled);
    }
    await Promise.all(waits);
    // A read begun before the last invalidate answered from before the change: read those again.
    const behind = awaited.filter(stale);
    if (behind.length > 0) await this.load(list, behind);
  }
}
