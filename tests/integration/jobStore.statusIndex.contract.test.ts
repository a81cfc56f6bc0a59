import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, inject, test } from 'vitest';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { LiveSession, SessionStatus } from '@chunfeng/shared/recruitment';
import { reconcileLiveSessions } from '../../server/src/cluster/liveSessions';
import { LocalStageLeases } from '../../server/src/cluster/stageLease';
import { RecruitmentService } from '../../server/src/services/recruitment';
import type { JobStore } from '../../server/src/store/jobStore';
import { jobKeys } from '../../server/src/store/redisKeys';
import { REDIS_MIGRATIONS, schemaVersionKey } from '../../server/src/store/redisMigrations';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { MIGRATIONS, migrate } from '../../server/src/store/sqliteMigrations';
import { storeFile } from '../../server/src/store/sqliteSchema';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';
import { startClusterModeRedis } from '../harness/redisClusterMode';
import { storeImplementations } from '../harness/storeImplementations';

const clusterMode = await startClusterModeRedis();
afterAll(() => clusterMode.stop());

const implementations = storeImplementations({ redisUrl: inject('redisUrl'), clusterUrl: clusterMode.url });

const at = '2026-03-01T08:00:00.000Z';
const session = (id: string, status: SessionStatus, campaignId = 'c1'): LiveSession => ({
  id,
  campaignId: campaignId as LiveSession['campaignId'],
  title: `春风行动专场 ${id}`,
  scheduledAt: at,
  lineup: [],
  status,
  createdAt: at,
});
const ids = (sessions: LiveSession[]): string[] => sessions.map((s) => s.id);

describe.each(implementations)('job store contract, sessions by status: $name', ({ open }) => {
  const opened: Array<{ store: JobStore; cleanup: () => void }> = [];
  const fresh = () => {
    const handle = open();
    opened.push(handle);
    return handle;
  };
  afterEach(async () => {
    for (const { store, cleanup } of opened.splice(0)) {
      await store.close();
      cleanup();
    }
  });

  test('listByStatus() answers the sessions of the statuses asked for, in creation order, and follows every status change', async () => {
    const { store, reopen } = fresh();
    await store.put('session', session('s1', 'scheduled'));
    await store.put('session', session('s2', 'live', 'c2'));
    await store.put('session', session('s3', 'ended'));
    await store.put('session', session('s4', 'scheduled', 'c2'));
    expect(ids(await store.listByStatus('session', ['live']))).toEqual(['s2']);
    expect(ids(await store.listByStatus('session', ['scheduled', 'live']))).toEqual(['s1', 's2', 's4']);
    expect(await store.listByStatus('session', [])).toEqual([]);

    // s1 goes live, s2 ends: each leaves its old status's list and keeps its creation place.
    await store.put('session', { ...session('s1', 'live'), title: '改期后的专场' });
    await store.put('session', session('s2', 'ended', 'c2'));
    const live = await store.listByStatus('session', ['live']);
    expect(live).toEqual([{ ...session('s1', 'live'), title: '改期后的专场' }]);
    expect(ids(await store.listByStatus('session', ['ended']))).toEqual(['s2', 's3']);
    expect(ids(await store.listByStatus('session', ['scheduled']))).toEqual(['s4']);
    // The campaign index still moves as before.
    expect(ids(await store.list('session', { value: 'c2' }))).toEqual(['s2', 's4']);

    // A fenced write keeps the status index too.
    await store.put('session', session('s4', 'live', 'c2'), { fence: { sessionId: 's4', epoch: null } });
    const again = reopen();
    opened.push({ store: again, cleanup: () => undefined });
    expect(ids(await again.listByStatus('session', ['live']))).toEqual(['s1', 's4']);
    expect(ids(await again.listByStatus('session', ['scheduled']))).toEqual([]);
  });

  test('countIndexed() counts each index value from the index and follows a document moving between values', async () => {
    const { store } = fresh();
    await store.put('session', session('s1', 'scheduled'));
    await store.put('session', session('s2', 'live', 'c2'));
    await store.put('session', session('s3', 'ended'));
    expect(await store.countIndexed('session', ['c1', 'c2', 'c3'])).toEqual(new Map([['c1', 2], ['c2', 1], ['c3', 0]]));
    await store.put('session', session('s3', 'ended', 'c2'));
    expect(await store.countIndexed('session', ['c1', 'c2'])).toEqual(new Map([['c1', 1], ['c2', 2]]));
    expect(await store.countIndexed('vacancy', ['c2'])).toEqual(new Map([['c2', 0]]));
    expect(await store.countIndexed('session', [])).toEqual(new Map());
  });

  test('the reconciler reads only the live sessions: a province of scheduled and ended ones is never listed', async () => {
    const { store } = fresh();
    for (let i = 0; i < 30; i += 1) await store.put('session', session(`old${i}`, i % 2 === 0 ? 'ended' : 'scheduled'));
    await store.put('session', session('held', 'live'));
    await store.put('session', session('orphan', 'live'));
    const leases = new LocalStageLeases({ nodeId: 'n1', ttlMs: 60_000 });
    expect(await leases.acquire('held')).toMatchObject({ taken: true });
    const service = new RecruitmentService({ store, askLimiter: { take: () => Promise.resolve(0) } });
    const read: string[] = [];
    const get = store.get.bind(store);
    store.get = ((kind: Parameters<JobStore['get']>[0], id: string) => {
      if (kind === 'session') read.push(id);
      return get(kind, id);
    }) as JobStore['get'];
    store.list = () => Promise.reject(new Error('the reconciler listed a whole kind'));

    expect(await reconcileLiveSessions({ service, leases })).toEqual(['orphan']);
    // Only the orphan was read again (to set it back); no scheduled or ended session was read at all.
    expect(read).toEqual(['orphan']);
    expect((await get('session', 'orphan'))?.status).toBe('scheduled');
    expect(ids(await store.listByStatus('session', ['live']))).toEqual(['held']);
    await leases.close();
  });
});

