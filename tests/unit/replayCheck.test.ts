import { describe, expect, test } from 'vitest';
import { ReplayCheck } from '../../server/src/media/hls/replayCheck';

describe('ReplayCheck: whether a session has a replay, read asynchronously and kept a while', () => {
  test('an answer is kept for its time, concurrent asks share one read, and a lapsed one is read again', async () => {
    let clock = 0;
    const reads: string[] = [];
    const on = new Set(['a']);
    const check = new ReplayCheck({ ttlMs: 1000, now: () => clock, read: (id) => (reads.push(id), Promise.resolve(on.has(id))) });
    expect(await Promise.all([check.has('a'), check.has('a'), check.has('b')])).toEqual([true, true, false]);
    expect(reads).toEqual(['a', 'b']);
    on.add('b');
    clock = 1000;
    expect(await check.has('b')).toBe(false);
    clock = 1001;
    expect(await check.has('b')).toBe(true);
    expect(reads).toEqual(['a', 'b', 'b']);
  });

  test('a failed read is no replay, and is asked again once it lapses', async () => {
    let clock = 0;
    let fail = true;
    const check = new ReplayCheck({ ttlMs: 10, now: () => clock, read: () => (fail ? Promise.reject(new Error('EIO')) : Promise.resolve(true)) });
    expect(await check.has('x')).toBe(false);
    fail = false;
    expect(await check.has('x')).toBe(false);
    clock = 11;
    expect(await check.has('x')).toBe(true);
  });

  test('past its capacity the oldest answers are let go', async () => {
    const reads: string[] = [];
    const check = new ReplayCheck({ capacity: 2, read: (id) => (reads.push(id), Promise.resolve(true)) });
    for (const id of ['a', 'b', 'c', 'c', 'b', 'a']) await check.has(id);
    expect(reads).toEqual(['a', 'b', 'c', 'a']);
  });
});
