import crypto from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { boundedRedisOptions } from './redisOptions';

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Runs `setup` (the first admin, the demo data) while holding a short lock in Redis with a token of
 * its own (`<prefix>cluster:lock:startup`, SET NX PX), so nodes starting at the same moment on one
 * Redis do it one after another: the first creates, the others find it done. The lock expires by
 * itself after `ttlMs` if its holder dies midway; only its holder (by token) deletes it. Without Redis
 * (the embedded store, one node) `setup` simply runs.
 */
export async function withStartupLock<T>(
  setup: () => Promise<T>,
  { url, prefix = 'cf:', ttlMs = 30_000, waitMs = 60_000, pollMs = 50 }: { url: string | undefined; prefix?: string; ttlMs?: number; waitMs?: number; pollMs?: number },
): Promise<T> {
  if (!url) return setup();
  const redis = new Redis(url, boundedRedisOptions());
  redis.on('error', () => undefined);
  const key = `${prefix}cluster:lock:startup`;
  const token = crypto.randomUUID();
  try {
    const deadline = Date.now() + waitMs;
    // Waiting for the holder to finish (or its lock to expire): polling only decides when to ask again.
    while ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`another node held the start-up lock (${key}) for over ${waitMs} ms`);
      await delay(pollMs);
    }
    try {
      return await setup();
    } finally {
      await redis.eval(RELEASE_SCRIPT, 1, key, token);
    }
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
