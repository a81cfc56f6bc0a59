import { describe, expect, test } from 'vitest';
import { EventBucket } from '../../server/src/domain/eventBucket';

describe('EventBucket (one socket\'s event allowance)', () => {
  test('allows a burst, then drops, then disconnects once the drops pass the ceiling', () => {
    const bucket = new EventBucket({ burst: 3, perSecond: 1, ceiling: 2, now: () => 0 });
    expect(Array.from({ length: 6 }, () => bucket.take())).toEqual(['allow', 'allow', 'allow', 'drop', 'drop', 'disconnect']);
  });

  test('refills at the rate, never past the burst', () => {
    let now = 0;
    const bucket = new EventBucket({ burst: 2, perSecond: 10, ceiling: 100, now: () => now });
    now = 60_000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual(['allow', 'allow', 'drop']);
    now += 100; // one token: repays the dropped event, and this one is dropped (and owed) again
    expect(bucket.take()).toBe('drop');
    now += 200;
    expect(bucket.take()).toBe('allow');
  });

  test('a sender that keeps flooding stays dropped until it has been quiet long enough to repay its debt', () => {
    let now = 0;
    const bucket = new EventBucket({ burst: 1, perSecond: 10, ceiling: 1000, now: () => now });
    expect(bucket.take()).toBe('allow');
    for (let i = 0; i < 50; i++) expect(bucket.take()).toBe('drop');
    now += 4_000; // 40 tokens: still 10 short
    expect(bucket.take()).toBe('drop');
    now += 1_200;
    expect(bucket.take()).toBe('allow');
  });

  test('a steady sender within the rate is never dropped', () => {
    let now = 0;
    const bucket = new EventBucket({ burst: 5, perSecond: 20, ceiling: 10, now: () => now });
    for (let i = 0; i < 10_000; i++) {
      now += 50;
      expect(bucket.take()).toBe('allow');
    }
  });
});
