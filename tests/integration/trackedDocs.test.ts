import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { TrackedDocs } from '../../server/src/store/trackedDocs';
import { startRedis, type TestRedis } from '../harness/redis';
import { waitFor } from '../harness/waitFor';

const vacancy = (id: string, title: string): Vacancy => ({ id, title }) as unknown as Vacancy;

describe('catalog documents kept on each node, dropped by Redis when any node writes them (client-side caching)', () => {
  let redis: TestRedis;
  let admin: Redis;
  let a: RedisJobStore;
  let b: RedisJobStore;
  /** GET commands Redis has served so far. */
  const gets = async (): Promise<number> => Number(/cmdstat_get:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
  const title = async (store: RedisJobStore, id: string): Promise<string | undefined> => ((await store.get('vacancy', id)) as { title?: string } | undefined)?.title;
  /** Waits until both nodes' tracking connections are up (named, in Redis's client list, with the tracking flag). */
  const bothTracking = async (): Promise<void> => {
    for (const deadline = Date.now() + 10_000; ; ) {
      if ((String(await admin.client('LIST')).match(/name=cf-doc-tracker .*flags=\S*t/g)?.length ?? 0) === 2) return;
      if (Date.now() > deadline) throw new Error('two tracking connections not seen within 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
    a = new RedisJobStore({ url: redis.url });
    b = new RedisJobStore({ url: redis.url });
    await bothTracking();
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    admin?.disconnect();
    await redis?.stop();
  });

  test('a document read twice is read from Redis once; a write through another node reaches the next read', async () => {
    await b.put('vacancy', vacancy('v1', '焊工'));
    expect(await title(a, 'v1')).toBe('焊工');
    const before = await gets();
    for (let i = 0; i < 20; i += 1) expect(await title(a, 'v1')).toBe('焊工');
    expect(await gets()).toBe(before);
    await b.put('vacancy', vacancy('v1', '电焊工'));
    await expect.poll(() => title(a, 'v1'), { timeout: 2_000, interval: 5 }).toBe('电焊工');
  });

  test("this node's own write is read back at once, never the body it kept", async () => {
    for (let i = 0; i < 20; i += 1) {
      expect(await title(a, 'v2')).toBe(i === 0 ? undefined : `第${i - 1}版`);
      await a.put('vacancy', vacancy('v2', `第${i}版`));
      expect(await title(a, 'v2')).toBe(`第${i}版`);
    }
  });

  test('while the tracking connection is down every read goes to Redis; once back, writes made meanwhile are seen', async () => {
    await b.put('vacancy', vacancy('v3', '叉车司机'));
    expect(await title(a, 'v3')).toBe('叉车司机');
    await admin.client('KILL', 'TYPE', 'pubsub');
    // Down or back up already: either way the write made now is read by the node that kept the old body.
    await b.put('vacancy', vacancy('v3', '叉车司机（夜班）'));
    expect(await title(a, 'v3')).toBe('叉车司机（夜班）');
    await bothTracking();
    await b.put('vacancy', vacancy('v3', '叉车司机（白班）'));
    await expect.poll(() => title(a, 'v3'), { timeout: 2_000, interval: 5 }).toBe('叉车司机（白班）');
  });

  test('a flush of Redis drops every kept document', async () => {
    await b.put('vacancy', vacancy('v4', '普工'));
    expect(await title(a, 'v4')).toBe('普工');
    await admin.flushall();
    await expect.poll(() => title(a, 'v4'), { timeout: 2_000, interval: 5 }).toBeUndefined();
  });
});

describe('a read that overlaps a change is not kept', () => {
  let redis: TestRedis;
  let writer: Redis;
  let docs: TrackedDocs;
  beforeAll(async () => {
    redis = await startRedis();
    writer = new Redis(redis.url);
    docs = new TrackedDocs({ url: redis.url, prefix: 'cf:doc:' });
    await waitFor('the tracking connection', () => docs.tracking);
  });
  afterAll(async () => {
    await docs?.close();
    writer?.disconnect();
    await redis?.stop();
  });

  test('invalidated while its reply was on the way (another node wrote): the old body is returned once, then read again', async () => {
    let reads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowRead = async (): Promise<string> => {
      reads += 1;
      await gate;
      return 'old';
    };
    const first = docs.get('cf:doc:vacancy:x', slowRead);
    await writer.set('cf:doc:vacancy:x', 'new');
    // The invalidation is on its way to the tracking connection: a read of another key sent after the
    // write and answered proves Redis sent it first (one server, one order), and it is processed here
    // before the next turn of the loop that sees the later reply.
    await writer.get('cf:doc:vacancy:x');
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    expect(await first).toBe('old');
    expect(await docs.get('cf:doc:vacancy:x', () => writer.get('cf:doc:vacancy:x'))).toBe('new');
    expect(reads).toBe(1);
    expect(docs.size).toBe(1);
  });

  test('a write through this process while a read is in flight: the read is not kept', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const reading = docs.get('cf:doc:vacancy:y', async () => {
      await gate;
      return 'before';
    });
    const writing = docs.writing('cf:doc:vacancy:y', () => writer.set('cf:doc:vacancy:y', 'after'));
    release();
    await Promise.all([reading, writing]);
    let reads = 0;
    expect(await docs.get('cf:doc:vacancy:y', () => ((reads += 1), writer.get('cf:doc:vacancy:y')))).toBe('after');
    expect(reads).toBe(1);
  });

  test('past its capacity the least recently read document goes', async () => {
    const small = new TrackedDocs({ url: redis.url, prefix: 'cf:doc:', capacity: 3 });
    await expect.poll(() => small.tracking, { timeout: 10_000 }).toBe(true);
    for (const k of ['a', 'b', 'c', 'a', 'd']) await small.get(`cf:doc:k:${k}`, () => Promise.resolve(k));
    let reads = 0;
    const read = (k: string) => () => ((reads += 1), Promise.resolve(k));
    for (const k of ['a', 'c', 'd']) await small.get(`cf:doc:k:${k}`, read(k));
    expect(reads).toBe(0);
    await small.get('cf:doc:k:b', read('b'));
    expect(reads).toBe(1);
    await small.close();
  });
});
