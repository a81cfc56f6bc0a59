import crypto from 'node:crypto';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { Redis } from 'ioredis';
import { moveApplication, type ApplicationRecord } from '../../server/src/domain/applications';
import { breakdownOf, countApplications, type ApplicationCounts } from '../../server/src/domain/statistics';
import { stageEpochKey, stageLeaseKey } from '../../server/src/cluster/stageLease';
import type { ApplicationEvent } from '../../server/src/store/jobStore';
import { REDIS_MIGRATIONS, schemaVersionKey } from '../../server/src/store/redisMigrations';
import { jobKeys, UNTAGGED_FAMILIES } from '../../server/src/store/redisKeys';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { applicationRecord } from '../harness/records';
import { BeforeTags } from '../harness/redisBeforeTags';

const figures = (c: ApplicationCounts | undefined) => breakdownOf(c!, (id) => ({ title: id, employer: '' }));
const TAGGING = REDIS_MIGRATIONS.find((m) => m.version === 2)!;

/** Every key under the prefix the previous release wrote (its own families only), by SCAN. */
async function untagged(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys.filter((k) => UNTAGGED_FAMILIES.some((f) => k.slice(prefix.length).startsWith(f))));
  } while (cursor !== '0');
  return found;
}

/**
 * A fair as the previous release (schema version 1) left it: 1,203 applications over three sessions
 * (more than two chunks of every read), some moved on and some withdrawn, one withdrawn and applied
 * again, vacancies indexed by employer (one moved to another employer), pins, captions, moderation, a
 * stage's epoch and an apply counter with its window.
 */
async function previousRelease(redis: Redis, prefix: string) {
  const old = new BeforeTags(redis, prefix);
  await old.stamp();
  const applications: ApplicationRecord[] = Array.from({ length: 1_203 }, (_, i) =>
    applicationRecord({ phone: `1370${String(i).padStart(7, '0')}`, sessionId: i % 10 === 9 ? null : `s${i % 3}`, vacancyId: `v${i % 7}` as ApplicationRecord['vacancyId'] }),
  );
  for (let i = 0; i < applications.length; i += 100) await Promise.all(applications.slice(i, i + 100).map((a) => old.apply(a)));
  const at = new Date().toISOString();
  for (const [i, a] of applications.entries()) {
    if (i % 5 !== 1 && i % 5 !== 2) continue;
    const moved = moveApplication(a, { status: i % 5 === 1 ? 'contacted' : 'withdrawn', by: 'staff', note: '', at });
    await old.replace(a, moved);
    applications[i] = moved;
  }
  // A vacancy+phone key still naming a withdrawn application, as releases before withdrawals let go of it left them.
  const stale = applications[12]!;
  await redis.set(`${prefix}app:vp:${stale.vacancyId}:${stale.phone}`, stale.id);
  // Withdrawn, then applied again for the same vacancy and phone: the new one holds the key.
  const again = applicationRecord({ phone: applications[2]!.phone, vacancyId: applications[2]!.vacancyId, sessionId: 's2' });
  expect(await old.apply(again)).toBe(true);
  applications.push(again);
  await old.put('vacancy', { id: 'v1', employerId: 'e1', title: '普工' }, 'employerId');
  await old.put('vacancy', { id: 'v2', employerId: 'e1', title: '焊工' }, 'employerId');
  await old.put('vacancy', { id: 'v1', employerId: 'e2', title: '普工' }, 'employerId');
  await old.put('employer', { id: 'e1', name: '企业一' });
  const pins = [
    { sessionId: 's0', kind: 'pin', vacancyId: 'v1', pinnedAt: '2026-03-01T02:00:00.000Z' },
    { sessionId: 's0', kind: 'unpin', vacancyId: 'v1', pinnedAt: '2026-03-01T02:05:00.000Z' },
  ];
  for (const pin of pins) await redis.hset(`${prefix}pins:s0`, `${pin.pinnedAt}|${pin.kind}`, JSON.stringify(pin));
  await redis.rpush(`${prefix}captions:s0`, JSON.stringify({ text: '大家好', at }), JSON.stringify({ text: '欢迎', at }));
  await redis.rpush(`${prefix}moderation:s0`, JSON.stringify({ sessionId: 's0', action: 'hide', at }));
  await redis.set(`${prefix}cluster:stage-epoch:s0`, '7');
  await redis.set(`${prefix}rl:apply:phone:13700000000`, '3', 'EX', 60);
  // The events as that release kept them: one stream, read whole here to know what each application had.
  const stream = await redis.xrange(`${prefix}app-events`, '-', '+');
  const events = new Map<string, ApplicationEvent[]>();
  for (const [, fields] of stream) {
    const event = JSON.parse(fields[fields.indexOf('event') + 1]!) as ApplicationEvent;
    events.set(event.applicationId, [...(events.get(event.applicationId) ?? []), event]);
  }
  return { applications, again, pins, events, at, lastEvent: stream.at(-1)![0] };
}

/** The newest schema version: data migrated by version 2 goes on through every later step. */
const LATEST = REDIS_MIGRATIONS.at(-1)!.version;

