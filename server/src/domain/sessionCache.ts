/**
 * Values read per session (a board loaded from the store), kept as promises, the most recently used
 * last and at most `capacity` of them: past it the least recently used go, except those `inUse` says
 * a write is still working on (dropping one then would let a read load it again without that write).
 * A load that fails is not kept.
 */
export class SessionCache<V> {
  readonly capacity: number;
  readonly #entries = new Map<string, Promise<V>>();
  readonly #inUse: (sessionId: string) => boolean;

  constructor({ capacity, inUse = () => false }: { capacity: number; inUse?: (sessionId: string) => boolean }) {
    this.capacity = capacity;
    this.#inUse = inUse;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(sessionId: string): Promise<V> | undefined {
    const value = this.#entries.get(sessionId);
    if (value) {
      this.#entries.delete(sessionId);
      this.#entries.set(sessionId, value);
    }
    return value;
  }

  /** The session's value, loaded (and kept) if it is not here. */
  load(sessionId: string, load: () => Promise<V>): Promise<V> {
    const cached = this.get(sessionId);
    if (cached) return cached;
    const loading = load();
    this.set(sessionId, loading);
    loading.catch(() => this.delete(sessionId, loading));
    return loading;
  }

  set(sessionId: string, value: Promise<V>): void {
    this.#entries.delete(sessionId);
    this.#entries.set(sessionId, value);
    if (this.#entries.size <= this.capacity) return;
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.capacity) break;
      if (key !== sessionId && !this.#inUse(key)) this.#entries.delete(key);
    }
  }

  /** Forgets the session's value (only if it is still `value`, when given). */
  delete(sessionId: string, value?: Promise<V>): void {
    if (value === undefined || this.#entries.get(sessionId) === value) this.#entries.delete(sessionId);
  }

  clear(): void {
    this.#entries.clear();
  }
}
