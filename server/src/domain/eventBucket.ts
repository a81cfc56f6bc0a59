/** What an event costs its sender: `allow` it, `drop` it, or `disconnect` a sender past the ceiling. */
export type BucketVerdict = 'allow' | 'drop' | 'disconnect';

export interface EventBucketOptions {
  /** Events allowed at once. */
  burst: number;
  /** Events allowed per second, on average. */
  perSecond: number;
  /** Events dropped beyond the allowance (net of refills) before the sender is disconnected. */
  ceiling: number;
  now?: () => number;
}

/**
 * One sender's token bucket, O(1) per event. Every event takes a token, dropped ones too, so a sender
 * that keeps flooding goes into debt and stays dropped until it has been quiet long enough to repay
 * it; a debt past `ceiling` means disconnect.
 */
export class EventBucket {
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #ceiling: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor({ burst, perSecond, ceiling, now = () => Date.now() }: EventBucketOptions) {
    this.#burst = burst;
    this.#perSecond = perSecond;
    this.#ceiling = ceiling;
    this.#now = now;
    this.#tokens = burst;
    this.#at = now();
  }

  take(): BucketVerdict {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#perSecond);
    this.#at = now;
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 'allow';
    return -this.#tokens > this.#ceiling ? 'disconnect' : 'drop';
  }
}