describe('Redis schema 2: the previous release\'s keys carried under the hash tag, each application\'s events listed', () => {
  const url = inject('redisUrl');
  const opened: Array<{ close(): Promise<void> }> = [];
  const track = <T extends { close(): Promise<void> }>(x: T): T => (opened.push(x), x);
  const raw = () => {
    const redis = new Redis(url);
    track({ close: async () => void (await redis.quit()) });
    return redis;
  };
  afterEach(async () => {
    for (const x of opened.splice(0).reverse()) await x.close();
  });

  /** What must hold once migrated, whichever way the migration got there. */
  async function expectCarried(redis: Redis, store: RedisJobStore, prefix: string, fair: Awaited<ReturnType<typeof previousRelease>>) {
    const { applications, again, pins, events, at } = fair;
    const k = jobKeys(prefix);
    expect(await untagged(redis, prefix)).toEqual([]);
    expect(await redis.get(schemaVersionKey(prefix))).toBe(String(LATEST));
    // Where the event lists were filled up to is kept: the stream's last entry before the store wrote.
    expect(await redis.get(`${k.tag}schema:v2:events`)).toBe(fair.lastEvent);
    const byId = new Map(applications.map((a) => [a.id, a]));
    expect(new Map((await store.listApplications({})).map((a) => [a.id, a]))).toEqual(byId);
    // Every application's own events, exactly as the stream had them (none twice).
    for (const a of applications) expect(await store.applicationEvents(a.id)).toEqual(events.get(a.id));
    expect((await store.applicationEvents()).length).toBe([...events.values()].flat().length);
    const counts = await store.applicationCounts(['s0', 's1', 's2']);
    for (const s of ['s0', 's1', 's2']) expect(figures(counts.get(s))).toEqual(figures(countApplications(applications.filter((a) => a.sessionId === s))));
    // The key indexes answer as before: a repeat is the stored one, an open vacancy+phone is held,
    // a withdrawn one (its key released by the old release, or dropped by the migration) is not.
    const open = applications[0]!;
    const repeat = await store.apply({ ...applicationRecord(), keyHash: open.keyHash });
    expect(repeat).toMatchObject({ created: false, application: { id: open.id } });
    expect((await store.apply(applicationRecord({ phone: again.phone, vacancyId: again.vacancyId }))).application.id).toBe(again.id);
    for (const withdrawn of [applications[7]!, applications[12]!]) {
      expect(withdrawn.status).toBe('withdrawn');
      expect((await store.apply(applicationRecord({ phone: withdrawn.phone, vacancyId: withdrawn.vacancyId }))).created).toBe(true);
    }
    // Catalog order and index, pins, captions, moderation, the stage epoch, the apply counter's window.
    expect((await store.list('vacancy')).map((v) => v.id)).toEqual(['v1', 'v2']);
    expect((await store.list('vacancy', { value: 'e1' })).map((v) => v.id)).toEqual(['v2']);
    expect((await store.list('vacancy', { value: 'e2' })).map((v) => v.id)).toEqual(['v1']);
    expect((await store.get('employer', 'e1'))?.name).toBe('企业一');
    expect(await store.listPins('s0')).toEqual(pins);
    expect((await store.listCaptions('s0')).map((c) => [c.seq, c.text, c.at])).toEqual([[1, '大家好', at], [2, '欢迎', at]]);
    expect(await store.listModeration('s0')).toEqual([{ sessionId: 's0', action: 'hide', at }]);
    expect(await redis.get(stageEpochKey(prefix, 's0'))).toBe('7');
    expect(await redis.exists(stageLeaseKey(prefix, 's0'))).toBe(0);
    expect(await redis.ttl(`${k.tag}rl:apply:phone:13700000000`)).toBeGreaterThan(0);
    // And from here on the store's own scripts keep each application's list.
    await store.updateApplication(open.id, (a) => moveApplication(a, { status: 'hired', by: 'staff', note: '', at }));
    expect((await store.applicationEvents(open.id)).map((e) => e.status)).toEqual(['new', 'hired']);
  }

  test('two nodes opening the previous release\'s data at once migrate it once: nothing left under the old names, everything readable', async () => {
    const prefix = `k${crypto.randomUUID().slice(0, 8)}:`;
    const redis = raw();
    const fair = await previousRelease(redis, prefix);
    const [one, two] = [track(new RedisJobStore({ url, prefix })), track(new RedisJobStore({ url, prefix }))];
    const results = await Promise.all([one.opened(), two.opened()]);
    expect(results.map((r) => r.to)).toEqual([LATEST, LATEST]);
    expect(results.some((r) => r.from === 1)).toBe(true);
    await expectCarried(redis, two, prefix, fair);
  });

  test('a migration cut short at any chunk and run again ends exactly as one run: no key lost, no event listed twice', async () => {
    const prefix = `k${crypto.randomUUID().slice(0, 8)}:`;
    const redis = raw();
    const fair = await previousRelease(redis, prefix);
    // A node dies after its 3rd chunk, the next after its 6th, … (renames, key clean-up, event lists),
    // each starting where the last stopped, until one gets to the end.
    const k = jobKeys(prefix);
    let cutInEvents = false;
    for (let cutAt = 3; ; cutAt += 3) {
      let chunks = 0;
      const run = await TAGGING.up(redis, prefix, () => {
        chunks += 1;
        return chunks === cutAt ? Promise.reject(new Error('node died')) : Promise.resolve();
      }).then(() => 'finished', (error: Error) => error.message);
      if (run === 'finished') break;
      expect(run).toBe('node died');
      if ((await redis.exists(`${k.tag}schema:v2:events`)) === 1 && (await redis.get(`${k.tag}schema:v2:events`)) !== fair.lastEvent) cutInEvents = true;
      expect(cutAt).toBeLessThan(300);
    }
    expect(cutInEvents).toBe(true);
    // The version is still 1 (as when a node dies after the step, before recording it): opening the store runs it once more, finding nothing left to do.
    expect(await redis.get(schemaVersionKey(prefix))).toBe('1');
    const store = track(new RedisJobStore({ url, prefix }));
    expect(await store.opened()).toEqual({ from: 1, to: LATEST });
    await expectCarried(redis, store, prefix, fair);
  });
});
