import type { CatalogKind } from './jobStore';

/** The kinds worth keeping: read on every apply or page, few, and changed rarely. */
const CACHED: ReadonlySet<CatalogKind> = new Set<CatalogKind>(['campaign', 'session', 'employer', 'vacancy', 'policy']);

/** Whether documents of this kind are kept in memory by the stores (here, and store/trackedDocs.ts on Redis). */
export const cacheable = (kind: CatalogKind): boolean => CACHED.has(kind);

/**
 * The bodies of catalog documents as last read from the embedded store, so the apply path reads its
 * vacancy and session from memory. It stays exact because this process is the only writer of the
 * file and every document write passes `writing`: the entry is dropped when the write is queued and
 * again when it settles, and no read is remembered while a write of that document is in flight (a
 * read then may still see the old body, which must not outlive the write).
 */
export class DocCache {
  readonly #bodies = new Map<string, string>();
  readonly #inFlight = new Map<string, number>();

  constructor(readonly capacity = 20_000) {}

  get(kind: CatalogKind, id: string): string | undefined {
    return this.#bodies.get(`${kind}\u0000${id}`);
  }

  set(kind: CatalogKind, id: string, body: string): void {
    const key = `${kind}\u0000${id}`;
    if (!cacheable(kind) || this.#inFlight.has(key)) return;
    // Past the capacity, the entry remembered first goes (a Map keeps insertion order).
    if (this.#bodies.size >= this.capacity && !this.#bodies.has(key)) this.#bodies.delete(this.#bodies.keys().next().value as string);
    this.#bodies.set(key, body);
  }

  /** Wraps a write of the document: forgets it now and once the write settles, whichever way. */
  writing<T>(kind: CatalogKind, id: string, write: Promise<T>): Promise<T> {
    const key = `${kind}\u0000${id}`;
    this.#bodies.delete(key);
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
    const settle = (): void => {
      const left = (this.#inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(key, left);
      else this.#inFlight.delete(key);
      this.#bodies.delete(key);
    };
    return write.then(
      (value) => {
        settle();
        return value;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
  }
}
