import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { spend } from '../../server/src/domain/rateLimiter';
import { BUDGETS, createRateLimiters, FlexibleRateLimiter } from '../../server/src/store/rateLimiters';

// The memory backend reads Date.now(): fake timers are its clock.
describe('FlexibleRateLimiter (memory backend)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const takes = async (limiter: FlexibleRateLimiter, key: string, n: number): Promise<number[]> => {
    const waits: number[] = [];
    for (let i = 0; i < n; i += 1) waits.push(await limiter.take(key));
    return waits;
  };

  test('allows `points` actions in a window, then says how long to wait', async () => {
    const limiter = new FlexibleRateLimiter({ name: 't1', points: 3, seconds: 10 });
    expect(await takes(limiter, 'a', 3)).toEqual([0, 0, 0]);
    expect(await limiter.take('a')).toBe(10_000);
    vi.advanceTimersByTime(4000);
    expect(await limiter.take('a')).toBe(6000);
    vi.advanceTimersByTime(6000);
    expect(await limiter.take('a')).toBe(0);
  });

  test('keys are independent', async () => {
    const limiter = new FlexibleRateLimiter({ name: 't2', points: 1, seconds: 2 });
    expect(await limiter.take('viewer-1')).toBe(0);
    expect(await limiter.take('viewer-1')).toBe(2000);
    expect(await limiter.take('viewer-2')).toBe(0);
  });

  test('two limiters with different names do not share counters', async () => {
    const a = new FlexibleRateLimiter({ name: 't3a', points: 1, seconds: 60 });
    const b = new FlexibleRateLimiter({ name: 't3b', points: 1, seconds: 60 });
    expect(await a.take('k')).toBe(0);
    expect(await b.take('k')).toBe(0);
    expect(await a.take('k')).toBeGreaterThan(0);
  });

  test('a key idle past its window is forgotten, and a thousand keys hold no timer', async () => {
    const limiter = new FlexibleRateLimiter({ name: 't4', points: 2, seconds: 5 });
    for (let i = 0; i < 1000; i += 1) await limiter.take(`device-${i}`);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(await takes(limiter, 'device-0', 2)).toEqual([0, 0]);
    expect(await limiter.take('device-0')).toBe(5000);
  });

  test('spend() refuses past the budget with RATE_LIMITED and the wait in seconds', async () => {
    const limiter = new FlexibleRateLimiter({ name: 't5', points: 1, seconds: 20 });
    await spend(limiter, 'k', (s) => `wait ${s} seconds`);
    await expect(spend(limiter, 'k', (s) => `wait ${s} seconds`)).rejects.toMatchObject({ code: 'RATE_LIMITED', message: 'wait 20 seconds' });
  });

  test('the platform budgets keep their numbers: chat 5 / 10 s, questions 3 / min, applications 10 / min, hands 10 / min', async () => {
    expect(BUDGETS).toEqual({
      chat: { points: 5, seconds: 10 },
      question: { points: 3, seconds: 60 },
      apply: { points: 10, seconds: 60 },
      hand: { points: 10, seconds: 60 },
    });
    const limiters = createRateLimiters({ kind: 'memory' });
    const allowed = async (name: keyof typeof limiters): Promise<number> => {
      let n = 0;
      while ((await limiters[name].take('someone')) === 0) n += 1;
      return n;
    };
    expect(await allowed('chat')).toBe(5);
    expect(await allowed('question')).toBe(3);
    // An application's budget is spent by its admission (tests/integration/applyAdmission.test.ts).
    expect(limiters).not.toHaveProperty('apply');
    expect(await allowed('hand')).toBe(10);
  });
});
