/**
 * Whether sessions have a finished recording, asked by the landing page for every ended session it
 * lists: each answer is read asynchronously (never on the event loop's own time) and kept for
 * `ttlMs`, and concurrent asks about one session share one read. A replay appears when its session
 * ends and goes when the retention sweep (possibly another node's) deletes it, so an answer may be
 * up to `ttlMs` late either way.
 */
export class ReplayCheck {
  readonly #read: (sessionId: string) => Promise<boolean>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #capacity: number;
  readonly #known = new Map<string, { answer: Promise<boolean>; at: number }>();

  constructor({ read, ttlMs = 5000, now = Date.now, capacity = 5000 }: { read: (sessionId: string) => Promise<boolean>; ttlMs?: number; now?: () => number; capacity?: number }) {
    this.#read = read;
    this.#ttlMs = ttlMs;
    this.#now = now;
    this.#capacity = capacity;
  }

  has(sessionId: string): Promise<boolean> {
    const kept = this.#known.get(sessionId);
    if (kept && this.#now() - kept.at <= this.#ttlMs) return kept.answer;
    // A failed read is "no replay" now, asked again once the answer lapses.
    const answer = this.#read(sessionId).catch(() => false);
    this.#known.delete(sessionId);
    this.#known.set(sessionId, { answer, at: this.#now() });
    // The oldest answers go first past the capacity (a Map iterates in insertion order).
    for (const oldest of this.#known.keys()) {
      if (this.#known.size <= this.#capacity) break;
      this.#known.delete(oldest);
    }
    return answer;
  }
}
