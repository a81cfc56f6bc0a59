import fs from 'node:fs';
import path from 'node:path';

export interface DiskUsageOptions {
  dir: string;
  /** A measurement younger than this is served as it is. */
  maxAgeMs?: number;
  /** At most this many directory entries are looked at per walk; past it the total is a lower bound. */
  maxEntries?: number;
  clock?: () => number;
}

export interface DiskUsageReading {
  bytes: number;
  /** When the walk that measured it finished. */
  at: number;
  /** The walk stopped at `maxEntries`: the tree holds more than `bytes`. */
  partial: boolean;
}

/**
 * The bytes a directory tree takes, measured by an asynchronous walk (no synchronous file system
 * call on the event loop), at most one walk at a time, cached for `maxAgeMs` and bounded to
 * `maxEntries` entries so a huge tree costs a fixed amount of work.
 */
export class DiskUsage {
  readonly #dir: string;
  readonly #maxAgeMs: number;
  readonly #maxEntries: number;
  readonly #clock: () => number;
  #last: DiskUsageReading | undefined;
  #walking: Promise<DiskUsageReading> | undefined;

  constructor({ dir, maxAgeMs = 10_000, maxEntries = 100_000, clock = Date.now }: DiskUsageOptions) {
    this.#dir = dir;
    this.#maxAgeMs = maxAgeMs;
    this.#maxEntries = maxEntries;
    this.#clock = clock;
  }

  /** The last reading if it is fresh enough, else the walk under way (or a new one). */
  read(): Promise<DiskUsageReading> {
    if (this.#last && this.#clock() - this.#last.at < this.#maxAgeMs) return Promise.resolve(this.#last);
    this.#walking ??= this.#walk().finally(() => (this.#walking = undefined));
    return this.#walking;
  }

  async #walk(): Promise<DiskUsageReading> {
    let bytes = 0;
    let entries = 0;
    const pending = [this.#dir];
    while (pending.length > 0 && entries < this.#maxEntries) {
      const dir = pending.pop()!;
      const listing = await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => []);
      const files: string[] = [];
      for (const entry of listing) {
        if (++entries > this.#maxEntries) break;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) pending.push(full);
        else if (entry.isFile()) files.push(full);
      }
      // A segment may be deleted between the listing and its stat: it counts as nothing.
      const sizes = await Promise.all(files.map((f) => fs.promises.stat(f).then((s) => s.size, () => 0)));
      bytes += sizes.reduce((sum, size) => sum + size, 0);
    }
    this.#last = { bytes, at: this.#clock(), partial: entries > this.#maxEntries || pending.length > 0 };
    return this.#last;
  }
}
