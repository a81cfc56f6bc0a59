/** Whether the session ended for good (the host ended it) or only its stage closed (it may open again). */
export interface SessionRelease {
  ended: boolean;
}

/** What a node keeps per session, by part: `released` parts are empty once no session is live here. */
export interface SessionFootprint {
  released: Record<string, number>;
  /** Caches that may keep sessions no longer live (read after their end), within their capacity. */
  bounded: Record<string, { held: number; capacity: number }>;
}

type Releaser = (sessionId: string, how: SessionRelease) => void | Promise<void>;

/**
 * The registry of everything a node keeps per session. At start-up each part says how much it holds
 * (`track`, or `trackBounded` for a cache that may keep ended sessions within a capacity) and how it
 * lets go of one session (`onRelease`). When a session's stage closes here, or this node learns that
 * it closed or ended elsewhere, `release` tells every part; `footprint()` says what each still holds
 * (for tests and diagnostics in-process, never served over HTTP).
 */
export class SessionMemory {
  readonly #tracked = new Map<string, () => number>();
  readonly #bounded = new Map<string, { held: () => number; capacity: number }>();
  readonly #releasers = new Map<string, Releaser>();
  readonly #onError: (err: unknown, part: string, sessionId: string) => void;

  constructor({ onError }: { onError: (err: unknown, part: string, sessionId: string) => void }) {
    this.#onError = onError;
  }

  /** A part that holds nothing of a session once it is released; names are unique. */
  track(name: string, held: () => number): void {
    this.#unique(name);
    this.#tracked.set(name, held);
  }

  /** A cache that may keep sessions past their end, at most `capacity`. */
  trackBounded(name: string, held: () => number, capacity: number): void {
    this.#unique(name);
    this.#bounded.set(name, { held, capacity });
  }

  /** How a part lets go of a session (it may wait for the writes under way). */
  onRelease(name: string, release: Releaser): void {
    if (this.#releasers.has(name)) throw new Error(`session releaser ${name} registered twice`);
    this.#releasers.set(name, release);
  }

  /** Every part lets go of the session; one part failing does not keep the others from it. */
  async release(sessionId: string, how: SessionRelease): Promise<void> {
    await Promise.all(
      [...this.#releasers].map(async ([name, release]) => {
        try {
          await release(sessionId, how);
        } catch (err) {
          this.#onError(err, name, sessionId);
        }
      }),
    );
  }

  footprint(): SessionFootprint {
    return {
      released: Object.fromEntries([...this.#tracked].map(([name, held]) => [name, held()])),
      bounded: Object.fromEntries([...this.#bounded].map(([name, b]) => [name, { held: b.held(), capacity: b.capacity }])),
    };
  }

  #unique(name: string): void {
    if (this.#tracked.has(name) || this.#bounded.has(name)) throw new Error(`session part ${name} registered twice`);
  }
}
