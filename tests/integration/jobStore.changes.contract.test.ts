import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, inject, test } from 'vitest';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { moveApplication, type ApplicationRecord } from '../../server/src/domain/applications';
import type { JobStore } from '../../server/src/store/jobStore';
import { jobKeys } from '../../server/src/store/redisKeys';
import { REDIS_MIGRATIONS, schemaVersionKey } from '../../server/src/store/redisMigrations';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { MIGRATIONS } from '../../server/src/store/sqliteMigrations';
import { storeFile } from '../../server/src/store/sqliteSchema';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';
import { applicationRecord } from '../harness/records';
import { startClusterModeRedis } from '../harness/redisClusterMode';
import { storeImplementations } from '../harness/storeImplementations';

const clusterMode = await startClusterModeRedis();
afterAll(() => clusterMode.stop());
const implementations = storeImplementations({ redisUrl: inject('redisUrl'), clusterUrl: clusterMode.url });

let phones = 0;
const of = (employerId: string): ApplicationRecord =>
  applicationRecord({ phone: `1370000${String((phones += 1)).padStart(4, '0')}`, employerId: employerId as ApplicationRecord['employerId'], vacancyId: `v-${employerId}` as ApplicationRecord['vacancyId'] });
const contacted = (a: ApplicationRecord) => moveApplication(a, { status: 'contacted', by: 'employer:rep', note: '', at: new Date().toISOString() });

/** e1's two applications among many of e2's, then e1's first moved: the log the tests read. */
async function busyLog(store: JobStore): Promise<{ start: string; first: ApplicationRecord; second: ApplicationRecord }> {
  const { position: start } = await store.applicationChanges(undefined, 1);
  const first = (await store.apply(of('e1'))).application;
  for (let i = 0; i < 5; i += 1) await store.apply(of('e2'));
  const second = (await store.apply(of('e1'))).application;
  for (let i = 0; i < 5; i += 1) await store.apply(of('e2'));
  await store.updateApplication(first.id, contacted);
  for (let i = 0; i < 3; i += 1) await store.apply(of('e2'));
  return { start, first, second };
}

describe.each(implementations)("job store contract, an employer's change feed: $name", ({ open }) => {
  const opened: Array<{ store: JobStore; cleanup: () => void }> = [];
  afterEach(async () => {
    for (const { store, cleanup } of opened.splice(0)) {
      await store.close();
      cleanup();
    }
  });

  test("an employer's changes are its own alone, each once in the order of its latest change, paged by its own count", async () => {
    const handle = open();
    opened.push(handle);
    const { store, reopen } = handle;
    const { start, first, second } = await busyLog(store);

    const own = await store.applicationChanges(start, 10, { employerId: 'e1' });
    expect(own).toMatchObject({ ids: [second.id, first.id], more: false });
    expect(await store.applicationChanges(own.position, 10, { employerId: 'e1' })).toEqual({ ids: [], position: own.position, more: false });

    // Two at a time: its own two changes fill the page (more: true), the third is on the next.
    const two = await store.applicationChanges(start, 2, { employerId: 'e1' });
    expect(two).toMatchObject({ ids: [first.id, second.id], more: true });
    const rest = await store.applicationChanges(two.position, 2, { employerId: 'e1' });
    expect(rest).toMatchObject({ ids: [first.id], more: false, position: own.position });

    // The whole log still has every application, e2's 13 too.
    expect((await store.applicationChanges(start, 100)).ids).toHaveLength(15);
    const again = reopen();
    opened.push({ store: again, cleanup: () => undefined });
    expect((await again.applicationChanges(start, 10, { employerId: 'e1' })).ids).toEqual([second.id, first.id]);
  });

  test("an employer's position now is its own log's: the others' changes do not move it, its own do, and nothing of its own after it is missed", async () => {
    const handle = open();
    opened.push(handle);
    const { store } = handle;
    await busyLog(store);
    const now = (await store.applicationChanges(undefined, 1, { employerId: 'e1' })).position;
    for (let i = 0; i < 3; i += 1) await store.apply(of('e2'));
    // The whole log's position moved; e1's did not (it would tell e1 how busy the others are).
    expect(await store.applicationChanges(undefined, 1, { employerId: 'e1' })).toEqual({ ids: [], position: now, more: false });
    expect((await store.applicationChanges(undefined, 1)).position).not.toBe(now);
    // An employer with no change at all has a position too, and its first change comes from it.
    const empty = (await store.applicationChanges(undefined, 1, { employerId: 'e3' })).position;
    expect(await store.applicationChanges(undefined, 1, { employerId: 'e3' })).toEqual({ ids: [], position: empty, more: false });
    const third = (await store.apply(of('e3'))).application;
    expect((await store.applicationChanges(empty, 10, { employerId: 'e3' })).ids).toEqual([third.id]);
    const own = (await store.apply(of('e1'))).application;
    expect((await store.applicationChanges(now, 10, { employerId: 'e1' })).ids).toEqual([own.id]);
    expect((await store.applicationChanges(undefined, 1, { employerId: 'e1' })).position).not.toBe(now);
  });

  test('an employer with no changes learns nothing of the others\': its position stays where it asked from and `more` is false, however busy the log', async () => {
    const handle = open();
    opened.push(handle);
    const { store } = handle;
    const { start } = await busyLog(store);
    // The bureau, reading the whole log one change at a time, is told more follow.
    expect((await store.applicationChanges(start, 1)).more).toBe(true);
    for (const limit of [1, 5, 500]) {
      expect(await store.applicationChanges(start, limit, { employerId: 'e3' })).toEqual({ ids: [], position: start, more: false });
    }
  });
});

