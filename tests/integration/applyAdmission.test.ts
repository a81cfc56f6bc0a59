import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { hashKey, type ApplicationRecord } from '../../server/src/domain/applications';
import { applyAdmission, type ApplyAdmission, type ApplyBudgets } from '../../server/src/store/applyAdmission';
import type { JobStore } from '../../server/src/store/jobStore';
import { RedisJobStore } from '../../server/src/store/redisStore';

const BUDGETS: ApplyBudgets = { phone: { points: 3, seconds: 60 }, device: { points: 2, seconds: 60 }, block: { points: 5, seconds: 60 } };
const PHONE = '13800000000';

function record(keyHash: string): ApplicationRecord {
  const at = new Date().toISOString();
  const id = crypto.randomUUID();
  return {
    id, vacancyId: 'v1', employerId: 'e1', sessionId: null, name: '张三', phone: PHONE, targetGroup: null, consent: { version: 1, at },
    source: 'live', keyHash, deviceId: null, status: 'new', history: [{ status: 'new', at, by: 'applicant', note: '' }], createdAt: at,
  } as unknown as ApplicationRecord;
}

/** The same answers from the gate whichever backend counts: each call makes a fresh pair of "nodes" on one backend. */
function behaves(name: string, open: () => { a: ApplyAdmission; b: ApplyAdmission; store: Pick<JobStore, 'apply'> }): void {
  describe(name, () => {
    test("a phone's budget is spent by whoever names it, on either node, until it is refused with the window's wait", async () => {
      const { a, b } = open();
      const waits = [];
      for (let i = 0; i < 4; i += 1) waits.push((await (i % 2 ? b : a).admit(hashKey(crypto.randomUUID()), { device: `d${i}`, block: `10.0.${i}.0/24`, phone: PHONE })));
      expect(waits.slice(0, 3)).toEqual([{ answered: false, waitMs: 0 }, { answered: false, waitMs: 0 }, { answered: false, waitMs: 0 }]);
      expect(waits[3]).toMatchObject({ answered: false });
      const wait = (waits[3] as { waitMs: number }).waitMs;
      expect(wait).toBeGreaterThan(55_000);
      expect(wait).toBeLessThanOrEqual(60_000);
    });

    test("a caller past its own device budget is refused without spending the phone's: the phone's owner can still apply three times", async () => {
      const { a, b } = open();
      const script = { device: 'script', block: '10.9.9.0/24' };
      const own = [];
      for (let i = 0; i < 6; i += 1) own.push(await a.admit(hashKey(crypto.randomUUID()), { ...script, phone: `139${String(i).padStart(8, '0')}` }));
      expect(own.filter((r) => !r.answered && r.waitMs === 0)).toHaveLength(2);
      // Past its device budget the script names a victim's phone again and again.
      for (let i = 0; i < 10; i += 1) expect(await b.admit(hashKey(crypto.randomUUID()), { ...script, phone: PHONE })).toMatchObject({ answered: false, waitMs: expect.any(Number) as number });
      const victim = [];
      for (let i = 0; i < 3; i += 1) victim.push(await b.admit(hashKey(crypto.randomUUID()), { device: `own-${i}`, block: '10.1.1.0/24', phone: PHONE }));
      expect(victim).toEqual([{ answered: false, waitMs: 0 }, { answered: false, waitMs: 0 }, { answered: false, waitMs: 0 }]);
    });

    test('a tap whose key is answered gets its answer and spends nothing, even with every budget used up', async () => {
      const { a, b, store } = open();
      const key = crypto.randomUUID();
      const keys = { device: 'retrying', block: '10.2.2.0/24', phone: PHONE };
      expect(await a.admit(hashKey(key), keys)).toEqual({ answered: false, waitMs: 0 });
      await store.apply(record(hashKey(key)));
      for (let i = 0; i < 5; i += 1) expect(await b.admit(hashKey(key), keys)).toEqual({ answered: true });
      // The device had spent one of its two: a new tap from it is still admitted once.
      expect(await a.admit(hashKey(crypto.randomUUID()), keys)).toEqual({ answered: false, waitMs: 0 });
      expect(await a.admit(hashKey(crypto.randomUUID()), keys)).toMatchObject({ answered: false });
    });

    test('a tap with no device token spends only its block and its phone', async () => {
      const { a } = open();
      const results = [];
      for (let i = 0; i < 3; i += 1) results.push(await a.admit(hashKey(crypto.randomUUID()), { device: undefined, block: '10.3.3.0/24', phone: PHONE }));
      expect(results).toEqual([{ answered: false, waitMs: 0 }, { answered: false, waitMs: 0 }, { answered: false, waitMs: 0 }]);
    });
  });
}

const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
const stores: RedisJobStore[] = [];
beforeAll(() => redis.ping());
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis.quit();
});

behaves('the gate on Redis: one round trip, one budget for every node', () => {
  const prefix = `adm-${crypto.randomUUID()}:`;
  const store = new RedisJobStore({ url: inject('redisUrl'), prefix });
  stores.push(store);
  const backend = { kind: 'redis', client: redis, prefix } as const;
  return { a: applyAdmission({ store, budgets: BUDGETS, backend }), b: applyAdmission({ store, budgets: BUDGETS, backend }), store };
});

behaves('the gate in memory (one node: "b" is the same gate)', () => {
  const answered = new Set<string>();
  const store = {
    keyAnswered: (keyHash: string) => Promise.resolve(answered.has(keyHash)),
    apply: (a: ApplicationRecord) => {
      answered.add(a.keyHash);
      return Promise.resolve({ application: a, created: true });
    },
  };
  const gate = applyAdmission({ store, budgets: BUDGETS, backend: { kind: 'memory' } });
  return { a: gate, b: gate, store };
});

test('on Redis, a Redis out of reach is UNAVAILABLE with a retry hint, neither a pass nor a crash', async () => {
  const away = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  away.on('error', () => undefined);
  const gate = applyAdmission({ store: { keyAnswered: () => Promise.resolve(false) }, budgets: BUDGETS, backend: { kind: 'redis', client: away } });
  await expect(gate.admit(hashKey('k'), { device: 'd', block: '10.0.0.0/24', phone: PHONE })).rejects.toMatchObject({ code: 'UNAVAILABLE', retryAfterSeconds: 2 });
  away.disconnect();
});
