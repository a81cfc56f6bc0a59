import { DomainError } from './errors';

/**
 * A budget of actions per key (a device, a phone, a peer). The domain and the edge only see this;
 * `store/rateLimiters.ts` implements it in memory or in Redis (one budget across nodes).
 */
export interface RateLimiter {
  /** Spends one action for `key`: 0 when allowed, else the milliseconds until it would be. */
  take(key: string): Promise<number>;
}

/** How many actions fit in how many seconds. */
export interface Budget {
  points: number;
  seconds: number;
}

/** Spends one action for `key`, or refuses with RATE_LIMITED saying how long to wait. */
export async function spend(limiter: RateLimiter, key: string, tooMany: (seconds: number) => string): Promise<void> {
  const wait = await limiter.take(key);
  if (wait > 0) throw new DomainError('RATE_LIMITED', tooMany(Math.ceil(wait / 1000)));
}
