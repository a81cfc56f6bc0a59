import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import type { LiveSession, PinEvent } from '@chunfeng/shared/recruitment';
import { LocalStageLeases, RedisStageLeases, type StageLeases } from '../../server/src/cluster/stageLease';
import type { JobStore } from '../../server/src/store/jobStore';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';

/** A job store and the stage leases of one node over the same data, as app.ts wires them. */
interface Setup {
  store: JobStore;
  leases: StageLeases;
  /** The leases of a second node on the same data (Redis only). */
  other?: StageLeases;
  cleanup: () => Promise<void>;
}

const implementations: Array<{ name: string; open: () => Setup }> = [
  {
    name: 'embedded (SQLite, leases in this process)',
    open: () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-fence-'));
      const leases = new LocalStageLeases({ nodeId: 'node-a', ttlMs: 60_000 });
      const store = new SqliteJobStore({ dataDir, fenced: (fence) => leases.fenced(fence) });
      return {
        store,
        leases,
        cleanup: async () => {
          await store.close();
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'Redis (a Lua check beside the write)',
    open: () => {
      const prefix = `t${crypto.randomUUID().slice(0, 8)}:`;
      const url = inject('redisUrl');
      const store = new RedisJobStore({ url, prefix });
      const leases = new RedisStageLeases({ url, prefix, nodeId: 'node-a', ttlMs: 60_000 });
      const other = new RedisStageLeases({ url, prefix, nodeId: 'node-b', ttlMs: 60_000 });
      return {
        store,
        leases,
        other,
        cleanup: async () => {
          await Promise.all([store.close(), leases.close(), other.close()]);
        },
      };
    },
  },
];

const session = (id: string, status: LiveSession['status']): LiveSession => ({
  id,
  campaignId: 'c1' as LiveSession['campaignId'],
  title: '春风行动',
  scheduledAt: '2026-03-01T09:00:00.000Z',
  status,
  lineup: [],
  createdAt: '2026-01-01T00:00:00.000Z',
});
const pin = (sessionId: string, itemId: string, pinnedAt: string): PinEvent => ({ sessionId, kind: 'vacancy', itemId, pinnedAt, unpinnedAt: null });

describe.each(implementations)('fenced stage writes: $name', ({ open }) => {
  const { store, leases, other, cleanup } = open();
  afterAll(cleanup);

  test('a status write and a pin carrying the lease\'s epoch are stored; with an older epoch both are refused STAGE_ELSEWHERE and the store is unchanged', async () => {
    const id = `fence-${crypto.randomUUID()}`;
    await store.put('session', session(id, 'scheduled'));
    const first = await leases.acquire(id);
    if (!first.taken) throw new Error('not taken');
    await store.put('session', session(id, 'live'), { fence: { sessionId: id, epoch: first.epoch } });
    await store.putPins([pin(id, 'v1', '2026-03-01T09:01:00.000Z')], { fence: { sessionId: id, epoch: first.epoch } });

    // The stage is opened again (here, or on another node after this lease expired): a new epoch.
    const second = await leases.acquire(id);
    if (!second.taken) throw new Error('not taken');
    expect(second.epoch).toBeGreaterThan(first.epoch);
    const stale = { fence: { sessionId: id, epoch: first.epoch } };
    await expect(store.put('session', session(id, 'scheduled'), stale)).rejects.toMatchObject({ code: 'STAGE_ELSEWHERE' });
    await expect(store.putPins([pin(id, 'v2', '2026-03-01T09:02:00.000Z')], stale)).rejects.toMatchObject({ code: 'STAGE_ELSEWHERE' });
    expect((await store.get('session', id))?.status).toBe('live');
    expect((await store.listPins(id)).map((p) => p.itemId)).toEqual(['v1']);

    // The current epoch still writes.
    await store.putPins([pin(id, 'v3', '2026-03-01T09:03:00.000Z')], { fence: { sessionId: id, epoch: second.epoch } });
    expect((await store.listPins(id)).map((p) => p.itemId)).toEqual(['v1', 'v3']);
  });

  test('a write fenced on "nobody holds the stage" (the reconciler\'s) is refused while a lease is held and stored once it is released', async () => {
    const id = `fence-none-${crypto.randomUUID()}`;
    await store.put('session', session(id, 'live'));
    const taken = await leases.acquire(id);
    if (!taken.taken) throw new Error('not taken');
    const none = { fence: { sessionId: id, epoch: null } };
    await expect(store.put('session', session(id, 'scheduled'), none)).rejects.toMatchObject({ code: 'STAGE_ELSEWHERE' });
    expect((await store.get('session', id))?.status).toBe('live');
    await leases.release(id, taken.epoch);
    await store.put('session', session(id, 'scheduled'), none);
    expect((await store.get('session', id))?.status).toBe('scheduled');
  });

  test.runIf(other)('another node cannot take a held lease, and is told who holds it; once released it takes it with the next epoch and the first node\'s renewal is lost', async () => {
    const id = `fence-two-${crypto.randomUUID()}`;
    const mine = await leases.acquire(id);
    if (!mine.taken) throw new Error('not taken');
    expect(await other!.acquire(id)).toEqual({ taken: false, holder: expect.objectContaining({ nodeId: 'node-a', epoch: mine.epoch }) as unknown });
    expect(await leases.renew(id, mine.epoch)).toBe('held');
    await leases.release(id, mine.epoch);
    const theirs = await other!.acquire(id);
    expect(theirs).toEqual({ taken: true, epoch: mine.epoch + 1 });
    expect(await leases.renew(id, mine.epoch)).toBe('lost');
    await leases.release(id, mine.epoch);
    expect(await leases.holder(id)).toMatchObject({ nodeId: 'node-b', epoch: mine.epoch + 1 });
  });

  test.runIf(other)('two nodes taking a free lease at once: exactly one gets it', async () => {
    for (let round = 0; round < 20; round += 1) {
      const id = `fence-race-${crypto.randomUUID()}`;
      const outcomes = await Promise.all([leases.acquire(id), other!.acquire(id)]);
      expect(outcomes.filter((o) => o.taken)).toHaveLength(1);
    }
  });
});

describe('a lease that expires (its node died)', () => {
  test('Redis: the next take by another node raises the epoch; the dead node\'s renewal is lost and its write refused', async () => {
    const prefix = `t${crypto.randomUUID().slice(0, 8)}:`;
    const url = inject('redisUrl');
    const a = new RedisStageLeases({ url, prefix, nodeId: 'node-a', ttlMs: 300 });
    const b = new RedisStageLeases({ url, prefix, nodeId: 'node-b', ttlMs: 300 });
    const store = new RedisJobStore({ url, prefix });
    try {
      const first = await a.acquire('s');
      if (!first.taken) throw new Error('not taken');
      await new Promise((r) => setTimeout(r, 400));
      expect(await b.holder('s')).toBeUndefined();
      const second = await b.acquire('s');
      expect(second).toEqual({ taken: true, epoch: first.epoch + 1 });
      expect(await a.renew('s', first.epoch)).toBe('lost');
      await expect(store.putPins([pin('s', 'v1', '2026-03-01T09:01:00.000Z')], { fence: { sessionId: 's', epoch: first.epoch } })).rejects.toMatchObject({ code: 'STAGE_ELSEWHERE' });
      expect(await store.listPins('s')).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close(), store.close()]);
    }
  });

  test('Redis: expired with nobody taking it since, its own renewal retakes it with the same epoch', async () => {
    const prefix = `t${crypto.randomUUID().slice(0, 8)}:`;
    const a = new RedisStageLeases({ url: inject('redisUrl'), prefix, nodeId: 'node-a', ttlMs: 200 });
    try {
      const first = await a.acquire('s');
      if (!first.taken) throw new Error('not taken');
      await new Promise((r) => setTimeout(r, 300));
      expect(await a.renew('s', first.epoch)).toBe('retaken');
      expect(await a.holder('s')).toMatchObject({ nodeId: 'node-a', epoch: first.epoch });
    } finally {
      await a.close();
    }
  });
});
