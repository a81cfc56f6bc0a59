import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import type { Employer, PinEvent, Vacancy } from '@chunfeng/shared/recruitment';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import { BACKFILL_BATCH, MIGRATIONS, migrate, SchemaTooNewError, type Migration } from '../../server/src/store/sqliteMigrations';
import { storeFile } from '../../server/src/store/sqliteSchema';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';
import { StartupError } from '../../server/src/startupError';
import { applicationRecord } from '../harness/records';
import { writeUnversionedStore, writeVersionOneStore, writeVersionTwoStore } from '../harness/unversionedStore';
import { expectMovedQuestions, questionDocuments } from '../harness/questionDocuments';
import { breakdownOf, countApplications, type ApplicationCounts } from '../../server/src/domain/statistics';
import { moveApplication } from '../../server/src/domain/applications';

const LATEST = MIGRATIONS.at(-1)!.version;
const at = '2026-03-01T08:00:00.000Z';
const employer: Employer = { id: 'e1' as Employer['id'], name: '春风机械厂', industry: '制造业', district: '城关区', verified: true, createdAt: at };
const vacancy: Vacancy = {
  id: 'v1' as Vacancy['id'],
  employerId: employer.id,
  title: '数控车床操作工',
  headcount: 5,
  pay: { min: 5000, max: 8000, unit: 'month' },
  hours: '两班倒',
  location: '城关区工业园',
  insurance: ['五险'],
  benefits: [],
  requirements: '',
  badges: [],
  targetGroups: [],
  accessibility: [],
  createdAt: at,
};
const pin: PinEvent = { sessionId: 's1', kind: 'vacancy', itemId: 'v1', pinnedAt: at, unpinnedAt: '2026-03-01T08:05:00.000Z' };
const moderation: ModerationEntry = { id: 'm1', sessionId: 's1', at, action: 'mute', by: { role: 'host', name: '' }, target: 'author-1', messageId: null, seconds: 60 };

