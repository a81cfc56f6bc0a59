import crypto from 'node:crypto';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { Redis } from 'ioredis';
import type { ApplicationRecord } from '../../server/src/domain/applications';
import { breakdownOf, countApplications, type ApplicationCounts } from '../../server/src/domain/statistics';
import { REDIS_MIGRATIONS, RedisSchemaTooNewError, schemaVersionKey } from '../../server/src/store/redisMigrations';
import { jobKeys } from '../../server/src/store/redisKeys';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { StartupError } from '../../server/src/startupError';
import { applicationRecord } from '../harness/records';
import { applyBeforeTallies } from '../harness/redisBeforeTallies';
import { expectMovedQuestions, putQuestionDocuments, questionDocuments } from '../harness/questionDocuments';

const LATEST = REDIS_MIGRATIONS.at(-1)!.version;
const figures = (c: ApplicationCounts | undefined) => breakdownOf(c!, (id) => ({ title: id, employer: '' }));
const statuses = ['new', 'contacted', 'interviewing', 'hired', 'not-suitable', 'withdrawn'] as const;
const groups = [null, 'rural-worker', 'employment-difficulty', 'disabled', 'graduate'] as const;

/** The i-th application of a store written before tallies: three sessions (and some outside any), varied. */
const before = (i: number): ApplicationRecord =>
  applicationRecord({
    phone: `1390${String(i).padStart(7, '0')}`,
    sessionId: i % 10 === 9 ? null : `s${i % 3}`,
    vacancyId: `v${i % 7}` as ApplicationRecord['vacancyId'],
    targetGroup: groups[i % groups.length]!,
    source: i % 4 === 0 ? 'replay' : 'live',
    status: statuses[i % statuses.length]!,
  });

