import { Redis } from 'ioredis';
import { boundedRedisOptions } from './redisOptions';

/**
 * The node's connection for the cluster's shared counters (rate limits, funnels, audience counts):
 * many small commands from concurrent requests leave in one write (auto-pipelining), and while Redis
 * is away each fails within seconds rather than waiting. Ready once the returned promise resolves.
 */
export async function openCountersRedis({ url, onConnectionError }: { url: string; onConnectionError?: (error: Error) => void }): Promise<Redis> {
  const redis = new Redis(url, { ...boundedRedisOptions(), enableAutoPipelining: true });
  // Without a listener ioredis prints every failed reconnect; the caller decides what to log.
  redis.on('error', (error: Error) => onConnectionError?.(error));
  try {
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return redis;
}

/** Closes the connection without waiting long for a Redis that is out of reach. */
export async function closeCountersRedis(redis: Redis): Promise<void> {
  const timer = setTimeout(() => redis.disconnect(), 2000);
  await redis.quit().catch(() => redis.disconnect());
  clearTimeout(timer);
}
