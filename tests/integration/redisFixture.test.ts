import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, test } from 'vitest';

describe('the Redis fixture', () => {
  const redis = new Redis(inject('redisUrl'), { lazyConnect: true, maxRetriesPerRequest: 1 });
  afterAll(() => redis.quit());

  test('is a real Redis, reachable, with the durability the platform expects', async () => {
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'always']);
    await redis.set('chunfeng:fixture', '春风');
    expect(await redis.get('chunfeng:fixture')).toBe('春风');
  });
});
