import { describe, expect, test } from 'vitest';
import { RateLimiter } from '../../server/src/domain/rateLimiter';

describe('RateLimiter', () => {
  test('allows a burst up to capacity, then says how long to wait', () => {
    let now = 0;
    const limiter = new RateLimiter({ capacity: 3, perSecond: 1, now: () => now });
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1000);
    now = 500;
    expect(limiter.take('a')).toBe(500);
    now = 1000;
    expect(limiter.take('a')).toBe(0);
  });

  test('keys are independent', () => {
    const limiter = new RateLimiter({ capacity: 1, perSecond: 0.5, now: () => 0 });
    expect(limiter.take('viewer-1')).toBe(0);
    expect(limiter.take('viewer-1')).toBe(2000);
    expect(limiter.take('viewer-2')).toBe(0);
  });

  test('refills never exceed capacity', () => {
    let now = 0;
    const limiter = new RateLimiter({ capacity: 2, perSecond: 10, now: () => now });
    now = 60_000;
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 100]);
  });
});
