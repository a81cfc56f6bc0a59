import { describe, expect, test } from 'vitest';
import { KeyedQueue } from '../../server/src/domain/keyedQueue';
import { SessionCache } from '../../server/src/domain/sessionCache';
import { SessionMemory } from '../../server/src/domain/sessionMemory';

describe('SessionMemory', () => {
  test('release() tells every part, one failing part does not stop the others and is reported; footprint() says what each holds', async () => {
    const errors: string[] = [];
    const memory = new SessionMemory({ onError: (_err, part, sessionId) => errors.push(`${part}:${sessionId}`) });
    const boards = new Map([['s1', 1], ['s2', 2]]);
    const cache = new Set(['s1']);
    memory.track('boards', () => boards.size);
    memory.trackBounded('documents', () => cache.size, 10);
    memory.onRelease('boards', (id) => void boards.delete(id));
    memory.onRelease('broken', () => Promise.reject(new Error('boom')));
    memory.onRelease('documents', (id) => void cache.delete(id));
    expect(memory.footprint()).toEqual({ released: { boards: 2 }, bounded: { documents: { held: 1, capacity: 10 } } });
    await memory.release('s1', { ended: true });
    expect(memory.footprint()).toEqual({ released: { boards: 1 }, bounded: { documents: { held: 0, capacity: 10 } } });
    expect(errors).toEqual(['broken:s1']);
  });

  test('a part name is registered once', () => {
    const memory = new SessionMemory({ onError: () => undefined });
    memory.track('x', () => 0);
    expect(() => memory.trackBounded('x', () => 0, 1)).toThrow(/twice/);
    memory.onRelease('x', () => undefined);
    expect(() => memory.onRelease('x', () => undefined)).toThrow(/twice/);
  });
});

describe('SessionCache', () => {
  test('keeps at most its capacity, least recently used out first, and never one a write is working on', async () => {
    const writes = new KeyedQueue();
    const cache = new SessionCache<string>({ capacity: 2, inUse: (id) => writes.pending(id) });
    let release!: () => void;
    const writing = writes.run('a', () => new Promise<void>((resolve) => (release = resolve)));
    await cache.load('a', () => Promise.resolve('A'));
    await cache.load('b', () => Promise.resolve('B'));
    await cache.load('c', () => Promise.resolve('C'));
    // 'a' is the oldest but in use: 'b' went instead.
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe('A');
    release();
    await writing;
    await cache.load('d', () => Promise.resolve('D'));
    expect(cache.size).toBe(2);
    expect(cache.get('c')).toBeUndefined();
    expect(writes.size).toBe(0);
  });

  test('a failed load is not kept; delete() with a value forgets only that value', async () => {
    const cache = new SessionCache<string>({ capacity: 5 });
    await expect(cache.load('s', () => Promise.reject(new Error('store away')))).rejects.toThrow('store away');
    expect(cache.size).toBe(0);
    const first = cache.load('s', () => Promise.resolve('one'));
    cache.delete('s', Promise.resolve('other'));
    expect(cache.get('s')).toBe(first);
    cache.delete('s', first);
    expect(cache.size).toBe(0);
  });
});
