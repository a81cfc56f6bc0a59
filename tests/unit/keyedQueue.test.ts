import { describe, expect, test } from 'vitest';
import { KeyedQueue } from '../../server/src/domain/keyedQueue';

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('KeyedQueue', () => {
  test('runs one key’s tasks in order even when an earlier one is slower, other keys alongside', async () => {
    const queue = new KeyedQueue();
    const done: string[] = [];
    const a1 = queue.run('a', async () => {
      await later(30);
      done.push('a1');
    });
    const b1 = queue.run('b', () => {
      done.push('b1');
      return Promise.resolve();
    });
    const a2 = queue.run('a', () => {
      done.push('a2');
      return Promise.resolve('second');
    });
    expect(await a2).toBe('second');
    await Promise.all([a1, b1]);
    expect(done).toEqual(['b1', 'a1', 'a2']);
  });

  test('a failed task rejects for its caller only; the next one still runs; settled() waits for all', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('a', () => Promise.reject(new Error('disk full')));
    let ran = false;
    void queue.run('a', async () => {
      await later(10);
      ran = true;
    });
    await expect(failed).rejects.toThrow('disk full');
    await queue.settled();
    expect(ran).toBe(true);
    await queue.settled('nothing-queued');
  });
});
