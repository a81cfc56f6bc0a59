import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import type { Employer } from '@chunfeng/shared/recruitment';
import { storeFile } from '../../server/src/store/sqliteSchema';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';
import { StoreError } from '../../server/src/store/storeError';
import { applicationRecord } from '../harness/records';

const employer = (id: string): Employer => ({ id: id as Employer['id'], name: '春风机械厂', industry: '制造业', district: '城关区', verified: true, createdAt: '2026-03-01T08:00:00.000Z' });

describe('embedded store: every record read is parsed with its schema', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  const open = (): { store: SqliteJobStore; raw: Database.Database } => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-records-'));
    const store = new SqliteJobStore({ dataDir });
    // Another connection writing behind the store's back, as a hand edit or a bad restore would.
    const raw = new Database(storeFile(dataDir));
    cleanups.push(async () => {
      raw.close();
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    return { store, raw };
  };

  test('a catalog row of the wrong shape is a typed StoreError (corrupt) naming the row and the field, not its content; other rows still read', async () => {
    const { store, raw } = open();
    await store.put('employer', employer('good'));
    raw.prepare("INSERT INTO docs (kind, id, idx, seq, body) VALUES ('employer', 'bad', NULL, 99, ?)").run(JSON.stringify({ ...employer('bad'), verified: 'yes', name: '李四 13800001234' }));
    const refused = await store.get('employer', 'bad').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreError);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', reason: 'corrupt' });
    expect((refused as Error).message).toContain('employer bad');
    expect((refused as Error).message).toContain('verified');
    expect((refused as Error).message).not.toContain('13800001234');
    await expect(store.list('employer')).rejects.toMatchObject({ code: 'UNAVAILABLE', reason: 'corrupt' });
    expect(await store.get('employer', 'good')).toEqual(employer('good'));
  });

  test('a tally row that is not one the store writes is a typed StoreError (corrupt) naming the session; other sessions still read', async () => {
    const { store, raw } = open();
    await store.apply(applicationRecord({ phone: '13900000021', sessionId: 'fine' }));
    for (const [session, dimension, key, count] of [['bad-status', 'status', 'lost', 1], ['bad-dimension', 'colour', 'red', 1], ['bad-count', 'total', '', 1.5]] as const) {
      raw.prepare('INSERT INTO application_counts (session_id, dimension, key, count) VALUES (?, ?, ?, ?)').run(session, dimension, key, count);
      const refused = await store.applicationCounts([session]).catch((error: unknown) => error);
      expect(refused).toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE', reason: 'corrupt' });
      expect((refused as Error).message).toContain(`session ${session}`);
    }
    expect((await store.applicationCounts(['fine'])).get('fine')?.total).toBe(1);
  });

  test('a question row of the wrong shape or count is a typed StoreError (corrupt) naming the question on every path, the vote that meets it too; other questions still read', async () => {
    const { store, raw } = open();
    const good = { id: 'good', sessionId: 's1', vacancyId: null, text: '几点上班？', askedBy: 'a', askedAt: '2026-03-01T08:00:00.000Z', votes: 0, answer: null };
    await store.putQuestion(good);
    const insert = raw.prepare("INSERT INTO questions (id, session_id, vacancy_id, asked_at, answered, votes, body) VALUES (?, 's2', NULL, '2026-03-01T08:00:00.000Z', 0, ?, ?)");
    insert.run('bad-body', 0, '{not json');
    insert.run('bad-count', -3, JSON.stringify({ ...good, id: 'bad-count', sessionId: 's2', votes: undefined }));
    for (const id of ['bad-body', 'bad-count']) {
      await expect(store.getQuestion(id)).rejects.toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE', reason: 'corrupt', message: expect.stringContaining(`question ${id}`) as string });
      await expect(store.voteQuestion(id, 'v')).rejects.toMatchObject({ code: 'UNAVAILABLE', reason: 'corrupt' });
    }
    await expect(store.questionsOf({ sessionId: 's2' }, 'open', 10)).rejects.toMatchObject({ code: 'UNAVAILABLE', reason: 'corrupt' });
    expect(await store.questionsOf({ sessionId: 's1' }, 'open', 10)).toEqual([good]);
    expect(await store.voteQuestion('good', 'v')).toEqual({ votes: 1, counted: true });
  });

  test('an application row that is not JSON is a typed error on every read path, the apply that meets it too; the store keeps serving', async () => {
    const { store, raw } = open();
    const good = applicationRecord({ phone: '13900000011' });
    await store.apply(good);
    const bad = applicationRecord({ phone: '13900000012' });
    raw
      .prepare('INSERT INTO applications (id, key_hash, vacancy_id, phone, employer_id, session_id, withdrawn, body) VALUES (?, ?, ?, ?, ?, ?, 0, ?)')
      .run(bad.id, bad.keyHash, bad.vacancyId, bad.phone, bad.employerId, bad.sessionId, '{"id": truncated');
    await expect(store.getApplication(bad.id)).rejects.toMatchObject({ name: 'StoreError', reason: 'corrupt' });
    await expect(store.applicationByKey(bad.keyHash)).rejects.toMatchObject({ name: 'StoreError', reason: 'corrupt' });
    await expect(store.listApplications({})).rejects.toMatchObject({ name: 'StoreError', reason: 'corrupt' });
    await expect(store.updateApplication(bad.id, (a) => a)).rejects.toMatchObject({ name: 'StoreError', reason: 'corrupt' });
    // The writer thread reads the stored application a repeat is answered with: typed there too.
    await expect(store.apply({ ...bad, id: applicationRecord().id })).rejects.toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE', reason: 'corrupt' });
    expect(await store.getApplication(good.id)).toEqual(good);
    expect((await store.apply(applicationRecord())).created).toBe(true);
  });

  test('a field a newer release added survives a read', async () => {
    const { store, raw } = open();
    raw.prepare("INSERT INTO docs (kind, id, idx, seq, body) VALUES ('employer', 'e2', NULL, 1, ?)").run(JSON.stringify({ ...employer('e2'), licence: '91620100MA' }));
    expect(await store.get('employer', 'e2')).toMatchObject({ id: 'e2', licence: '91620100MA' });
  });
});