describe('embedded store schema: numbered migrations in user_version', () => {
  const dirs: string[] = [];
  const dataDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-migrate-'));
    dirs.push(dir);
    return dir;
  };
  const userVersion = (dir: string): number => {
    const db = new Database(storeFile(dir), { readonly: true });
    try {
      return db.pragma('user_version', { simple: true }) as number;
    } finally {
      db.close();
    }
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the versions are numbered 1, 2, … with no gap', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  test('an empty data directory gets the newest schema, and opening it again has nothing to do', async () => {
    const dir = dataDir();
    const store = new SqliteJobStore({ dataDir: dir });
    expect(store.migration).toEqual({ from: 0, to: LATEST, layout: 'empty' });
    await store.put('employer', employer);
    await store.close();
    expect(userVersion(dir)).toBe(LATEST);
    const again = new SqliteJobStore({ dataDir: dir });
    try {
      expect(again.migration).toEqual({ from: LATEST, to: LATEST });
      expect(await again.list('employer')).toEqual([employer]);
    } finally {
      await again.close();
    }
  });

  test('a file written by the release before versions (user_version 0) is recognised by its tables and migrated with every record intact', async () => {
    const dir = dataDir();
    const applications = [applicationRecord({ phone: '13900000001' }), applicationRecord({ phone: '13900000002', status: 'withdrawn' })];
    writeUnversionedStore(storeFile(dir), {
      docs: [
        { kind: 'employer', id: employer.id, idx: null, body: employer },
        { kind: 'vacancy', id: vacancy.id, idx: employer.id, body: vacancy },
      ],
      pins: [{ sessionId: pin.sessionId, kind: pin.kind, pinnedAt: pin.pinnedAt, body: pin }],
      applications: applications.map((a) => ({ ...a, withdrawn: a.status === 'withdrawn', body: a })),
      events: applications.map((a) => ({ applicationId: a.id, body: { applicationId: a.id, type: 'created', at: a.createdAt, status: a.status } })),
      moderation: [{ sessionId: 's1', body: moderation }],
      captions: [{ sessionId: 's1', seq: 1, text: '欢迎来到春风行动', at }],
    });
    expect(userVersion(dir)).toBe(0);

    const store = new SqliteJobStore({ dataDir: dir });
    try {
      expect(store.migration).toEqual({ from: 0, to: LATEST, layout: 'baseline' });
      expect(await store.get('employer', employer.id)).toEqual(employer);
      expect(await store.list('vacancy', { value: employer.id })).toEqual([vacancy]);
      expect(await store.listPins('s1')).toEqual([pin]);
      expect(await store.listApplications({})).toEqual(applications);
      // Tallied by migration 2 on the way (both are session s1's; the withdrawn one counts).
      expect((await store.applicationCounts(['s1'])).get('s1')).toMatchObject({ total: 2, byStatus: new Map([['new', 1], ['withdrawn', 1]]) });
      expect((await store.applicationEvents()).map((e) => e.applicationId)).toEqual(applications.map((a) => a.id));
      expect(await store.listModeration('s1')).toEqual([moderation]);
      expect(await store.listCaptions('s1')).toEqual([{ seq: 1, text: '欢迎来到春风行动', at }]);
      // Still one open application per vacancy and phone: the withdrawn one does not block.
      expect((await store.apply(applicationRecord({ phone: '13900000001' }))).created).toBe(false);
      expect((await store.apply(applicationRecord({ phone: '13900000002' }))).created).toBe(true);
    } finally {
      await store.close();
    }
    expect(userVersion(dir)).toBe(LATEST);
  });

  test('a version-1 file (before tallies) gets each session\'s tallies counted from its applications by migration 2', async () => {
    const dir = dataDir();
    const applications = [
      applicationRecord({ phone: '13900000011', sessionId: 's1', vacancyId: 'v1' as Vacancy['id'] }),
      applicationRecord({ phone: '13900000012', sessionId: 's1', vacancyId: 'v1' as Vacancy['id'], targetGroup: 'rural-worker', source: 'replay', status: 'withdrawn' }),
      applicationRecord({ phone: '13900000013', sessionId: 's1', vacancyId: 'v2' as Vacancy['id'], targetGroup: 'disabled', status: 'hired' }),
      applicationRecord({ phone: '13900000014', sessionId: 's2', vacancyId: 'v2' as Vacancy['id'], source: 'list', status: 'contacted' }),
      applicationRecord({ phone: '13900000015', sessionId: null, vacancyId: 'v1' as Vacancy['id'] }),
    ];
    writeVersionOneStore(storeFile(dir), {
      docs: [],
      pins: [],
      applications: applications.map((a) => ({ ...a, withdrawn: a.status === 'withdrawn', body: a })),
      events: [],
      moderation: [],
      captions: [],
    });
    expect(userVersion(dir)).toBe(1);
    const figures = (c: ApplicationCounts | undefined) => breakdownOf(c!, (id) => ({ title: id, employer: '' }));
    const store = new SqliteJobStore({ dataDir: dir });
    try {
      expect(store.migration).toEqual({ from: 1, to: LATEST });
      const counts = await store.applicationCounts(['s1', 's2']);
      for (const sessionId of ['s1', 's2']) expect(figures(counts.get(sessionId))).toEqual(figures(countApplications(applications.filter((a) => a.sessionId === sessionId))));
      expect(counts.get('s1')?.total).toBe(3);
      expect(counts.get('s1')?.byTargetGroup).toEqual(new Map([['unspecified', 1], ['rural-worker', 1], ['disabled', 1]]));
      // Counted from here on by the writer, on top of what the migration counted.
      await store.updateApplication(applications[3]!.id, (cur) => moveApplication(cur, { status: 'hired', by: 'bureau:李敏', note: '', at }));
      expect(figures((await store.applicationCounts(['s2'])).get('s2')).byStatus).toEqual([{ status: 'hired', count: 1 }]);
    } finally {
      await store.close();
    }
    expect(userVersion(dir)).toBe(LATEST);
  });

  test('a version-6 file (tallies without follow-up) gets status by group and by vacancy counted from its applications by migration 7; other tallies untouched', async () => {
    const dir = dataDir();
    const applications = [
      applicationRecord({ phone: '13900000021', sessionId: 's1', vacancyId: 'v1' as Vacancy['id'], targetGroup: 'graduate', status: 'hired' }),
      applicationRecord({ phone: '13900000022', sessionId: 's1', vacancyId: 'v1' as Vacancy['id'], status: 'contacted' }),
      applicationRecord({ phone: '13900000023', sessionId: 's1', vacancyId: 'v:2' as Vacancy['id'], targetGroup: 'graduate', status: 'hired' }),
      applicationRecord({ phone: '13900000024', sessionId: 's2', vacancyId: 'v1' as Vacancy['id'], targetGroup: 'disabled', status: 'interviewing' }),
      applicationRecord({ phone: '13900000025', sessionId: null, vacancyId: 'v1' as Vacancy['id'], status: 'hired' }),
    ];
    // A version-6 file as that release left it: its tallies kept, no follow-up cell among them.
    const first = new SqliteJobStore({ dataDir: dir });
    for (const a of applications) await first.apply(a);
    await first.close();
    const raw = new Database(storeFile(dir));
    raw.prepare("DELETE FROM application_counts WHERE dimension IN ('groupStatus', 'vacancyStatus')").run();
    // Nor the tables of the versions after it.
    raw.exec('DROP TABLE session_viewers');
    raw.pragma('user_version = 6');
    raw.close();
    const figures = (c: ApplicationCounts | undefined) => breakdownOf(c!, (id) => ({ title: id, employer: '' }));
    const store = new SqliteJobStore({ dataDir: dir });
    try {
      expect(store.migration).toEqual({ from: 6, to: LATEST });
      const counts = await store.applicationCounts(['s1', 's2']);
      for (const sessionId of ['s1', 's2']) expect(figures(counts.get(sessionId))).toEqual(figures(countApplications(applications.filter((a) => a.sessionId === sessionId))));
      expect(figures(counts.get('s1')).byGroupAndStatus).toEqual([
        { group: 'graduate', status: 'hired', count: 2 },
        { group: 'unspecified', status: 'contacted', count: 1 },
      ]);
      expect(figures(counts.get('s1')).byVacancyAndStatus).toEqual([
        { vacancyId: 'v1', status: 'contacted', count: 1 },
        { vacancyId: 'v1', status: 'hired', count: 1 },
        { vacancyId: 'v:2', status: 'hired', count: 1 },
      ]);
      expect(counts.get('s1')?.total).toBe(3);
      // Kept by the writer from here on: a move is −1 in the old pair and +1 in the new.
      await store.updateApplication(applications[3]!.id, (cur) => moveApplication(cur, { status: 'hired', by: 'bureau:李敏', note: '', at }));
      expect(figures((await store.applicationCounts(['s2'])).get('s2')).byGroupAndStatus).toEqual([{ group: 'disabled', status: 'hired', count: 1 }]);
    } finally {
      await store.close();
    }
    expect(userVersion(dir)).toBe(LATEST);
    // Migration 6 made the viewers' table: the store counts viewers.
    const reopened = new SqliteJobStore({ dataDir: dir });
    try {
      await reopened.countViewer('s1', 'a'.repeat(32));
      expect((await reopened.uniqueViewers(['s1'])).together).toBe(1);
    } finally {
      await reopened.close();
    }
  });

  test('a version-2 file (questions as catalog documents) gets them moved into the question tables by migration 4, votes counted from their voters', async () => {
    const dir = dataDir();
    const documents = questionDocuments();
    writeVersionTwoStore(storeFile(dir), {
      // A document that is not JSON is left where it was rather than failing the upgrade.
      docs: [
        { kind: 'vacancy', id: vacancy.id, idx: employer.id, body: vacancy },
        ...documents.map((d) => ({ kind: 'question', id: d.id, idx: String(d.vacancyId), body: d })),
      ],
      pins: [],
      applications: [],
      events: [],
      moderation: [],
      captions: [],
    });
    const raw = new Database(storeFile(dir));
    raw.prepare("INSERT INTO docs (kind, id, idx, seq, body) VALUES ('question', 'broken', 'v1', 99, '{not json')").run();
    raw.close();
    expect(userVersion(dir)).toBe(2);
    const store = new SqliteJobStore({ dataDir: dir });
    try {
      expect(store.migration).toEqual({ from: 2, to: LATEST });
      await expectMovedQuestions(store);
      expect(await store.get('vacancy', vacancy.id)).toEqual(vacancy);
    } finally {
      await store.close();
    }
    const db = new Database(storeFile(dir), { readonly: true });
    try {
      expect(db.prepare("SELECT id FROM docs WHERE kind = 'question'").all()).toEqual([{ id: 'broken' }]);
      // The hot reads go through the indexes made for them, never a scan of every question.
      const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      expect(plan("SELECT body FROM questions WHERE session_id = 's1' AND answered = 0 ORDER BY votes DESC, asked_at, id LIMIT 10")).toMatch(/USING INDEX questions_by_session/);
      expect(plan("SELECT body FROM questions WHERE vacancy_id = 'v1' AND answered = 1 ORDER BY votes DESC, asked_at, id LIMIT 10")).toMatch(/USING INDEX questions_by_vacancy/);
      expect(plan("SELECT body FROM questions WHERE session_id = 's1' AND answered = 0 ORDER BY votes DESC, asked_at, id LIMIT 10")).not.toMatch(/TEMP B-TREE/);
    } finally {
      db.close();
    }
    expect(userVersion(dir)).toBe(LATEST);
  });

  test('a version-2 file (status and time only in the documents) gets them as indexed columns by migration 3, copied in batches, kept by every write after', async () => {
    const dir = dataDir();
    // More rows than two backfill batches, the statuses spread, the times each its own minute.
    const statuses = ['new', 'contacted', 'interviewing', 'hired', 'not-suitable', 'withdrawn'] as const;
    const count = 2 * BACKFILL_BATCH + 7;
    const applications = Array.from({ length: count }, (_, i) =>
      applicationRecord({
        phone: `139${String(i).padStart(8, '0')}`,
        employerId: `e${i % 3}` as Employer['id'],
        vacancyId: `v${i % 5}` as Vacancy['id'],
        sessionId: `s${i % 2}`,
        status: statuses[i % statuses.length]!,
        createdAt: new Date(Date.parse(at) + i * 60_000).toISOString(),
      }),
    );
    writeVersionTwoStore(storeFile(dir), {
      docs: [],
      pins: [],
      applications: [...applications.map((a) => ({ ...a, withdrawn: a.status === 'withdrawn', body: a })), { ...applicationRecord({ phone: '13800000000', employerId: 'e0' as Employer['id'] }), withdrawn: false, body: ['not', 'an', 'application'] }],
      events: [],
      moderation: [],
      captions: [],
    });
    expect(userVersion(dir)).toBe(2);
    const store = new SqliteJobStore({ dataDir: dir });
    const columns = (): Map<string, { status: string; created_at: string }> => {
      const db = new Database(storeFile(dir), { readonly: true });
      try {
        const rows = db.prepare('SELECT id, status, created_at FROM applications').all() as Array<{ id: string; status: string; created_at: string }>;
        return new Map(rows.map((r) => [r.id, r]));
      } finally {
        db.close();
      }
    };
    try {
      expect(store.migration).toEqual({ from: 2, to: LATEST });
      const copied = columns();
      for (const a of applications) expect(copied.get(a.id), a.id).toEqual({ id: a.id, status: a.status, created_at: a.createdAt });
      // A row that is not an application is left out of every status.
      expect([...copied.values()].filter((r) => r.status === '')).toHaveLength(1);

      // An employer's hired applicants, newest first, page after page, read through the status index.
      const hired = applications.filter((a) => a.employerId === 'e0' && a.status === 'hired').reverse();
      const paged: string[] = [];
      let next: number | undefined;
      do {
        const page = await store.pageApplications({ employerId: 'e0', status: 'hired', limit: 100, ...(next === undefined ? {} : { before: next }) });
        if (page.next !== undefined) expect(page.applications).toHaveLength(100);
        paged.push(...page.applications.map((a) => a.id));
        next = page.next;
      } while (next !== undefined);
      expect(paged).toEqual(hired.map((a) => a.id));
      const plan = new Database(storeFile(dir), { readonly: true });
      try {
        const steps = plan.prepare('EXPLAIN QUERY PLAN SELECT seq, body FROM applications WHERE employer_id = ? AND status = ? AND seq < ? ORDER BY seq DESC LIMIT ?').all('e0', 'hired', 1e9, 51) as Array<{ detail: string }>;
        expect(steps.map((s) => s.detail).join('; ')).toMatch(/USING INDEX applications_by_employer_status/);
      } finally {
        plan.close();
      }
      // Dates are matched on the copied column (within the bounded read of each page: the cursor goes on).
      const inRange: string[] = [];
      next = undefined;
      do {
        const page = await store.pageApplications({ employerId: 'e1', from: applications[100]!.createdAt, to: applications[130]!.createdAt, limit: 100, ...(next === undefined ? {} : { before: next }) });
        inRange.push(...page.applications.map((a) => a.id));
        next = page.next;
      } while (next !== undefined);
      expect(inRange).toEqual(applications.slice(100, 130).filter((a) => a.employerId === 'e1').reverse().map((a) => a.id));

      // Kept from here on by the writer: a status change moves the column, a new application has both.
      const moved = applications.find((a) => a.status === 'new')!;
      await store.updateApplication(moved.id, (cur) => moveApplication(cur, { status: 'hired', by: 'bureau:李敏', note: '', at }));
      const { application: fresh } = await store.apply(applicationRecord({ phone: '13700000001', employerId: 'e0' as Employer['id'], status: 'contacted' }));
      const after = columns();
      expect(after.get(moved.id)?.status).toBe('hired');
      expect(after.get(fresh.id)).toEqual({ id: fresh.id, status: 'contacted', created_at: fresh.createdAt });
      expect((await store.pageApplications({ employerId: moved.employerId, status: 'hired', limit: 1 })).applications[0]?.id).toBe(
        [...applications.filter((a) => a.employerId === moved.employerId && (a.status === 'hired' || a.id === moved.id))].at(-1)!.id,
      );
    } finally {
      await store.close();
    }
    expect(userVersion(dir)).toBe(LATEST);
  }, 60_000);

  test('a file from a newer release is refused with one line naming both versions, and left untouched', () => {
    const dir = dataDir();
    const db = new Database(storeFile(dir));
    db.exec('CREATE TABLE from_the_future (x)');
    db.pragma(`user_version = ${LATEST + 1}`);
    db.close();
    let thrown: unknown;
    try {
      new SqliteJobStore({ dataDir: dir });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SchemaTooNewError);
    expect(thrown).toBeInstanceOf(StartupError);
    const message = (thrown as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(`schema version ${LATEST + 1}`);
    expect(message).toContain(`(${LATEST})`);
    expect(userVersion(dir)).toBe(LATEST + 1);
    const check = new Database(storeFile(dir), { readonly: true });
    expect((check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name)).toEqual(['from_the_future']);
    check.close();
  });

  test('the steps after the file\'s version run in order in one transaction; one that fails leaves the file as it was', () => {
    const db = new Database(':memory:');
    const ran: number[] = [];
    const step = (version: number, sql: string): Migration => ({ version, name: `step ${version}`, up: (d) => (ran.push(version), d.exec(sql)) });
    const steps = [step(1, 'CREATE TABLE a (x)'), step(2, 'CREATE TABLE b (x)'), step(3, 'CREATE TABLE c (x)')];
    expect(migrate(db, steps.slice(0, 1))).toEqual({ from: 0, to: 1, layout: 'empty' });
    expect(migrate(db, steps)).toEqual({ from: 1, to: 3 });
    expect(ran).toEqual([1, 2, 3]);

    const broken = [...steps, step(4, 'CREATE TABLE d (x)'), step(5, 'THIS IS NOT SQL')];
    expect(() => migrate(db, broken)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'd'").get()).toBeUndefined();
    db.close();
  });
});