describe('Redis store schema: a version key, and the tallies counted once from the applications stored', () => {
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

  test('data written before tallies is counted when two nodes open it at once: exact, once, the version recorded', async () => {
    const prefix = `m${crypto.randomUUID().slice(0, 8)}:`;
    const redis = raw();
    // More than two chunks of the migration's reads.
    const applications = Array.from({ length: 1_203 }, (_, i) => before(i));
    await applyBeforeTallies(redis, prefix, applications);
    // A run cut short before left a session's tallies half written: they are replaced, not added to.
    await redis.hset(`${prefix}counts:session:s1`, 'total:', '999', 'status:new', '5');
    expect(await redis.get(schemaVersionKey(prefix))).toBeNull();

    const [one, two] = [track(new RedisJobStore({ url, prefix })), track(new RedisJobStore({ url, prefix }))];
    const results = await Promise.all([one.opened(), two.opened()]);
    expect(results.map((r) => r.to)).toEqual([LATEST, LATEST]);
    expect(results.some((r) => r.from === 0)).toBe(true);
    expect(await redis.get(schemaVersionKey(prefix))).toBe(String(LATEST));
    expect(await redis.exists(`${prefix}schema:migrating`)).toBe(0);

    const counts = await one.applicationCounts(['s0', 's1', 's2']);
    for (const sessionId of ['s0', 's1', 's2']) {
      const own = applications.filter((a) => a.sessionId === sessionId);
      expect(counts.get(sessionId)?.total).toBe(own.length);
      expect(figures(counts.get(sessionId))).toEqual(figures(countApplications(own)));
    }
    // From here on the scripts keep them, whichever node writes.
    await two.apply(applicationRecord({ sessionId: 's0' }));
    expect((await one.applicationCounts(['s0'])).get('s0')?.total).toBe(applications.filter((a) => a.sessionId === 's0').length + 1);
    // Opened again: nothing to do.
    expect(await track(new RedisJobStore({ url, prefix })).opened()).toEqual({ from: LATEST, to: LATEST });
  });

  test('question documents (schema version 1) are moved into the question structures once when two nodes open them at once, votes counted from their voters', async () => {
    const prefix = `m${crypto.randomUUID().slice(0, 8)}:`;
    const redis = raw();
    await putQuestionDocuments(redis, prefix, questionDocuments());
    // One document that is not JSON: left where it was rather than failing the upgrade.
    await redis.set(`${prefix}doc:question:broken`, '{not json');
    await redis.zadd(`${prefix}docs:question`, 99, 'broken');
    expect(await redis.get(schemaVersionKey(prefix))).toBe('1');

    const [one, two] = [track(new RedisJobStore({ url, prefix })), track(new RedisJobStore({ url, prefix }))];
    const results = await Promise.all([one.opened(), two.opened()]);
    expect(results.map((r) => r.to)).toEqual([LATEST, LATEST]);
    expect(results.some((r) => r.from === 1)).toBe(true);
    expect(await redis.get(schemaVersionKey(prefix))).toBe(String(LATEST));
    await expectMovedQuestions(two);
    // The documents (carried under the hash tag by version 2) and their indexes are gone, but for the unreadable one.
    const { tag } = jobKeys(prefix);
    expect(await redis.keys(`${prefix}doc:*`)).toEqual([]);
    expect((await redis.keys(`${tag}doc:question:*`)).sort()).toEqual([`${tag}doc:question:broken`]);
    expect(await redis.zrange(`${tag}docs:question`, 0, -1)).toEqual(['broken']);
    expect(await redis.keys(`${tag}docs:question:idx:*`)).toEqual([]);
    // Opened again: nothing to do, and the votes stay as counted.
    const again = track(new RedisJobStore({ url, prefix }));
    expect(await again.opened()).toEqual({ from: LATEST, to: LATEST });
    expect((await again.getQuestion('q1'))?.votes).toBe(3);
  });

  test('version-5 data (tallies without follow-up) gets status by group and by vacancy counted once by version 6; other fields of the hash untouched', async () => {
    const prefix = `m${crypto.randomUUID().slice(0, 8)}:`;
    const redis = raw();
    const applications = Array.from({ length: 1_103 }, (_, i) => before(i));
    const first = track(new RedisJobStore({ url, prefix }));
    await first.opened();
    for (let i = 0; i < applications.length; i += 100) await Promise.all(applications.slice(i, i + 100).map((a) => first.apply(a)));
    await first.countVisit('s0', 'sms');
    // As version 5 left it: the hashes without follow-up fields, the version 5.
    const k = jobKeys(prefix);
    for (const sessionId of ['s0', 's1', 's2']) {
      const fields = (await redis.hkeys(k.counts(sessionId))).filter((f) => f.startsWith('groupStatus:') || f.startsWith('vacancyStatus:'));
      expect(fields.length).toBeGreaterThan(0);
      await redis.hdel(k.counts(sessionId), ...fields);
    }
    // A run cut short before left one follow-up field half counted: it is set, not added to.
    await redis.hset(k.counts('s1'), 'groupStatus:new:graduate', '999');
    await redis.set(schemaVersionKey(prefix), '5');

    const [one, two] = [track(new RedisJobStore({ url, prefix })), track(new RedisJobStore({ url, prefix }))];
    const results = await Promise.all([one.opened(), two.opened()]);
    expect(results.map((r) => r.to)).toEqual([LATEST, LATEST]);
    expect(results.some((r) => r.from === 5)).toBe(true);
    const counts = await one.applicationCounts(['s0', 's1', 's2']);
    for (const sessionId of ['s0', 's1', 's2']) {
      const own = applications.filter((a) => a.sessionId === sessionId);
      const stated = figures(counts.get(sessionId));
      expect(stated.byGroupAndStatus.reduce((n, c) => n + c.count, 0)).toBe(own.length);
      expect({ ...stated, byChannel: [] }).toEqual({ ...figures(countApplications(own)), byChannel: [] });
    }
    // The visit the hash held before is still there.
    expect(counts.get('s0')?.visits.get('sms')).toBe(1);
  });

  test('data from a newer release is refused in one line naming both versions, and nothing is written', async () => {
    const prefix = `m${crypto.randomUUID().slice(0, 8)}:`;
    const redis = raw();
    await applyBeforeTallies(redis, prefix, [before(0)]);
    await redis.set(schemaVersionKey(prefix), String(LATEST + 1));
    const store = track(new RedisJobStore({ url, prefix }));
    const refused = await store.opened().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RedisSchemaTooNewError);
    expect(refused).toBeInstanceOf(StartupError);
    const message = (refused as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(`schema version ${LATEST + 1}`);
    expect(message).toContain(`(${LATEST})`);
    await expect(store.apply(applicationRecord({ sessionId: 's0' }))).rejects.toBeInstanceOf(RedisSchemaTooNewError);
    expect(await redis.keys(`${prefix}counts:*`)).toEqual([]);
    expect(await redis.zcard(`${prefix}apps:all`)).toBe(1);
    expect(await redis.get(schemaVersionKey(prefix))).toBe(String(LATEST + 1));
  });

  test('a tally field or count that is not one the store writes is a typed corrupt error naming the session', async () => {
    const prefix = `m${crypto.randomUUID().slice(0, 8)}:`;
    const redis = raw();
    const store = track(new RedisJobStore({ url, prefix }));
    await store.apply(applicationRecord({ sessionId: 'fine' }));
    for (const [session, field, value] of [['bad-status', 'status:lost', '1'], ['bad-field', 'nocolon', '1'], ['bad-count', 'total:', 'many']] as const) {
      await redis.hset(jobKeys(prefix).counts(session), field, value);
      const refused = await store.applicationCounts([session]).catch((error: unknown) => error);
      expect(refused).toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE', reason: 'corrupt' });
      expect((refused as Error).message).toContain(`session ${session}`);
    }
    expect((await store.applicationCounts(['fine'])).get('fine')?.total).toBe(1);
  });

  test('a question hash of the wrong shape or count is a typed corrupt error naming the question; other questions still read', async () => {
    const prefix = `m${crypto.randomUUID().slice(0, 8)}:`;
    const redis = raw();
    const store = track(new RedisJobStore({ url, prefix }));
    const good = { id: 'good', sessionId: 's1', vacancyId: null, text: '几点上班？', askedBy: 'a', askedAt: '2026-03-01T08:00:00.000Z', votes: 0, answer: null };
    await store.putQuestion(good);
    await redis.hset(`${jobKeys(prefix).tag}question:bad-body`, 'body', '{not json', 'askedBy', 'a', 'votes', '0', 'answered', '0');
    await redis.hset(`${jobKeys(prefix).tag}question:bad-count`, 'body', JSON.stringify({ ...good, id: 'bad-count', votes: undefined }), 'askedBy', 'a', 'votes', 'many', 'answered', '0');
    for (const id of ['bad-body', 'bad-count']) {
      await expect(store.getQuestion(id)).rejects.toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE', reason: 'corrupt', message: expect.stringContaining(`question ${id}`) as string });
    }
    expect(await store.getQuestion('good')).toEqual(good);
    expect(await store.questionsOf({ sessionId: 's1' }, 'open', 10)).toEqual([good]);
  });

  test('a version key that is not a number is a typed corrupt error, not a crash', async () => {
    const prefix = `m${crypto.randomUUID().slice(0, 8)}:`;
    await raw().set(schemaVersionKey(prefix), 'two');
    const store = track(new RedisJobStore({ url, prefix }));
    await expect(store.opened()).rejects.toMatchObject({ code: 'UNAVAILABLE', reason: 'corrupt' });
    await expect(store.applicationCounts(['s0'])).rejects.toMatchObject({ code: 'UNAVAILABLE', reason: 'corrupt' });
  });
});
