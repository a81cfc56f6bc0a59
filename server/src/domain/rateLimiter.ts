/**
 * Token buckets per key: `capacity` actions at once, refilled at `perSecond`. The clock is
 * injected so tests need no timers. Idle buckets are forgotten to bound memory.
 */
export class RateLimiter {
  readonly #capacity: number;
  readonly #perSecond: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor({ capacity, perSecond, now = () => Date.now() }: { capacity: number; perSecond: number; now?: () => number }) {
    this.#capacity = capacity;
    this.#perSecond = perSecond;
    this.#now = now;
  }

  /** Takes one token for `key`; returns 0 when allowed, else the milliseconds until it would be. */
  take(key: string): number {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, at: now };
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.#buckets.set(key, bucket);
      this.#sweep(now);
      return 0;
    }
    this.#buckets.set(key, bucket);
    return Math.ceil(((1 - bucket.tokens) / this.#perSecond) * 1000);
  }

  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    if (this.#buckets.size < 10_000) return;
    const full = (this.#capacity / this.#perSecond) * 1000;
    for (const [key, b] of this.#buckets) if (now - b.at > full) this.#buckets.delete(key);
  }
}
