import type { Redis } from 'ioredis';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Budget, RateLimiter } from '../domain/rateLimiter';
import { REDIS_RETRY_AFTER_SECONDS } from '../cluster/redisOptions';
import { StoreError } from './storeError';
import { WindowLimiter } from './windowLimiter';

/**
 * Where the counters live: in this process, or in Redis so that every node spends one budget (keys
 * `<prefix>rl:<budget>:<key>`, the store's prefix, `cf:` by default).
 */
export type RateLimitBackend = { kind: 'memory' } | { kind: 'redis'; client: Redis; prefix?: string };

/** The Redis limiter of one budget: refuses at once while Redis is not connected rather than queueing. */
export function redisLimiter(backend: Extract<RateLimitBackend, { kind: 'redis' }>, { name, points, seconds, insurance }: { name: string; points: number; seconds: number; insurance?: RateLimiterAbstract }): RateLimiterRedis {
  return new RateLimiterRedis({
    keyPrefix: `${backend.prefix ?? 'cf:'}rl:${name}`,
    points,
    duration: seconds,
    storeClient: backend.client,
    rejectIfRedisNotReady: true,
    ...(insurance ? { insuranceLimiter: insurance } : {}),
  });
}

/**
 * What a limiter's failure means to the caller: its own refusal stays as it is; anything else on the
 * Redis backend is Redis out of reach, a typed UNAVAILABLE with a retry hint (never a 500, never a
 * pass without counting).
 */
export function counterFailure(error: unknown): unknown {
  if (error instanceof RateLimiterRes) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError('unreachable', `the rate-limit counters are out of reach: ${message}`, { retryAfterSeconds: REDIS_RETRY_AFTER_SECONDS });
}

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

/** The budgets counted by a limiter of their own (an application's are counted by its admission, store/applyAdmission.ts). */
export type RateLimiters = Record<Exclude<keyof typeof BUDGETS, 'apply'>, RateLimiter>;

/**
 * One budget: in Redis, counted by rate-limiter-flexible (one budget across nodes); in memory, by a
 * WindowLimiter, which answers as rate-limiter-flexible's memory limiter does without a timer per
 * key (with 100,000 phones in a minute that limiter cost 1.5× the CPU per take and 410 B per phone).
 */
export class FlexibleRateLimiter implements RateLimiter {
  readonly #limiter: RateLimiterAbstract | WindowLimiter;

  constructor({ name, points, seconds, backend = { kind: 'memory' } }: Budget & { name: string; backend?: RateLimitBackend }) {
    this.#limiter =
      backend.kind === 'redis' ? redisLimiter(backend, { name, points, seconds }) : new WindowLimiter({ points, seconds });
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
    // The library refuses with its result object; anything else is Redis out of reach.
    if (refused instanceof RateLimiterRes) return Math.max(1, refused.msBeforeNext);
    throw counterFailure(refused);
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
 * budget across nodes) on that backend; `name` keeps each budget's counters apart. With
 * `perNodeWhileDown`, a Redis out of reach is not UNAVAILABLE: each node counts the same budget in
 * its own memory until Redis is back (the library's insurance limiter), for what must stay open
 * without Redis (a new connection), never unlimited.
 */
export function blockRateLimiter({ name, perMinute, burst, backend = { kind: 'memory' }, perNodeWhileDown = false }: BlockBudget & { name: string; backend?: RateLimitBackend; perNodeWhileDown?: boolean }): RateLimiter {
  const counter = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration });
    return backend.kind === 'redis' ? redisLimiter(backend, { name: keyPrefix, points, seconds: duration, ...(perNodeWhileDown ? { insurance: memory } : {}) }) : memory;
  };
  const steady = counter(name, perMinute, 60);
  const limiter = burst > 0 ? new BurstyRateLimiter(steady, counter(`${name}-burst`, burst, 600)) : steady;
  return { take: (key) => consume(limiter, key) };
}

/** The platform's budgets on one backend. */
export function createRateLimiters(backend: RateLimitBackend = { kind: 'memory' }): RateLimiters {
  const limiter = (name: keyof RateLimiters): RateLimiter => new FlexibleRateLimiter({ name, ...BUDGETS[name], backend });
  return { chat: limiter('chat'), question: limiter('question'), hand: limiter('hand') };
}
