import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import type { Employer, Vacancy } from '@chunfeng/shared/recruitment';
import { moveApplication } from '../../server/src/domain/applications';
import { RedisStageLeases } from '../../server/src/cluster/stageLease';
import { applyAdmission } from '../../server/src/store/applyAdmission';
import { jobTag } from '../../server/src/store/redisKeys';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { applicationRecord } from '../harness/records';
import { BeforeTags } from '../harness/redisBeforeTags';
import { startClusterModeRedis } from '../harness/redisClusterMode';
import type { TestRedis } from '../harness/redis';

/** One command as MONITOR saw it: its words, and whether a script ran it ('lua') or a client sent it. */
interface Seen {
  args: string[];
  source: string;
}

/** A script run and the commands it ran, as MONITOR shows them: the EVAL or EVALSHA, then its own commands. */
interface ScriptRun {
  declared: string[];
  touched: string[][];
}

describe('Redis Cluster safety: every key a script touches is given to it in KEYS, and all the store\'s keys share one slot', () => {
  let server: TestRedis;
  let admin: Redis;
  let monitor: Redis;
  let watcher: Redis;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = await startClusterModeRedis();
    admin = new Redis(server.url);
    admin.on('error', () => undefined);
    // MONITOR on a connection of its own (ioredis duplicates the one it is asked on, kept here to close).
    watcher = new Redis(server.url);
    watcher.on('error', () => undefined);
    monitor = await watcher.monitor();
    monitor.on('error', () => undefined);
    monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ args, source }));
  });
  afterAll(async () => {
    monitor.disconnect();
    watcher.disconnect();
    await admin.quit();
    await server.stop();
  });

  /** The keys Redis itself finds in a command (none for a keyless one). */
  const keysOf = async (args: string[]): Promise<string[]> => {
    try {
      return (await admin.call('COMMAND', 'GETKEYS', ...args)) as string[];
    } catch {
      return [];
    }
  };
  const slotOf = async (key: string): Promise<number> => Number(await admin.call('CLUSTER', 'KEYSLOT', key));

  /** Groups what MONITOR saw since `from` into script runs (a script's commands come right after it: it runs alone). */
  const scriptRuns = (from: number): ScriptRun[] => {
    const runs: ScriptRun[] = [];
    for (const { args, source } of seen.slice(from)) {
      const name = args[0]?.toLowerCase();
      if (source !== 'lua' && (name === 'eval' || name === 'evalsha')) runs.push({ declared: args.slice(3, 3 + Number(args[2])), touched: [] });
      else if (source === 'lua') runs.at(-1)?.touched.push(args);
    }
    return runs;
  };

  /**
   * Every key a run touched that it was not given, and the slots of what it was given — but the
   * schema version and the migration's hold (`<prefix>schema:…`, one key per script, outside the tag on purpose).
   */
  const audit = async (runs: ScriptRun[], prefix: string) => {
    const undeclared: string[] = [];
    const slots = new Set<number>();
    for (const run of runs) {
      for (const key of run.declared) if (!key.startsWith(`${prefix}schema:`)) slots.add(await slotOf(key));
      for (const command of run.touched) for (const key of await keysOf(command)) if (!run.declared.includes(key)) undeclared.push(`${command[0]} ${key}`);
    }
    return { undeclared, slots };
  };

  /** Waits until MONITOR has shown a marker sent after the work (its feed lags the replies a little). */
  const settle = async (): Promise<void> => {
    const marker = `settle-${crypto.randomUUID()}`;
    await admin.call('ECHO', marker);
    for (let i = 0; i < 100 && !seen.some((s) => s.args[1] === marker); i += 1) await new Promise((r) => setTimeout(r, 20));
  };

  test('the store, its fenced writes, the stage leases and the apply admission: no script touches a key it was not given, and every key of the store is in the prefix\'s slot', async () => {
    const prefix = `z${crypto.randomUUID().slice(0, 8)}:`;
    const store = new RedisJobStore({ url: server.url, prefix });
    const leases = new RedisStageLeases({ url: server.url, nodeId: 'node-a', ttlMs: 6000, prefix });
    const client = new Redis(server.url);
    client.on('error', () => undefined);
    try {
      // The migrations read the untagged names of earlier releases (single keys); watched from here on is the store at work.
      await store.opened();
      await settle();
      const from = seen.length;
      const admission = applyAdmission({ store, budgets: { phone: { points: 5, seconds: 60 }, device: { points: 5, seconds: 60 }, block: { points: 50, seconds: 60 } }, backend: { kind: 'redis', client, prefix } });
      const now = new Date().toISOString();
      const a = applicationRecord({ sessionId: 's1' });
      expect(await admission.admit(a.keyHash, { device: 'd1', block: '10.0.0', phone: a.phone })).toEqual({ answered: false, waitMs: 0 });
      expect(await admission.admit(a.keyHash, { device: undefined, block: '10.0.0', phone: a.phone })).toEqual({ answered: false, waitMs: 0 });
      expect((await store.apply(a)).created).toBe(true);
      expect(await admission.admit(a.keyHash, { device: 'd1', block: '10.0.0', phone: a.phone })).toEqual({ answered: true });
      expect((await store.apply({ ...applicationRecord(), keyHash: a.keyHash })).created).toBe(false);
      expect((await store.apply(applicationRecord({ phone: a.phone, sessionId: 's1' }))).created).toBe(false);
      expect((await store.apply(applicationRecord({ sessionId: null }))).created).toBe(true);
      await store.updateApplication(a.id, (x) => moveApplication(x, { status: 'contacted', by: 'staff', note: '', at: now }));
      await store.updateApplication(a.id, (x) => moveApplication(x, { status: 'withdrawn', by: 'applicant', note: '', at: now }));
      expect((await store.apply(applicationRecord({ phone: a.phone, sessionId: 's1' }))).created).toBe(true);
      const vacancy = { id: 'v9', employerId: 'e1', title: '普工' } as unknown as Vacancy;
      await store.put('vacancy', vacancy);
      await store.put('vacancy', { ...vacancy, employerId: 'e2' } as Vacancy);
      await store.put('employer', { id: 'e1', name: '企业' } as unknown as Employer);
      const taken = await leases.acquire('s1');
      if (!taken.taken) throw new Error('the lease was not free');
      await store.put('vacancy', { ...vacancy, employerId: 'e2', title: '焊工' } as Vacancy, { fence: { sessionId: 's1', epoch: taken.epoch } });
      await store.putPins([{ sessionId: 's1', kind: 'pin', vacancyId: 'v9', pinnedAt: now } as never], { fence: { sessionId: 's1', epoch: taken.epoch } });
      await expect(store.putPins([{ sessionId: 's1', kind: 'pin', vacancyId: 'v9', pinnedAt: now } as never], { fence: { sessionId: 's1', epoch: taken.epoch - 1 } })).rejects.toThrow();
      expect(await leases.renew('s1', taken.epoch)).toBe('held');
      await leases.release('s1', taken.epoch);
      await store.appendCaption('s1', { text: '你好', at: now });
      await store.appendModeration({ sessionId: 's1', action: 'hide', at: now } as never);
      expect((await store.list('vacancy', { value: 'e2' })).map((v) => v.title)).toEqual(['焊工']);
      expect(await store.listPins('s1')).toHaveLength(1);
      expect((await store.pageApplications({ limit: 10 })).applications).toHaveLength(3);
      expect((await store.applicationEvents(a.id)).map((e) => e.status)).toEqual(['new', 'contacted', 'withdrawn']);
      expect((await store.applicationChanges('0-0', 10)).ids.length).toBeGreaterThan(0);
      expect((await store.applicationCounts(['s1'])).get('s1')?.total).toBe(2);
      expect(await store.listCaptions('s1')).toHaveLength(1);
      expect(await store.listCaptions('s1', 1)).toHaveLength(1);
      expect(await store.listModeration('s1')).toHaveLength(1);
      expect(await store.keyAnswered(a.keyHash)).toBe(true);
      await settle();

      const runs = scriptRuns(from);
      // The apply, put (plain and fenced), pins (fenced), replace, admission and lease scripts all ran, and did something.
      expect(new Set(runs.map((r) => r.touched.length > 0)).has(true)).toBe(true);
      expect(runs.length).toBeGreaterThanOrEqual(15);
      const { undeclared, slots } = await audit(runs, prefix);
      expect(undeclared).toEqual([]);
      // Every key the store's connections touched, by script or not, is in the prefix's slot.
      const tagSlot = await slotOf(jobTag(prefix));
      expect([...slots]).toEqual([tagSlot]);
      const outside: string[] = [];
      for (const { args } of seen.slice(from)) {
        for (const key of await keysOf(args)) if (key.includes(prefix) && (await slotOf(key)) !== tagSlot) outside.push(key);
      }
      expect(outside).toEqual([]);
    } finally {
      await Promise.all([store.close(), leases.close(), client.quit()]);
    }
  });

  test('the check catches a script that builds its keys inside Lua (the previous release\'s apply)', async () => {
    const prefix = `z${crypto.randomUUID().slice(0, 8)}:`;
    const from = seen.length;
    const redis = new Redis(server.url);
    try {
      // One node holds every slot, so the server runs it: only the check can tell.
      expect(await new BeforeTags(redis, prefix).apply(applicationRecord({ sessionId: 's1' }))).toBe(true);
      await settle();
      const { undeclared, slots } = await audit(scriptRuns(from), prefix);
      expect(undeclared.length).toBeGreaterThan(5);
      expect(undeclared).toContain(`INCR ${prefix}apps:seq`);
      expect(slots.size).toBe(1);
    } finally {
      await redis.quit();
    }
  });
});
