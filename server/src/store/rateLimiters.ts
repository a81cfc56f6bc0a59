import type { Redis } from 'ioredis';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Budget, RateLimiter } from '../domain/rateLimiter';
import { WindowLimiter } from './windowLimiter';

/** Where the counters live: in this process, or in Redis so that every node spends one budget. */
export type RateLimitBackend = { kind: 'memory' } | { kind: 'redis'; client: Redis };

/**
 * Every per-key budget of the platform, in one place: `points` actions per window of `seconds`
 * (fixed windows, counted by rate-limiter-flexible). Keyed per device, phone or peer, never per
 * address: a whole village may share one carrier NAT.
 */
export const BUDGETS = {
  /** Chat messages per device (moderators are not limited). */
  chat: { points: 5, seconds: 10 },
  /** Questions per device. */
  question: { points: 3, seconds: 60 },
  /** Applications per phone, and per device. */
  apply: { points: 10, seconds: 60 },
  /** Hand raises and lowers per viewer. */
  hand: { points: 10, seconds: 60 },
} as const satisfies Record<string, Budget>;

export type RateLimiters = Record<keyof typeof BUDGETS, RateLimiter>;

/**
 * One budget: in Redis, counted by rate-limiter-flexible (one budget across nodes); in memory, by a
 * WindowLimiter, which answers as rate-limiter-flexible's memory limiter does without a timer per
 * key (with 100,000 phones in a minute that limiter cost 1.5× the CPU per take and 410 B per phone).
 */
export class FlexibleRateLimiter implements RateLimiter {
  readonly #limiter: RateLimiterAbstract | WindowLimiter;

  constructor({ name, points, seconds, backend = { kind: 'memory' } }: Budget & { name: string; backend?: RateLimitBackend }) {
    this.#limiter =
      backend.kind === 'redis'
        ? new RateLimiterRedis({ keyPrefix: `chunfeng:rl:${name}`, points, duration: seconds, storeClient: backend.client })
        : new WindowLimiter({ points, seconds });
  }

  take(key: string): Promise<number> {
    return this.#limiter instanceof WindowLimiter ? this.#limiter.take(key) : consume(this.#limiter, key);
  }
}

async function consume(limiter: Pick<RateLimiterAbstract, 'consume'>, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (refused) {
    // The library refuses with its result object; anything else (Redis down) is a real error.
    if (refused instanceof RateLimiterRes) return Math.max(1, refused.msBeforeNext);
    throw refused;
  }
}

/** A budget per address block: so many a minute steadily, plus a burst over ten minutes. */
export interface BlockBudget {
  /** Actions per minute per address block, steadily. */
  perMinute: number;
  /** Extra actions a block may take beyond that within ten minutes (a crowd arriving at once); 0 for none. */
  burst: number;
}

/**
 * A steady budget per minute, and a burst budget over ten minutes spent only once the steady one is
 * used up (rate-limiter-flexible's BurstyRateLimiter). Counted in this process, or in Redis (one
 * budget across nodes) on that backend; `name` keeps each budget's counters apart.
 */
export function blockRateLimiter({ name, perMinute, burst, backend = { kind: 'memory' } }: BlockBudget & { name: string; backend?: RateLimitBackend }): RateLimiter {
  const counter = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract =>
    backend.kind === 'redis'
      ? new RateLimiterRedis({ keyPrefix, points, duration, storeClient: backend.client })
      : new RateLimiterMemory({ keyPrefix, points, duration });
  const steady = counter(`chunfeng:rl:${name}`, perMinute, 60);
  const limiter = burst > 0 ? new BurstyRateLimiter(steady, counter(`chunfeng:rl:${name}-burst`, burst, 600)) : steady;
  return { take: (key) => consume(limiter, key) };
}

/** The platform's budgets on one backend. */
export function createRateLimiters(backend: RateLimitBackend = { kind: 'memory' }): RateLimiters {
  const limiter = (name: keyof typeof BUDGETS): RateLimiter => new FlexibleRateLimiter({ name, ...BUDGETS[name], backend });
  return { chat: limiter('chat'), question: limiter('question'), apply: limiter('apply'), hand: limiter('hand') };
}
