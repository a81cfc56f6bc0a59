/**
 * Runs async tasks one after another per key (a session's status changes, its viewer samples), so a
 * slow write never lands after a newer one. Keys with nothing pending are forgotten.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `task` after every task queued before it under `key`; its result or error is the caller's. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.#tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.finally(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Whether tasks are queued or running under `key`. */
  pending(key: string): boolean {
    return this.#tails.has(key);
  }

  /** Keys with tasks queued or running. */
  get size(): number {
    return this.#tails.size;
  }

  /** Resolves when the tasks queued so far under `key` (or under every key) have run. */
  async settled(key?: string): Promise<void> {
    if (key !== undefined) await this.#tails.get(key);
    else await Promise.all(this.#tails.values());
  }
}
