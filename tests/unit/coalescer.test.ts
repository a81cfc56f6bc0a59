import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { Coalescer } from '../../server/src/domain/coalescer';

describe('Coalescer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function counting(intervalMs = 1000) {
    let state = 0;
    const sent: number[] = [];
    const coalescer = new Coalescer({ intervalMs, send: () => sent.push(state) });
    const change = (): void => {
      state += 1;
      coalescer.changed();
    };
    return { coalescer, sent, change };
  }

  test('the first change goes out at once', () => {
    const { sent, change } = counting();
    change();
    expect(sent).toEqual([1]);
  });

  test('a thousand changes within one interval make one trailing send carrying the latest state', () => {
    const { sent, change } = counting();
    for (let i = 0; i < 1000; i += 1) change();
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(999);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([1, 1000]);
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual([1, 1000]);
  });

  test('a steady flood is sent at most once per interval and its last change is never lost', () => {
    const { sent, change } = counting();
    for (let ms = 0; ms < 5000; ms += 10) {
      change();
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(1000);
    expect(sent.length).toBeLessThanOrEqual(6);
    expect(sent.at(-1)).toBe(500);
  });

  test('a change after a quiet interval goes out at once again', () => {
    const { sent, change } = counting();
    change();
    vi.advanceTimersByTime(1500);
    change();
    expect(sent).toEqual([1, 2]);
  });

  test('close() drops what is pending and ignores later changes', () => {
    const { coalescer, sent, change } = counting();
    change();
    change();
    coalescer.close();
    vi.advanceTimersByTime(5000);
    change();
    expect(sent).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
