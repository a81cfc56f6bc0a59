import { Redis, type RedisOptions } from 'ioredis';

/**
 * Catalog documents (sessions, vacancies, employers…) read through a Redis shared by several nodes,
 * kept in this process with Redis's own server-assisted client-side caching: a connection of ours
 * asks for broadcast tracking of the documents' key prefix (`CLIENT TRACKING on BCAST PREFIX`) and
 * listens on `__redis__:invalidate`, so a write by any node drops the body here within a moment.
 *
 * Exactness: a body is remembered only if no invalidation of its key (and no loss of the tracking
 * connection) came between the read being sent and its reply; a write through this process drops the
 * key when it starts and when it settles, and a read overlapping it is not remembered. While the
 * tracking connection is down nothing is remembered or served from memory: every read goes to Redis.
 */
export class TrackedDocs {
  readonly #tracker: Redis;
  readonly #prefix: string;
  readonly #bodies = new Map<string, string>();
  /** Reads in flight per key, and whether the key changed since the first of them was sent (then none is remembered). */
  readonly #pending = new Map<string, { reads: number; changed: boolean }>();
  readonly #writing = new Map<string, number>();
  /** Bumped on every loss of tracking: reads sent before it are not remembered. */
  #epoch = 0;
  #tracking = false;
  readonly capacity: number;

  constructor({ url, prefix, redisOptions = {}, capacity = 20_000, onError }: { url: string; prefix: string; redisOptions?: RedisOptions; capacity?: number; onError?: (error: Error) => void }) {
    this.#prefix = prefix;
    this.capacity = capacity;
    // Tracking state lives on this one connection: it is set up again, before subscribing, each time it connects.
    this.#tracker = new Redis(url, { ...redisOptions, autoResubscribe: false, connectionName: 'cf-doc-tracker' });
    this.#tracker.on('error', (error: Error) => onError?.(error));
    this.#tracker.on('ready', () => void this.#track().catch((error: unknown) => onError?.(error as Error)));
    this.#tracker.on('close', () => this.#lost());
    this.#tracker.on('messageBuffer', (channel: Buffer, keys: Buffer[] | null) => {
      if (channel.toString() !== '__redis__:invalidate') return;
      // null: the whole keyspace was flushed.
      if (keys === null) this.#flush();
      else for (const key of keys) this.#drop(key.toString());
    });
  }

  /** Whether reads are served from memory now (the tracking connection is up and tracking). */
  get tracking(): boolean {
    return this.#tracking;
  }

  get size(): number {
    return this.#bodies.size;
  }

  async #track(): Promise<void> {
    const id = String(await this.#tracker.client('ID'));
    await this.#tracker.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', id, 'BCAST', 'PREFIX', this.#prefix);
    await this.#tracker.subscribe('__redis__:invalidate');
    // Writes made while tracking was off were never announced: start empty.
    this.#flush();
    this.#tracking = true;
  }

  #lost(): void {
    this.#tracking = false;
    this.#flush();
  }

  #flush(): void {
    this.#epoch += 1;
    this.#bodies.clear();
  }

  #drop(key: string): void {
    this.#bodies.delete(key);
    const pending = this.#pending.get(key);
    if (pending) pending.changed = true;
  }

  /**
   * The body of `key` (under the tracked prefix): from memory when it is there, else read with
   * `read` (on the caller's connection) and remembered if nothing changed it meanwhile.
   */
  async get(key: string, read: () => Promise<string | null>): Promise<string | null> {
    const kept = this.#tracking ? this.#bodies.get(key) : undefined;
    if (kept !== undefined) {
      // Read again: the most recently read last, the first to go past the capacity first.
      this.#bodies.delete(key);
      this.#bodies.set(key, kept);
      return kept;
    }
    const epoch = this.#epoch;
    let pending = this.#pending.get(key);
    if (!pending) this.#pending.set(key, (pending = { reads: 0, changed: false }));
    pending.reads += 1;
    let body: string | null;
    try {
      body = await read();
    } finally {
      pending.reads -= 1;
      if (pending.reads === 0) this.#pending.delete(key);
    }
    if (body !== null && this.#tracking && epoch === this.#epoch && !pending.changed && !this.#writing.has(key)) {
      // Past the capacity, the least recently read goes (a Map keeps insertion order).
      if (this.#bodies.size >= this.capacity) this.#bodies.delete(this.#bodies.keys().next().value as string);
      this.#bodies.set(key, body);
    }
    return body;
  }

  /** Wraps a write of `key` by this process: forgotten now and once the write settles, whichever way. */
  async writing<T>(key: string, write: () => Promise<T>): Promise<T> {
    this.#drop(key);
    this.#writing.set(key, (this.#writing.get(key) ?? 0) + 1);
    try {
      return await write();
    } finally {
      const left = (this.#writing.get(key) ?? 1) - 1;
      if (left > 0) this.#writing.set(key, left);
      else this.#writing.delete(key);
      this.#drop(key);
    }
  }

  async close(): Promise<void> {
    this.#tracking = false;
    const timer = setTimeout(() => this.#tracker.disconnect(), 2000);
    await this.#tracker.quit().catch(() => this.#tracker.disconnect());
    clearTimeout(timer);
  }
}
