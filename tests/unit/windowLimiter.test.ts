import { afterEach, describe, expect, test, vi } from 'vitest';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { WindowLimiter } from '../../server/src/store/windowLimiter';

describe('WindowLimiter: fixed windows per key with no per-key timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const clocked = (points: number, seconds: number) => {
    const clock = { now: 1_000_000 };
    return { clock, limiter: new WindowLimiter({ points, seconds, clock: () => clock.now }) };
  };

  test("a key's window opens at its first action and refuses past `points` with the time left", () => {
    const { clock, limiter } = clocked(2, 60);
    expect([limiter.takeNow('a'), limiter.takeNow('a')]).toEqual([0, 0]);
    clock.now += 15_000;
    expect(limiter.takeNow('a')).toBe(45_000);
    clock.now += 45_000;
    expect(limiter.takeNow('a')).toBe(0);
  });

  test('a window that spans two generations keeps counting until it closes', () => {
    const { clock, limiter } = clocked(3, 10);
    limiter.takeNow('x');
    clock.now += 9_000;
    // 'y' opens late in the first generation; the generation ends at 10 s.
    limiter.takeNow('y');
    limiter.takeNow('y');
    clock.now += 2_000;
    expect(limiter.takeNow('y')).toBe(0);
    // It opened at 9 s: it closes at 19 s, 8 s from now.
    expect(limiter.takeNow('y')).toBe(8_000);
    clock.now += 8_000;
    expect(limiter.takeNow('y')).toBe(0);
  });

  test('keys whose windows have closed are dropped whole: the limiter holds only the last two windows of keys', () => {
    const { clock, limiter } = clocked(1, 60);
    for (let i = 0; i < 100_000; i += 1) limiter.takeNow(`phone:${i}`);
    expect(limiter.size).toBe(100_000);
    clock.now += 60_000;
    limiter.takeNow('phone:new');
    expect(limiter.size).toBe(100_001);
    clock.now += 60_000;
    limiter.takeNow('phone:newer');
    expect(limiter.size).toBe(2);
    // A key forgotten this way starts a fresh window.
    expect(limiter.takeNow('phone:5')).toBe(0);
  });

  test('after a long idle every old key is forgotten at once', () => {
    const { clock, limiter } = clocked(1, 10);
    for (let i = 0; i < 50; i += 1) limiter.takeNow(`k${i}`);
    clock.now += 3_600_000;
    expect(limiter.takeNow('k1')).toBe(0);
    expect(limiter.size).toBe(1);
  });

  test('gives the same answers as rate-limiter-flexible’s memory limiter for the same actions', async () => {
    vi.useFakeTimers({ now: 5_000_000 });
    const ours = new WindowLimiter({ points: 3, seconds: 7 });
    const theirs = new RateLimiterMemory({ points: 3, duration: 7 });
    let seed = 42;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let step = 0; step < 3_000; step += 1) {
      vi.advanceTimersByTime(random(400));
      const key = `device-${random(40)}`;
      const expected = await theirs.consume(key).then(
        () => 0,
        (refused: RateLimiterRes) => Math.max(1, refused.msBeforeNext),
      );
      expect(ours.takeNow(key), `step ${step}, ${key}`).toBe(expected);
    }
  });
});
