import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import type { Employer, Vacancy } from '@chunfeng/shared/recruitment';
import { hashKey, moveApplication, type ApplicationRecord as Application } from '../../server/src/domain/applications';
import { applicationRecord } from '../harness/records';
import { startClusterModeRedis } from '../harness/redisClusterMode';
import { breakdownOf, countApplications, type ApplicationCounts } from '../../server/src/domain/statistics';
import type { JobStore } from '../../server/src/store/jobStore';
import type { StoredQuestion } from '../../server/src/domain/questions';
import { PAGE_SCAN } from '../../server/src/store/applicationPages';
import { CATALOG_SCAN } from '../../server/src/store/catalogPages';
import { jobKeys } from '../../server/src/store/redisKeys';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';

const clusterMode = await startClusterModeRedis();
afterAll(() => clusterMode.stop());

/** Each implementation, and how to open a second handle on the same data (a restart). */
const implementations: Array<{ name: string; open: () => { store: JobStore; reopen: () => JobStore; cleanup: () => void } }> = [
  {
    name: 'embedded (SQLite)',
    open: () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-store-'));
      return {
        store: new SqliteJobStore({ dataDir }),
        reopen: () => new SqliteJobStore({ dataDir }),
        cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'Redis',
    open: () => {
      const prefix = `t${crypto.randomUUID().slice(0, 8)}:`;
      const url = inject('redisUrl');
      return { store: new RedisJobStore({ url, prefix }), reopen: () => new RedisJobStore({ url, prefix }), cleanup: () => undefined };
    },
  },
  {
    // Every slot on one node: a script, transaction or command whose keys span two slots is refused.
    name: 'Redis in cluster mode',
    open: () => {
      const prefix = `c${crypto.randomUUID().slice(0, 8)}:`;
      const { url } = clusterMode;
      return { store: new RedisJobStore({ url, prefix }), reopen: () => new RedisJobStore({ url, prefix }), cleanup: () => undefined };
    },
  },
];

const now = () => new Date().toISOString();
const employer = (id: string): Employer => ({ id: id as Employer['id'], name: `企业${id}`, industry: '制造业', district: '城关区', verified: true, createdAt: now() });
const vacancy = (id: string, employerId: string): Vacancy => ({
  id: id as Vacancy['id'],
  employerId: employerId as Vacancy['employerId'],
  title: '普工',
  headcount: 10,
  pay: { min: 4000, max: 6000, unit: 'month' },
  hours: '8:00-17:00',
  location: '工业园区',
  insurance: ['五险'],
  benefits: ['包住'],
  requirements: '',
  badges: [],
  targetGroups: [],
  accessibility: [],
  createdAt: now(),
});
const application = (over: Partial<Application> = {}): Application => applicationRecord({ phone: '13800138000', ...over });

/** Counts as the statistics page shows them (tallies that fell to zero are not listed). */
const figures = (counts: ApplicationCounts | undefined) => (counts ? breakdownOf(counts, (id) => ({ title: id, employer: '' })) : undefined);
const withdraw = (cur: Application) => moveApplication(cur, { status: 'withdrawn', by: 'applicant', note: '', at: now() });

const moderation = (sessionId: string, over: Partial<ModerationEntry> = {}): ModerationEntry => ({
  id: crypto.randomUUID(),
  sessionId,
  at: now(),
  action: 'ban',
  by: { role: 'staff', name: '李敏' },
  target: 'author-1',
  messageId: null,
  seconds: null,
  ...over,
});

describe.each(implementations)('job store contract: $name', ({ open }) => {
  const { store, reopen, cleanup } = open();
  afterAll(async () => {
    await store.close();
    cleanup();
  });

  test('catalog documents round-trip, list in creation order, and by their index', async () => {
    await store.put('employer', employer('e1'));
    await store.put('employer', employer('e2'));
    await store.put('vacancy', vacancy('v1', 'e1'));
    await store.put('vacancy', vacancy('v2', 'e2'));
    await store.put('vacancy', vacancy('v3', 'e1'));
    expect((await store.get('employer', 'e1'))?.name).toBe('企业e1');
    expect(await store.get('employer', 'nope')).toBeUndefined();
    expect((await store.list('employer')).map((e) => e.id)).toEqual(['e1', 'e2']);
    expect((await store.list('vacancy', { value: 'e1' })).map((v) => v.id)).toEqual(['v1', 'v3']);
  });

  test('an update keeps the order and moves the document between index values', async () => {
    await store.put('vacancy', { ...vacancy('v1', 'e2'), title: '焊工' });
    expect((await store.list('vacancy')).map((v) => v.id)).toEqual(['v1', 'v2', 'v3']);
    expect((await store.list('vacancy', { value: 'e1' })).map((v) => v.id)).toEqual(['v3']);
    expect((await store.list('vacancy', { value: 'e2' })).map((v) => v.id).sort()).toEqual(['v1', 'v2']);
    await store.put('vacancy', vacancy('v1', 'e1'));
  });

  test('pageCatalog() pages a kind oldest first to its end; documents created between pages come at the end, an update moves nothing', async () => {
    const fresh = open();
    try {
      const ids = (page: { docs: Employer[] }) => page.docs.map((e) => e.id);
      expect(await fresh.store.pageCatalog('employer', { limit: 3 })).toEqual({ docs: [], next: undefined });
      for (let i = 0; i < 7; i += 1) await fresh.store.put('employer', employer(`p${i}`));
      const first = await fresh.store.pageCatalog('employer', { limit: 3 });
      expect(ids(first)).toEqual(['p0', 'p1', 'p2']);
      await fresh.store.put('employer', employer('p7'));
      await fresh.store.put('employer', { ...employer('p1'), name: '改名' });
      const second = await fresh.store.pageCatalog('employer', { limit: 3, after: first.next });
      expect(ids(second)).toEqual(['p3', 'p4', 'p5']);
      const third = await fresh.store.pageCatalog('employer', { limit: 3, after: second.next });
      expect(ids(third)).toEqual(['p6', 'p7']);
      expect(third.next).toBeUndefined();
      // A page that ends exactly at the last document says there is no next one.
      const exact = await fresh.store.pageCatalog('employer', { limit: 8 });
      expect(exact.docs).toHaveLength(8);
      expect(exact.next).toBeUndefined();
    } finally {
      await fresh.store.close();
      fresh.cleanup();
    }
  });

  test('pageCatalog() newest first: a document created between pages is not in the later ones, and each is listed once', async () => {
    const fresh = open();
    try {
      const ids = (page: { docs: Employer[] }) => page.docs.map((e) => e.id);
      for (let i = 0; i < 5; i += 1) await fresh.store.put('employer', employer(`n${i}`));
      const first = await fresh.store.pageCatalog('employer', { limit: 2, order: 'newest' });
      expect(ids(first)).toEqual(['n4', 'n3']);
      await fresh.store.put('employer', employer('n5'));
      const second = await fresh.store.pageCatalog('employer', { limit: 2, order: 'newest', after: first.next });
      expect(ids(second)).toEqual(['n2', 'n1']);
      const third = await fresh.store.pageCatalog('employer', { limit: 2, order: 'newest', after: second.next });
      expect(ids(third)).toEqual(['n0']);
      expect(third.next).toBeUndefined();
      expect(ids(await fresh.store.pageCatalog('employer', { limit: 2, order: 'newest' }))).toEqual(['n5', 'n4']);
    } finally {
      await fresh.store.close();
      fresh.cleanup();
    }
  });

  test('pageCatalog() by an index value pages only that value, and follows a document moved to another value', async () => {
    for (let i = 0; i < 5; i += 1) await store.put('vacancy', vacancy(`pv${i}`, i % 2 === 0 ? 'pe-a' : 'pe-b'));
    const first = await store.pageCatalog('vacancy', { where: { value: 'pe-a' }, limit: 2 });
    expect(first.docs.map((v) => v.id)).toEqual(['pv0', 'pv2']);
    await store.put('vacancy', vacancy('pv1', 'pe-a'));
    const second = await store.pageCatalog('vacancy', { where: { value: 'pe-a' }, limit: 2, after: first.next });
    // pv1 keeps its creation place, before the cursor: the moved document is not read twice or out of order.
    expect(second.docs.map((v) => v.id)).toEqual(['pv4']);
    expect(second.next).toBeUndefined();
    expect((await store.pageCatalog('vacancy', { where: { value: 'pe-b' }, limit: 10 })).docs.map((v) => v.id)).toEqual(['pv3']);
    expect((await store.pageCatalog('vacancy', { where: { value: 'pe-a' }, limit: 10 })).docs.map((v) => v.id)).toEqual(['pv0', 'pv1', 'pv2', 'pv4']);
  });

  test(`pageCatalog() matching on the document reads at most ${CATALOG_SCAN} a page and goes on from where it stopped`, async () => {
    const fresh = open();
    try {
      const count = CATALOG_SCAN + 60;
      const all = Array.from({ length: count }, (_, i) => employer(`m${String(i).padStart(5, '0')}`));
      for (let i = 0; i < all.length; i += 200) await Promise.all(all.slice(i, i + 200).map((e) => fresh.store.put('employer', e)));
      const wanted = new Set(['m00003', `m${String(count - 5).padStart(5, '0')}`]);
      const match = (e: Employer) => wanted.has(e.id);
      const first = await fresh.store.pageCatalog('employer', { limit: 50, match });
      // Only one of the two is within the first scan: the page is short, and says where to go on.
      expect(first.docs.map((e) => e.id)).toEqual(['m00003']);
      expect(first.next).toBeDefined();
      const second = await fresh.store.pageCatalog('employer', { limit: 50, match, after: first.next });
      expect(second.docs.map((e) => e.id)).toEqual([`m${String(count - 5).padStart(5, '0')}`]);
      expect(second.next).toBeUndefined();
      const nothing = await fresh.store.pageCatalog('employer', { limit: 50, match: () => false, order: 'newest' });
      expect(nothing.docs).toEqual([]);
      expect(nothing.next).toBeDefined();
      expect(await fresh.store.pageCatalog('employer', { limit: 50, match: () => false, order: 'newest', after: nothing.next })).toEqual({ docs: [], next: undefined });
    } finally {
      await fresh.store.close();
      fresh.cleanup();
    }
  });

  test('apply() stores once per idempotency key and once per vacancy and phone', async () => {
    const first = application({ phone: '13900000001' });
    expect(await store.apply(first)).toEqual({ application: first, created: true });
    const sameKey = await store.apply({ ...first, id: crypto.randomUUID() as Application['id'] });
    expect(sameKey).toMatchObject({ created: false, application: { id: first.id } });
    const samePhone = await store.apply(application({ phone: '13900000001' }));
    expect(samePhone).toMatchObject({ created: false, application: { id: first.id } });
    const otherVacancy = await store.apply(application({ phone: '13900000001', vacancyId: 'v2' as Application['vacancyId'] }));
    expect(otherVacancy.created).toBe(true);
  });

  test('ten concurrent applies with one key store exactly one application', async () => {
    const keyHash = hashKey(crypto.randomUUID());
    const results = await Promise.all(
      Array.from({ length: 10 }, () => store.apply(application({ keyHash, phone: '13700000000', vacancyId: 'v3' as Application['vacancyId'] }))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.application.id)).size).toBe(1);
    expect(await store.listApplications({ vacancyId: 'v3' })).toHaveLength(1);
  });

  test('a withdrawn application does not block a new one for the same vacancy and phone', async () => {
    const first = application({ phone: '13900000077', vacancyId: 'v7' as Application['vacancyId'] });
    await store.apply(first);
    await store.updateApplication(first.id, (cur) => moveApplication(cur, { status: 'withdrawn', by: 'applicant', note: '', at: now() }));
    const again = application({ phone: '13900000077', vacancyId: 'v7' as Application['vacancyId'] });
    expect(await store.apply(again)).toEqual({ application: again, created: true });
    // The new one holds the pair now: a third is the repeat of the second, not of the withdrawn first.
    expect(await store.apply(application({ phone: '13900000077', vacancyId: 'v7' as Application['vacancyId'] }))).toMatchObject({ created: false, application: { id: again.id } });
    expect((await store.listApplications({ vacancyId: 'v7' })).map((a) => a.status)).toEqual(['withdrawn', 'new']);
  });

  test('an application is found by its key hash, and the raw key is stored nowhere', async () => {
    const key = `raw-key-${crypto.randomUUID()}`;
    const a = application({ phone: '13900000088', keyHash: hashKey(key) });
    await store.apply(a);
    expect((await store.applicationByKey(hashKey(key)))?.id).toBe(a.id);
    expect(await store.applicationByKey(hashKey('another-key'))).toBeUndefined();
    expect(JSON.stringify(await store.getApplication(a.id))).not.toContain(key);
  });

  test('a key hash is answered once an application or a repeat receipt holds it, and not before', async () => {
    const key = `answered-${crypto.randomUUID()}`;
    expect(await store.keyAnswered(hashKey(key))).toBe(false);
    await store.apply(application({ phone: '13900000089', keyHash: hashKey(key) }));
    expect(await store.keyAnswered(hashKey(key))).toBe(true);
    const repeat = hashKey(`repeat-${crypto.randomUUID()}`);
    expect(await store.keyAnswered(repeat)).toBe(false);
    await store.put('receipt', { id: repeat, receiptId: crypto.randomUUID(), vacancyId: 'v1', status: 'new', createdAt: now() });
    expect(await store.keyAnswered(repeat)).toBe(true);
  });

  test('applications list by vacancy, employer and session', async () => {
    await store.apply(application({ phone: '13600000001', employerId: 'e9' as Application['employerId'], vacancyId: 'v9' as Application['vacancyId'], sessionId: 's9' }));
    await store.apply(application({ phone: '13600000002', employerId: 'e9' as Application['employerId'], vacancyId: 'v9' as Application['vacancyId'], sessionId: null }));
    expect(await store.listApplications({ employerId: 'e9' })).toHaveLength(2);
    expect(await store.listApplications({ sessionId: 's9' })).toHaveLength(1);
    expect(await store.listApplications({ employerId: 'e9', sessionId: 's9' })).toHaveLength(1);
    expect(await store.listApplications({ employerId: 'nobody' })).toEqual([]);
  });

  test('pages of applications: newest first, a stable keyset while new ones arrive, narrowed by status, dates and name or phone', async () => {
    const employerId = 'ep' as Application['employerId'];
    const at = (i: number) => new Date(Date.UTC(2026, 2, 1, 8, 0, i)).toISOString();
    const stored: Application[] = [];
    for (let i = 0; i < 23; i += 1) {
      const { application: a } = await store.apply(
        application({
          phone: `1370000${String(i).padStart(4, '0')}`,
          name: i === 7 ? '王_%小明' : `申请人${i}`,
          employerId,
          vacancyId: (i % 2 ? 'vp1' : 'vp2') as Application['vacancyId'],
          createdAt: at(i),
          status: i % 5 === 0 ? 'hired' : 'new',
        }),
      );
      stored.push(a);
    }
    const newestFirst = [...stored].reverse().map((a) => a.id);
    // Pages of 10 walk the whole set once, in order.
    const first = await store.pageApplications({ employerId, limit: 10 });
    expect(first.applications.map((a) => a.id)).toEqual(newestFirst.slice(0, 10));
    expect(first.next).toBeDefined();
    // One arriving between pages does not shift the next page.
    await store.apply(application({ phone: '13799999999', employerId, vacancyId: 'vp1' as Application['vacancyId'], createdAt: at(59) }));
    const second = await store.pageApplications({ employerId, limit: 10, before: first.next });
    expect(second.applications.map((a) => a.id)).toEqual(newestFirst.slice(10, 20));
    const third = await store.pageApplications({ employerId, limit: 10, before: second.next });
    expect(third.applications.map((a) => a.id)).toEqual(newestFirst.slice(20));
    expect(third.next).toBeUndefined();
    // Narrowed: by vacancy (an index), status, dates (from inclusive, to exclusive), a fragment of the phone or name.
    expect((await store.pageApplications({ vacancyId: 'vp2', limit: 100 })).applications.map((a) => a.id)).toEqual(newestFirst.filter((_, i) => (22 - i) % 2 === 0));
    const hired = await store.pageApplications({ employerId, status: 'hired', limit: 100 });
    expect(hired.applications.map((a) => a.phone)).toEqual(['13700000020', '13700000015', '13700000010', '13700000005', '13700000000']);
    const between = await store.pageApplications({ employerId, from: at(3), to: at(6), limit: 100 });
    expect(between.applications.map((a) => a.createdAt)).toEqual([at(5), at(4), at(3)]);
    expect((await store.pageApplications({ employerId, search: '00012', limit: 100 })).applications.map((a) => a.phone)).toEqual(['13700000012']);
    // LIKE's wildcards in a search are taken as written.
    expect((await store.pageApplications({ employerId, search: '_%', limit: 100 })).applications.map((a) => a.name)).toEqual(['王_%小明']);
    expect((await store.pageApplications({ employerId, search: '%', limit: 100 })).applications.map((a) => a.name)).toEqual(['王_%小明']);
    // A narrowed page keeps its order and pages too.
    const hiredFirst = await store.pageApplications({ employerId, status: 'hired', limit: 2 });
    const hiredNext = await store.pageApplications({ employerId, status: 'hired', limit: 2, before: hiredFirst.next });
    expect([...hiredFirst.applications, ...hiredNext.applications].map((a) => a.phone)).toEqual(['13700000020', '13700000015', '13700000010', '13700000005']);
    expect(await store.pageApplications({ employerId: 'nobody', limit: 10 })).toEqual({ applications: [], next: undefined });
  });

  test('a page narrowed by search reads a bounded number of applications: past them it ends early with where to go on; by status, exactly on the embedded store (an index)', async () => {
    const employerId = 'eb' as Application['employerId'];
    for (let i = 0; i < PAGE_SCAN + 5; i += 1) await store.apply(application({ phone: `1330${String(i).padStart(7, '0')}`, employerId, status: 'new' }));
    const none = await store.pageApplications({ employerId, search: '王', limit: 10 });
    expect(none.applications).toEqual([]);
    expect(none.next).toBeDefined();
    const rest = await store.pageApplications({ employerId, search: '王', limit: 10, before: none.next });
    expect(rest).toEqual({ applications: [], next: undefined });
    // Status: an index on the embedded store (read exactly, the one hired found past all the new
    // ones); within the bounded read on Redis.
    const { application: hired } = await store.apply(application({ phone: '13399999999', employerId, status: 'hired' }));
    for (let i = 0; i < PAGE_SCAN + 5; i += 1) await store.apply(application({ phone: `1331${String(i).padStart(7, '0')}`, employerId, status: 'new' }));
    const byStatus = await store.pageApplications({ employerId, status: 'hired', limit: 10 });
    if (store.kind === 'embedded') {
      expect(byStatus).toEqual({ applications: [hired], next: undefined });
    } else {
      expect(byStatus).toMatchObject({ applications: [] });
      const found: Application[] = [];
      for (let next = byStatus.next; next !== undefined; ) {
        const page = await store.pageApplications({ employerId, status: 'hired', limit: 10, before: next });
        found.push(...page.applications);
        next = page.next;
      }
      expect(found).toEqual([hired]);
    }
  }, 90_000);

  test('changes since a position: each changed application once, in the order of its latest change', async () => {
    const start = await store.applicationChanges(undefined, 10);
    expect(start).toMatchObject({ ids: [], more: false });
    const { application: a } = await store.apply(application({ phone: '13400000001' }));
    const { application: b } = await store.apply(application({ phone: '13400000002' }));
    await store.updateApplication(a.id, (cur) => moveApplication(cur, { status: 'contacted', by: 'bureau:李敏', note: '', at: now() }));
    const changes = await store.applicationChanges(start.position, 10);
    expect(changes).toMatchObject({ ids: [b.id, a.id], more: false });
    // Nothing since; and a small limit says there is more.
    expect(await store.applicationChanges(changes.position, 10)).toEqual({ ids: [], position: changes.position, more: false });
    const firstTwo = await store.applicationChanges(start.position, 2);
    expect(firstTwo).toMatchObject({ ids: [a.id, b.id], more: true });
    expect((await store.applicationChanges(firstTwo.position, 2)).ids).toEqual([a.id]);
    // A position that is not this store's shape is refused, typed.
    for (const bad of ['', 'x', '1-2-3', '-1', "1' OR 1=1"]) {
      if (bad === '' && store.kind === 'redis') continue;
      await expect(store.applicationChanges(bad === '' ? 'abc' : bad, 5)).rejects.toMatchObject({ code: 'VALIDATION' });
    }
  });

  test('concurrent updates of one application lose nothing, and every change is in the event log', async () => {
    const { application: a } = await store.apply(application({ phone: '13500000000' }));
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.updateApplication(a.id, (cur) => ({ ...cur, history: [...cur.history, { status: cur.status, at: now(), by: `u${i}`, note: `n${i}` }] })),
      ),
    );
    const stored = await store.getApplication(a.id);
    expect(stored?.history).toHaveLength(9);
    const events = await store.applicationEvents(a.id);
    expect(events.map((e) => e.type)).toEqual(['created', ...Array<string>(8).fill('status')]);
    await expect(store.updateApplication('missing', (c) => c)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('application tallies per session: counted once per stored application, by vacancy, group, source and current status', async () => {
    const vacancyId = (id: string) => id as Application['vacancyId'];
    const made = [
      application({ phone: '13200000001', sessionId: 'tally-1', vacancyId: vacancyId('tv1') }),
      application({ phone: '13200000002', sessionId: 'tally-1', vacancyId: vacancyId('tv1'), targetGroup: 'disabled', source: 'replay', channel: 'sms' }),
      application({ phone: '13200000003', sessionId: 'tally-1', vacancyId: vacancyId('tv2'), targetGroup: 'graduate', source: 'list' }),
      application({ phone: '13200000004', sessionId: 'tally-2', vacancyId: vacancyId('tv2'), targetGroup: 'graduate' }),
      // Outside any session: in no session's tallies.
      application({ phone: '13200000005', sessionId: null, vacancyId: vacancyId('tv1') }),
    ];
    for (const a of made) expect((await store.apply(a)).created).toBe(true);
    // Repeats (the same key, the same vacancy and phone) are answered with the stored one and not counted again.
    expect((await store.apply({ ...made[0]!, id: crypto.randomUUID() as Application['id'] })).created).toBe(false);
    expect((await store.apply(application({ phone: '13200000002', sessionId: 'tally-1', vacancyId: vacancyId('tv1') }))).created).toBe(false);
    let counts = await store.applicationCounts(['tally-1', 'tally-2', 'tally-none', 'tally-1']);
    expect([...counts.keys()]).toEqual(['tally-1', 'tally-2', 'tally-none']);
    expect(figures(counts.get('tally-1'))).toEqual({
      total: 3,
      byVacancy: [
        { vacancyId: 'tv1', title: 'tv1', employer: '', count: 2 },
        { vacancyId: 'tv2', title: 'tv2', employer: '', count: 1 },
      ],
      byTargetGroup: [
        { group: 'disabled', count: 1 },
        { group: 'graduate', count: 1 },
        { group: 'unspecified', count: 1 },
      ],
      bySource: [
        { source: 'list', count: 1 },
        { source: 'live', count: 1 },
        { source: 'replay', count: 1 },
      ],
      byStatus: [{ status: 'new', count: 3 }],
      // Every share channel is listed, counted or not; the one application that came by a link is under it.
      byChannel: [
        { channel: 'wechat', applications: 0, viewers: 0 },
        { channel: 'sms', applications: 1, viewers: 0 },
        { channel: 'poster', applications: 0, viewers: 0 },
        { channel: 'site', applications: 0, viewers: 0 },
      ],
      byGroupAndStatus: [
        { group: 'disabled', status: 'new', count: 1 },
        { group: 'graduate', status: 'new', count: 1 },
        { group: 'unspecified', status: 'new', count: 1 },
      ],
      byVacancyAndStatus: [
        { vacancyId: 'tv1', status: 'new', count: 2 },
        { vacancyId: 'tv2', status: 'new', count: 1 },
      ],
    });
    expect(figures(counts.get('tally-none'))).toEqual({
      total: 0,
      byVacancy: [],
      byTargetGroup: [],
      bySource: [],
      byStatus: [],
      byChannel: ['wechat', 'sms', 'poster', 'site'].map((channel) => ({ channel, applications: 0, viewers: 0 })),
      byGroupAndStatus: [],
      byVacancyAndStatus: [],
    });

    // A status move is the old status −1 and the new one +1; a withdrawn application still counts in the total.
    await store.updateApplication(made[0]!.id, (cur) => moveApplication(cur, { status: 'contacted', by: 'bureau:李敏', note: '', at: now() }));
    await store.updateApplication(made[0]!.id, (cur) => moveApplication(cur, { status: 'hired', by: 'bureau:李敏', note: '', at: now() }));
    await store.updateApplication(made[1]!.id, withdraw);
    // A change that leaves the status alone (a note in the history) moves no tally.
    await store.updateApplication(made[2]!.id, (cur) => ({ ...cur, history: [...cur.history, { status: cur.status, at: now(), by: 'bureau:李敏', note: '已联系' }] }));
    // After a withdrawal the same phone may apply again: a new application, counted.
    expect((await store.apply(application({ phone: '13200000002', sessionId: 'tally-1', vacancyId: vacancyId('tv1') }))).created).toBe(true);
    counts = await store.applicationCounts(['tally-1', 'tally-2']);
    expect(figures(counts.get('tally-1'))?.total).toBe(4);
    expect(figures(counts.get('tally-1'))?.byStatus).toEqual([
      { status: 'new', count: 2 },
      { status: 'hired', count: 1 },
      { status: 'withdrawn', count: 1 },
    ]);
    // Follow-up by group and by vacancy moved with each status: the hired one out of new, the withdrawn one too.
    expect(figures(counts.get('tally-1'))?.byGroupAndStatus).toEqual([
      { group: 'unspecified', status: 'hired', count: 1 },
      { group: 'graduate', status: 'new', count: 1 },
      { group: 'unspecified', status: 'new', count: 1 },
      { group: 'disabled', status: 'withdrawn', count: 1 },
    ]);
    expect(figures(counts.get('tally-1'))?.byVacancyAndStatus).toEqual([
      { vacancyId: 'tv1', status: 'hired', count: 1 },
      { vacancyId: 'tv1', status: 'new', count: 1 },
      { vacancyId: 'tv2', status: 'new', count: 1 },
      { vacancyId: 'tv1', status: 'withdrawn', count: 1 },
    ]);
    // Every figure equals a recount of the session's applications.
    for (const sessionId of ['tally-1', 'tally-2']) {
      expect(figures(counts.get(sessionId))).toEqual(figures(countApplications(await store.listApplications({ sessionId }))));
    }
    expect(await store.applicationCounts([])).toEqual(new Map());
  });

  test('unique viewers: each viewer once per session and once across sessions; exact on the embedded store, within the HyperLogLog\'s error on Redis', async () => {
    const viewer = (i: number) => crypto.createHash('sha256').update(`viewer ${i}`).digest('hex').slice(0, 32);
    // 1,500 viewers of one session, 1,000 of another, 500 of them watched both: 2,000 people.
    const first = Array.from({ length: 1_500 }, (_, i) => viewer(i));
    const second = Array.from({ length: 1_000 }, (_, i) => viewer(1_000 + i));
    for (let i = 0; i < first.length; i += 100) await Promise.all(first.slice(i, i + 100).map((v) => store.countViewer('uv-1', v)));
    for (let i = 0; i < second.length; i += 100) await Promise.all(second.slice(i, i + 100).map((v) => store.countViewer('uv-2', v)));
    // Coming back (a reload, a second tab, a reconnect) changes nothing.
    await Promise.all(first.slice(0, 50).map((v) => store.countViewer('uv-1', v)));
    const unique = await store.uniqueViewers(['uv-1', 'uv-2', 'uv-none', 'uv-1']);
    const near = (stated: number | undefined, exact: number) => {
      if (!unique.approximate) return expect(stated).toBe(exact);
      // Three standard errors of Redis's HyperLogLog (0.81%).
      expect(Math.abs(stated! - exact)).toBeLessThanOrEqual(Math.ceil(exact * 0.0243));
    };
    near(unique.perSession.get('uv-1'), 1_500);
    near(unique.perSession.get('uv-2'), 1_000);
    expect(unique.perSession.get('uv-none')).toBe(0);
    near(unique.together, 2_000);
    expect([...unique.perSession.keys()]).toEqual(['uv-1', 'uv-2', 'uv-none']);
    // A handful is counted exactly on both.
    for (const i of [1, 2, 3]) await store.countViewer('uv-small', viewer(i));
    await store.countViewer('uv-small', viewer(1));
    expect((await store.uniqueViewers(['uv-small'])).together).toBe(3);
    expect(await store.uniqueViewers([])).toEqual({ perSession: new Map(), together: 0, approximate: unique.approximate });
  });

  test('application tallies stay exact under concurrent applies and status changes', async () => {
    const sessionId = 'tally-race';
    const keyHash = hashKey(crypto.randomUUID());
    // Ten taps with one key, ten with one phone: two applications.
    await Promise.all([
      ...Array.from({ length: 10 }, () => store.apply(application({ keyHash, phone: '13100000001', sessionId }))),
      ...Array.from({ length: 10 }, () => store.apply(application({ phone: '13100000002', sessionId }))),
    ]);
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => store.apply(application({ phone: `1310000010${i}`, sessionId, source: i % 2 ? 'replay' : 'live' }))));
    // Each application moved by several at once: contacted, withdrawn and a note race; the moves that
    // are no longer allowed when they land are refused (CONFLICT) and count nothing.
    const moves = many.flatMap(({ application: a }) => [
      store.updateApplication(a.id, (cur) => moveApplication(cur, { status: 'contacted', by: 'bureau:李敏', note: '', at: now() })),
      store.updateApplication(a.id, withdraw),
      store.updateApplication(a.id, (cur) => moveApplication(cur, { status: 'interviewing', by: 'bureau:李敏', note: '', at: now() })),
      store.updateApplication(a.id, (cur) => ({ ...cur, history: [...cur.history, { status: cur.status, at: now(), by: 'bureau:李敏', note: '备注' }] })),
    ]);
    const settled = await Promise.allSettled(moves);
    for (const r of settled) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
    const counts = (await store.applicationCounts([sessionId])).get(sessionId);
    const stored = await store.listApplications({ sessionId });
    expect(stored).toHaveLength(10);
    expect(counts?.total).toBe(10);
    expect(figures(counts)).toEqual(figures(countApplications(stored)));
  });

  test('pins and their unpins are kept in order', async () => {
    const pinnedAt = '2026-01-01T10:00:00.000Z';
    await store.putPin({ sessionId: 'sp', kind: 'vacancy', itemId: 'v1', pinnedAt, unpinnedAt: null });
    await store.putPin({ sessionId: 'sp', kind: 'policy', itemId: 'p1', pinnedAt: '2026-01-01T10:01:00.000Z', unpinnedAt: null });
    await store.putPin({ sessionId: 'sp', kind: 'vacancy', itemId: 'v1', pinnedAt, unpinnedAt: '2026-01-01T10:05:00.000Z' });
    const pins = await store.listPins('sp');
    expect(pins.map((p) => [p.kind, p.itemId, p.unpinnedAt])).toEqual([
      ['vacancy', 'v1', '2026-01-01T10:05:00.000Z'],
      ['policy', 'p1', null],
    ]);
  });

  test('moving to the next pin writes the close of one and the open of the other together', async () => {
    const first = '2026-01-01T11:00:00.000Z';
    const next = '2026-01-01T11:02:00.000Z';
    await store.putPins([{ sessionId: 'sq', kind: 'vacancy', itemId: 'v1', pinnedAt: first, unpinnedAt: null }]);
    await store.putPins([
      { sessionId: 'sq', kind: 'vacancy', itemId: 'v1', pinnedAt: first, unpinnedAt: next },
      { sessionId: 'sq', kind: 'vacancy', itemId: 'v2', pinnedAt: next, unpinnedAt: null },
    ]);
    await store.putPins([]);
    expect((await store.listPins('sq')).map((p) => [p.itemId, p.unpinnedAt])).toEqual([
      ['v1', next],
      ['v2', null],
    ]);
  });

  test("moderation actions are kept per session, in the order they were taken", async () => {
    const ban = moderation('sm1');
    const mute = moderation('sm1', { action: 'mute', target: 'author-2', seconds: 300, by: { role: 'host', name: '' } });
    const elsewhere = moderation('sm2', { action: 'slow-mode', target: null, seconds: 30 });
    const deleted = moderation('sm1', { action: 'delete', messageId: 'm7' });
    for (const entry of [ban, mute, elsewhere, deleted]) await store.appendModeration(entry);
    expect(await store.listModeration('sm1')).toEqual([ban, mute, deleted]);
    expect(await store.listModeration('sm2')).toEqual([elsewhere]);
    expect(await store.listModeration('nothing')).toEqual([]);
  });

  test('captions are numbered per session in the order stored, 100 sent at once included, and read whole or as the last few', async () => {
    const first = await store.appendCaption('sc1', { text: '欢迎', at: now() });
    const other = await store.appendCaption('sc2', { text: '另一场', at: now() });
    expect([first.seq, other.seq]).toEqual([1, 1]);
    const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => store.appendCaption('sc1', { text: `第${i + 1}句`, at: now() })));
    expect(burst.map((c) => c.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
    const all = await store.listCaptions('sc1');
    expect(all.map((c) => c.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    expect(all[0]).toEqual(first);
    for (const c of burst) expect(all[c.seq - 1]).toEqual(c);
    expect((await store.listCaptions('sc1', 3)).map((c) => c.seq)).toEqual([99, 100, 101]);
    expect(await store.listCaptions('sc1', 3)).toEqual(all.slice(-3));
    expect(await store.listCaptions('sc2', 50)).toEqual([other]);
    expect(await store.listCaptions('nothing')).toEqual([]);
  });

  const question = (id: string, over: Partial<StoredQuestion> = {}): StoredQuestion => ({
    id,
    sessionId: 'sq1',
    vacancyId: 'vq1',
    text: `问题${id}`,
    askedBy: `asker-${id}`,
    askedAt: '2026-03-01T08:00:00.000Z',
    votes: 0,
    answer: null,
    ...over,
  });
  const ids = (qs: StoredQuestion[]) => qs.map((q) => q.id);

  test('a question round-trips, a second put of its id changes nothing, and an unknown one is absent', async () => {
    const q = question('qa1', { sessionId: 'sqa' });
    await store.putQuestion(q);
    await store.putQuestion({ ...q, text: '改过的' });
    expect(await store.getQuestion('qa1')).toEqual(q);
    expect(await store.getQuestion('no-such-question')).toBeUndefined();
    expect(await store.questionsOf({ sessionId: 'sqa' }, 'open', 10)).toEqual([q]);
    expect(await store.questionsOf({ sessionId: 'sqa' }, 'answered', 10)).toEqual([]);
  });

  test('votes from 60 voters sent at once through two handles (two nodes) are counted exactly; a repeat counts once; the asker is refused', async () => {
    const other = reopen();
    try {
      await store.putQuestion(question('qv1', { sessionId: 'sqv', askedBy: 'asker' }));
      const voters = Array.from({ length: 60 }, (_, i) => `voter-${i}`);
      // Every voter twice, half through each handle.
      const results = await Promise.all([...voters, ...voters].map((v, i) => (i % 2 === 0 ? store : other).voteQuestion('qv1', v)));
      expect(results.filter((r) => r.counted)).toHaveLength(60);
      expect(results.filter((r) => r.counted).map((r) => r.votes).sort((a, b) => a - b)).toEqual(voters.map((_, i) => i + 1));
      expect((await store.getQuestion('qv1'))?.votes).toBe(60);
      expect(await store.voteQuestion('qv1', 'voter-7')).toEqual({ votes: 60, counted: false });
      await expect(store.voteQuestion('qv1', 'asker')).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(other.voteQuestion('no-such-question', 'voter-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await store.questionVoters(['qv1', 'no-such-question'])).get('qv1')?.sort()).toEqual([...voters].sort());
      expect((await store.questionVoters(['no-such-question'])).get('no-such-question')).toEqual([]);
      expect((await store.getQuestion('qv1'))?.votes).toBe(60);
    } finally {
      await other.close();
    }
  });

  test("a session's open queue: most votes first, then the longest waiting, cut at the limit, its own questions only", async () => {
    const at = (m: number) => `2026-03-01T08:0${m}:00.000Z`;
    for (const [i, id] of ['qo1', 'qo2', 'qo3', 'qo4'].entries()) await store.putQuestion(question(id, { sessionId: 'sqo', askedAt: at(i + 1), vacancyId: i === 3 ? null : 'vqo' }));
    await store.putQuestion(question('qo-other', { sessionId: 'sqo-other', vacancyId: 'vqo', askedAt: at(9) }));
    expect(ids(await store.questionsOf({ sessionId: 'sqo' }, 'open', 10))).toEqual(['qo1', 'qo2', 'qo3', 'qo4']);
    await store.voteQuestion('qo3', 'x');
    await store.voteQuestion('qo3', 'y');
    await store.voteQuestion('qo4', 'x');
    await store.voteQuestion('qo2', 'y');
    const queue = await store.questionsOf({ sessionId: 'sqo' }, 'open', 10);
    expect(queue.map((q) => [q.id, q.votes])).toEqual([['qo3', 2], ['qo2', 1], ['qo4', 1], ['qo1', 0]]);
    expect(ids(await store.questionsOf({ sessionId: 'sqo' }, 'open', 2))).toEqual(['qo3', 'qo2']);
    // The vacancy's queue: its questions in every session, the general one not among them.
    expect(ids(await store.questionsOf({ vacancyId: 'vqo' }, 'open', 10))).toEqual(['qo3', 'qo2', 'qo1', 'qo-other']);
  });

  test('an answer moves a question from the open queues to the answered ones and its FAQ; votes after it still count', async () => {
    const at = (m: number) => `2026-03-01T09:0${m}:00.000Z`;
    for (const [i, id] of ['qf1', 'qf2', 'qf3'].entries()) await store.putQuestion(question(id, { sessionId: 'sqf', vacancyId: 'vqf', askedAt: at(i + 1) }));
    await store.voteQuestion('qf2', 'x');
    const answer = { text: '包住，四人间', onStage: false, by: 'employer:e1', at: at(5) };
    const answered = await store.answerQuestion('qf2', answer);
    expect(answered).toEqual(question('qf2', { sessionId: 'sqf', vacancyId: 'vqf', askedAt: at(2), votes: 1, answer }));
    expect(await store.getQuestion('qf2')).toEqual(answered);
    await store.answerQuestion('qf3', { text: null, onStage: true, by: 'host', at: at(6) });
    expect(ids(await store.questionsOf({ sessionId: 'sqf' }, 'open', 10))).toEqual(['qf1']);
    expect(ids(await store.questionsOf({ vacancyId: 'vqf' }, 'open', 10))).toEqual(['qf1']);
    expect(ids(await store.questionsOf({ sessionId: 'sqf' }, 'answered', 10))).toEqual(['qf2', 'qf3']);
    expect(ids(await store.faq('vqf', 10))).toEqual(['qf2', 'qf3']);
    expect(ids(await store.faq('vqf', 1))).toEqual(['qf2']);
    // Votes for an answered question keep its place among the answered ones.
    await store.voteQuestion('qf3', 'x');
    await store.voteQuestion('qf3', 'y');
    expect((await store.faq('vqf', 10)).map((q) => [q.id, q.votes])).toEqual([['qf3', 2], ['qf2', 1]]);
    expect(ids(await store.questionsOf({ sessionId: 'sqf' }, 'open', 10))).toEqual(['qf1']);
    await expect(store.answerQuestion('no-such-question', answer)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await store.faq('no-such-vacancy', 10)).toEqual([]);
  });

  test('everything is there for a second handle (a restarted server)', async () => {
    const again = reopen();
    try {
      expect((await again.listCaptions('sc1', 1)).map((c) => c.seq)).toEqual([101]);
      expect((await again.appendCaption('sc1', { text: '重启后', at: now() })).seq).toBe(102);
      expect((await again.listModeration('sm1')).map((e) => e.action)).toEqual(['ban', 'mute', 'delete']);
      expect((await again.list('employer')).map((e) => e.id)).toEqual(['e1', 'e2']);
      expect((await again.listApplications({})).length).toBeGreaterThanOrEqual(6);
      expect((await again.getQuestion('qf2'))?.answer?.text).toBe('包住，四人间');
      expect((await again.ping()).ok).toBe(true);
    } finally {
      await again.close();
    }
  });
});

/** An application as written before keys were hashed: the raw key in the record and in its index. */
const legacy = (key: string, over: Partial<Application> = {}) => {
  const { keyHash: _keyHash, ...rest } = application(over);
  return { ...rest, idempotencyKey: key };
};

describe('upgrading a store written before keys were hashed', () => {
  test('embedded (SQLite): every application survives, found by the hash of its key, the raw key gone, withdrawn ones no longer block', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-store-'));
    const db = new Database(path.join(dataDir, 'jobs.sqlite3'));
    db.exec(`CREATE TABLE applications (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, idempotency_key TEXT NOT NULL UNIQUE,
      vacancy_id TEXT NOT NULL, phone TEXT NOT NULL, employer_id TEXT NOT NULL, session_id TEXT, body TEXT NOT NULL,
      UNIQUE (vacancy_id, phone));`);
    const old = [legacy('old-key-one', { phone: '13900000101' }), legacy('old-key-two', { phone: '13900000102', status: 'withdrawn' })];
    for (const a of old) {
      db.prepare('INSERT INTO applications (id, idempotency_key, vacancy_id, phone, employer_id, session_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        a.id, a.idempotencyKey, a.vacancyId, a.phone, a.employerId, a.sessionId, JSON.stringify(a),
      );
    }
    db.close();
    const store = new SqliteJobStore({ dataDir });
    try {
      expect(store.migration).toMatchObject({ from: 0, layout: 'before-key-hash' });
      expect((await store.listApplications({})).map((a) => a.id)).toEqual(old.map((a) => a.id));
      expect((await store.applicationByKey(hashKey('old-key-one')))?.id).toBe(old[0]!.id);
      expect(await store.keyAnswered(hashKey('old-key-one'))).toBe(true);
      expect(JSON.stringify(await store.listApplications({}))).not.toContain('old-key-one');
      expect((await store.apply(application({ phone: '13900000102' }))).created).toBe(true);
    } finally {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('Redis: every application survives, found by the hash of its key, the raw key gone from keys and records', async () => {
    const prefix = `u${crypto.randomUUID().slice(0, 8)}:`;
    const url = inject('redisUrl');
    const redis = new Redis(url);
    const a = legacy('old-redis-key', { phone: '13900000201' });
    await redis.set(`${prefix}app:${a.id}`, JSON.stringify(a));
    await redis.set(`${prefix}app:key:${a.idempotencyKey}`, a.id);
    await redis.set(`${prefix}app:vp:${a.vacancyId}:${a.phone}`, a.id);
    await redis.zadd(`${prefix}apps:all`, 1, a.id);
    const store = new RedisJobStore({ url, prefix });
    try {
      expect(await store.keyAnswered(hashKey('old-redis-key'))).toBe(true);
      expect((await store.applicationByKey(hashKey('old-redis-key')))?.id).toBe(a.id);
      expect(await redis.keys(`${prefix}app:key:*`)).toEqual([]);
      expect(await redis.get(jobKeys(prefix).application(a.id))).not.toContain('old-redis-key');
      expect((await store.listApplications({})).map((x) => x.id)).toEqual([a.id]);
      // And counted in its session's tallies by the schema migration that follows.
      expect((await store.applicationCounts([a.sessionId!])).get(a.sessionId!)?.total).toBe(1);
    } finally {
      await store.close();
      await redis.quit();
    }
  });
});
