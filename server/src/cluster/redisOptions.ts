import type { RedisOptions } from 'ioredis';

/**
 * How every Redis connection of a node behaves when Redis goes away: reconnect forever, but let a
 * command wait for at most one failed reconnect (about a second) and never longer than
 * `commandTimeoutMs`, so a request is answered UNAVAILABLE quickly instead of hanging.
 */
export function boundedRedisOptions({ commandTimeoutMs = 5000 }: { commandTimeoutMs?: number } = {}): RedisOptions {
  return {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 2000,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  };
}

/** Seconds a client should wait before retrying a request that Redis could not take. */
export const REDIS_RETRY_AFTER_SECONDS = 2;