describe('the status index is built for the sessions stored before it', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const stored = [session('a', 'live'), session('b', 'scheduled'), session('c', 'ended'), session('d', 'live', 'c2')];

  test('embedded: a version-4 file (docs without a status) gets each session\'s status copied by migration 5; an unreadable one is in no list', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-status-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const db = new Database(storeFile(dataDir));
    migrate(db, MIGRATIONS.filter((m) => m.version <= 4));
    const insert = db.prepare('INSERT INTO docs (kind, id, idx, seq, body) VALUES (?, ?, ?, ?, ?)');
    stored.forEach((s, i) => insert.run('session', s.id, s.campaignId, i + 1, JSON.stringify(s)));
    insert.run('session', 'broken', 'c1', 9, '{not json');
    insert.run('employer', 'e1', null, 10, JSON.stringify({ id: 'e1', status: 'live' }));
    db.close();

    const store = new SqliteJobStore({ dataDir });
    cleanups.push(() => store.close());
    expect(store.migration).toEqual({ from: 4, to: MIGRATIONS.at(-1)!.version });
    expect(ids(await store.listByStatus('session', ['live']))).toEqual(['a', 'd']);
    expect(ids(await store.listByStatus('session', ['scheduled', 'ended']))).toEqual(['b', 'c']);
    // Written from here on with its status.
    await store.put('session', session('b', 'live'));
    expect(ids(await store.listByStatus('session', ['live']))).toEqual(['a', 'b', 'd']);
  });

  test('Redis: data at schema version 3 gets each session in its status\'s set by migration 4, once, when two nodes open it at once', async () => {
    const url = inject('redisUrl');
    const prefix = `m${crypto.randomUUID().slice(0, 8)}:`;
    const redis = new Redis(url);
    cleanups.push(async () => void (await redis.quit()));
    const k = jobKeys(prefix);
    for (const [i, s] of stored.entries()) {
      await redis.set(k.doc('session', s.id), JSON.stringify(s));
      await redis.zadd(k.docOrder('session'), i + 1, s.id);
      await redis.zadd(k.docIndex('session', s.campaignId), i + 1, s.id);
    }
    await redis.set(k.doc('session', 'broken'), '{not json');
    await redis.zadd(k.docOrder('session'), 9, 'broken');
    await redis.set(k.docSeq, '9');
    await redis.set(schemaVersionKey(prefix), '3');

    const [one, two] = [new RedisJobStore({ url, prefix }), new RedisJobStore({ url, prefix })];
    cleanups.push(() => one.close(), () => two.close());
    const results = await Promise.all([one.opened(), two.opened()]);
    expect(results.map((r) => r.to)).toEqual([REDIS_MIGRATIONS.at(-1)!.version, REDIS_MIGRATIONS.at(-1)!.version]);
    expect(results.some((r) => r.from === 3)).toBe(true);
    expect(ids(await one.listByStatus('session', ['live']))).toEqual(['a', 'd']);
    expect(ids(await two.listByStatus('session', ['scheduled', 'ended']))).toEqual(['b', 'c']);
    // The seq each was created with, so later writes keep the creation order.
    expect(await redis.zrange(k.docStatus('session', 'live'), 0, -1, 'WITHSCORES')).toEqual(['a', '1', 'd', '4']);
    await two.put('session', session('c', 'live'));
    expect(ids(await one.listByStatus('session', ['live']))).toEqual(['a', 'c', 'd']);
    expect(await redis.zcard(k.docStatus('session', 'ended'))).toBe(0);
  });
});