describe("each employer's change feed is built from the events stored before it", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test('embedded: a version-5 file (events without their employer) gets each event\'s employer copied from its application by migration 6', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-changes-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const writer = new SqliteJobStore({ dataDir });
    const { start, first, second } = await busyLog(writer);
    await writer.close();
    // As version 5 left the file: no employer column, no index (and nothing of the versions after 6).
    const db = new Database(storeFile(dataDir));
    db.exec('DROP INDEX application_events_by_employer; ALTER TABLE application_events DROP COLUMN employer_id');
    db.exec("DROP TABLE session_viewers; DELETE FROM application_counts WHERE dimension IN ('groupStatus', 'vacancyStatus')");
    db.pragma('user_version = 5');
    db.close();

    const store = new SqliteJobStore({ dataDir });
    cleanups.push(() => store.close());
    expect(store.migration).toEqual({ from: 5, to: MIGRATIONS.at(-1)!.version });
    expect((await store.applicationChanges(start, 10, { employerId: 'e1' })).ids).toEqual([second.id, first.id]);
    expect((await store.applicationChanges(start, 100, { employerId: 'e2' })).ids).toHaveLength(13);
  });

  test('Redis: data at schema version 4 gets each employer\'s stream copied from the event stream by migration 5, once, when two nodes open it at once', async () => {
    const url = inject('redisUrl');
    const prefix = `m${crypto.randomUUID().slice(0, 8)}:`;
    const writer = new RedisJobStore({ url, prefix });
    const { start, first, second } = await busyLog(writer);
    await writer.close();
    // As version 4 left the data: no employer streams.
    const redis = new Redis(url);
    cleanups.push(async () => void (await redis.quit()));
    const k = jobKeys(prefix);
    await redis.del(k.employerEvents('e1'), k.employerEvents('e2'));
    await redis.set(schemaVersionKey(prefix), '4');

    const [one, two] = [new RedisJobStore({ url, prefix }), new RedisJobStore({ url, prefix })];
    cleanups.push(() => one.close(), () => two.close());
    const results = await Promise.all([one.opened(), two.opened()]);
    expect(results.map((r) => r.to)).toEqual([REDIS_MIGRATIONS.at(-1)!.version, REDIS_MIGRATIONS.at(-1)!.version]);
    expect(results.some((r) => r.from === 4)).toBe(true);
    // Each entry once, under the id it has in the store's stream.
    expect(await redis.xlen(k.employerEvents('e1'))).toBe(3);
    expect(await redis.xlen(k.employerEvents('e2'))).toBe(13);
    const all = (await redis.xrange(k.events, '-', '+')).map(([id]) => id);
    for (const [id] of await redis.xrange(k.employerEvents('e1'), '-', '+')) expect(all).toContain(id);
    expect((await one.applicationChanges(start, 10, { employerId: 'e1' })).ids).toEqual([second.id, first.id]);
    // Written on from here by the scripts, after the copied entries.
    const third = (await two.apply(of('e1'))).application;
    expect((await one.applicationChanges(start, 10, { employerId: 'e1' })).ids).toEqual([second.id, first.id, third.id]);
  });
});
