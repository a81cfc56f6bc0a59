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
  /** Kept by reference: every socket's bucket shares the server's one options object. */
  readonly #options: EventBucketOptions;
  #tokens: number;
  #at: number;

  constructor(options: EventBucketOptions) {
    this.#options = options;
    this.#tokens = options.burst;
    this.#at = (options.now ?? Date.now)();
  }

  take(): BucketVerdict {
    const { burst, perSecond, ceiling, now = Date.now } = this.#options;
    const at = now();
    this.#tokens = Math.min(burst, this.#tokens + ((at - this.#at) / 1000) * perSecond);
    this.#at = at;
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 'allow';
    return -this.#tokens > ceiling ? 'disconnect' : 'drop';
  }
}
