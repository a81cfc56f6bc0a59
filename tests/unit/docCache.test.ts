import { describe, expect, test } from 'vitest';
import { DocCache } from '../../server/src/store/docCache';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('the embedded store keeps catalog documents in memory only while they are exact', () => {
  test('a document read is remembered; a write forgets it at once', () => {
    const cache = new DocCache();
    cache.set('vacancy', 'v1', '{"old":1}');
    expect(cache.get('vacancy', 'v1')).toBe('{"old":1}');
    void cache.writing('vacancy', 'v1', new Promise(() => undefined));
    expect(cache.get('vacancy', 'v1')).toBeUndefined();
  });

  test('a read made while a write of that document is in flight is not remembered', async () => {
    const cache = new DocCache();
    const write = deferred();
    const done = cache.writing('session', 's1', write.promise);
    cache.set('session', 's1', '{"before":"the write"}');
    expect(cache.get('session', 's1')).toBeUndefined();
    write.resolve();
    await done;
    expect(cache.get('session', 's1')).toBeUndefined();
    cache.set('session', 's1', '{"after":"the write"}');
    expect(cache.get('session', 's1')).toBe('{"after":"the write"}');
  });

  test('a failed write forgets the document too, and its error reaches the caller', async () => {
    const cache = new DocCache();
    const write = deferred();
    const done = cache.writing('vacancy', 'v1', write.promise);
    write.reject(new Error('disk full'));
    await expect(done).rejects.toThrow('disk full');
    cache.set('vacancy', 'v1', '{}');
    expect(cache.get('vacancy', 'v1')).toBe('{}');
  });

  test('two overlapping writes: reads are remembered again only after both settle', async () => {
    const cache = new DocCache();
    const first = deferred();
    const second = deferred();
    const a = cache.writing('employer', 'e1', first.promise);
    const b = cache.writing('employer', 'e1', second.promise);
    first.resolve();
    await a;
    cache.set('employer', 'e1', '{"between":true}');
    expect(cache.get('employer', 'e1')).toBeUndefined();
    second.resolve();
    await b;
    cache.set('employer', 'e1', '{"settled":true}');
    expect(cache.get('employer', 'e1')).toBe('{"settled":true}');
  });

  test('per-applicant kinds (receipts, codes, sign-ins) are never kept, and the cache is bounded', () => {
    const cache = new DocCache(2);
    cache.set('receipt', 'k', '{}');
    cache.set('phoneCode', 'p', '{}');
    expect(cache.get('receipt', 'k')).toBeUndefined();
    expect(cache.get('phoneCode', 'p')).toBeUndefined();
    cache.set('vacancy', 'a', '1');
    cache.set('vacancy', 'b', '2');
    cache.set('vacancy', 'c', '3');
    expect([cache.get('vacancy', 'a'), cache.get('vacancy', 'b'), cache.get('vacancy', 'c')]).toEqual([undefined, '2', '3']);
  });
});
