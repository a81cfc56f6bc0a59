import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import type { Employer } from '@chunfeng/shared/recruitment';
import { hashKey, type ApplicationRecord } from '../../server/src/domain/applications';
import { SqliteJobStore, type SqliteJobStoreOptions } from '../../server/src/store/sqliteStore';
import { SqliteWriter } from '../../server/src/store/sqliteWriter';
import { StoreError } from '../../server/src/store/storeError';
import { applicationRecord } from '../harness/records';

const now = () => new Date().toISOString();
const application = applicationRecord;
const employer = (id: string, note = ''): Employer => ({ id: id as Employer['id'], name: `企业${note}`, industry: '制造业', district: '城关区', verified: true, createdAt: now() });

describe('embedded store: durable writes leave the event loop', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  const open = (options: { maxPageCount?: number; dataDir?: string; writer?: SqliteJobStoreOptions['writer']; probe?: SqliteJobStoreOptions['probe'] } = {}): { store: SqliteJobStore; dataDir: string } => {
    const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-writer-'));
    const store = new SqliteJobStore({ dataDir, maxPageCount: options.maxPageCount, ...(options.writer ? { writer: options.writer } : {}), ...(options.probe ? { probe: options.probe } : {}) });
    cleanups.push(async () => {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    return { store, dataDir };
  };
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  test('applications made together are committed as one group, and each is on disk when its promise resolves', async () => {
    const { store, dataDir } = open();
    const made = Array.from({ length: 300 }, () => application());
    const results = await Promise.all(made.map((a) => store.apply(a)));
    expect(results.every((r) => r.created)).toBe(true);
    const { writes, groups } = store.writer.stats();
    expect(writes).toBe(300);
    expect(groups).toBeLessThanOrEqual(3);
    // A separate connection (another process would see the same file) finds every one.
    const other = new Database(path.join(dataDir, 'jobs.sqlite3'), { readonly: true });
    expect((other.prepare('SELECT COUNT(*) AS n FROM applications').get() as { n: number }).n).toBe(300);
    other.close();
  });

  test('duplicates inside one group still store one application per key and per vacancy and phone', async () => {
    const { store } = open();
    const keyHash = hashKey(crypto.randomUUID());
    const sameKey = await Promise.all(Array.from({ length: 20 }, () => store.apply(application({ keyHash }))));
    expect(sameKey.filter((r) => r.created)).toHaveLength(1);
    const samePhone = await Promise.all(Array.from({ length: 20 }, () => store.apply(application({ phone: '13700000001', vacancyId: 'v9' as ApplicationRecord['vacancyId'] }))));
    expect(samePhone.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(samePhone.map((r) => r.application.id)).size).toBe(1);
    expect(await store.listApplications({})).toHaveLength(2);
  });

  test('the event loop is never held for long while 2,000 applications are fsynced', async () => {
    const { store } = open();
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    // In waves, as requests arrive: each wave's commit runs while the next is being made.
    for (let wave = 0; wave < 20; wave += 1) await Promise.all(Array.from({ length: 100 }, () => store.apply(application())));
    // A loop held by synchronous commits would fire the sampling timer only now: let it record that.
    await new Promise((resolve) => setTimeout(resolve, 50));
    lag.disable();
    expect(await store.listApplications({})).toHaveLength(2000);
    console.log(`[measure] event-loop delay during 2,000 applies: p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(1)} ms`);
    // Committing on the loop held it ~490 ms per wave of 100 here, so most samples would be that long.
    // The 99th percentile, not the maximum: one pause of the shared 2-core machine (or a GC) is not
    // the store holding the loop.
    expect(lag.percentile(99) / 1e6).toBeLessThan(250);
  });

  test('a killed writer thread fails the writes it held as writer-down, is restarted, and later writes are stored', async () => {
    const { store } = open();
    await store.put('employer', employer('e1'));
    const held = store.apply(application());
    const observed = held.then(
      () => 'acknowledged',
      (error: unknown) => error,
    );
    await store.writer.kill();
    const outcome = await observed;
    // Either it was committed and acknowledged before the kill, or it failed as never acknowledged.
    if (outcome !== 'acknowledged') expect(outcome).toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE', reason: 'writer-down' });
    const after = await store.apply(application());
    expect(after.created).toBe(true);
    expect(await store.getApplication(after.application.id)).toEqual(after.application);
    expect((await store.ping()).ok).toBe(true);
  });

  test('a writer thread that keeps dying marks the store down: writes fail at once as writer-down and ping says so', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-writer-'));
    const store = new SqliteJobStore({ dataDir });
    cleanups.push(async () => {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    for (let i = 0; i < 4; i += 1) {
      await store.put('employer', employer(`e${i}`));
      await store.writer.kill();
    }
    await expect(store.put('employer', employer('e9'))).rejects.toMatchObject({ code: 'UNAVAILABLE', reason: 'writer-down' });
    expect(await store.ping()).toMatchObject({ ok: false });
    // What was acknowledged before is still readable.
    expect(await store.list('employer')).toHaveLength(4);
  });

  test('a writer marked down is tried again after the back-off: writes fail at once meanwhile, then are stored, and ping recovers', async () => {
    const { store } = open({ writer: { restartBackoffMs: 400 } });
    for (let i = 0; i < 4; i += 1) {
      await store.put('employer', employer(`e${i}`));
      await store.writer.kill();
    }
    const started = performance.now();
    await expect(store.put('employer', employer('e8'))).rejects.toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE', reason: 'writer-down' });
    expect(performance.now() - started).toBeLessThan(50);
    expect(await store.ping()).toMatchObject({ ok: false });

    await expect.poll(async () => (await store.ping()).ok, { timeout: 5000, interval: 50 }).toBe(true);
    await store.put('employer', employer('e9'));
    expect((await store.list('employer')).map((e) => e.id).sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e9']);
    // Dying again is survived as before: the new thread has its own restarts.
    await store.writer.kill();
    await store.put('employer', employer('e10'));
    expect((await store.ping()).ok).toBe(true);
  });

  test('a store file the writer thread cannot open is tried again after the back-off, and writes are stored once it opens', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-writer-'));
    const file = path.join(dataDir, 'jobs.sqlite3');
    fs.writeFileSync(file, crypto.randomBytes(64 * 1024));
    const writer = new SqliteWriter({ dataDir, restartBackoffMs: 300 });
    cleanups.push(async () => {
      await writer.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    await expect.poll(() => writer.health().ok, { timeout: 5000, interval: 20 }).toBe(false);
    expect(writer.health().detail).toContain('corrupt');
    await expect(writer.write({ op: 'put', kind: 'employer', doc: employer('e1') })).rejects.toMatchObject({ name: 'StoreError', reason: 'corrupt' });

    // The operator moves the bad file away; the next try opens a fresh one.
    fs.renameSync(file, `${file}.bad`);
    await expect.poll(() => writer.health().ok, { timeout: 5000, interval: 20 }).toBe(true);
    await writer.write({ op: 'put', kind: 'employer', doc: employer('e1') });
    const other = new Database(file, { readonly: true });
    expect((other.prepare("SELECT COUNT(*) AS n FROM docs WHERE kind = 'employer'").get() as { n: number }).n).toBe(1);
    other.close();
  });

  test('past maxQueued writes awaiting their commit a new one fails at once as queue-full; the queued ones are stored', async () => {
    const { store } = open({ writer: { maxQueued: 10 } });
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => store.put('employer', employer(`q${i}`))));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(refused).toHaveLength(40);
    for (const error of refused) expect(error).toMatchObject({ name: 'StoreError', code: 'UNAVAILABLE', reason: 'queue-full' });
    expect(await store.list('employer')).toHaveLength(10);
    // The queue drained: the next write is taken.
    await store.put('employer', employer('after'));
    expect(await store.list('employer')).toHaveLength(11);
  });

  test('a full disk fails the write with a typed StoreError (disk-full), health says so until a write is stored again, and the store keeps serving reads and smaller writes', async () => {
    // The page ceiling fills the file, not the disk, so a real probe would write at once and clear
    // the failure: this one's last write predates it (see 'full disk' in storageHealth.test.ts).
    const probe = { check: () => Promise.resolve({ ok: true, dir: 'stub', detail: 'written before the failure', checkedAt: 0, ageMs: 0 }) };
    const { store } = open({ maxPageCount: 64, probe });
    await store.put('employer', employer('small'));
    const big = 'x'.repeat(200_000);
    const refused = await store.put('employer', employer('big', big)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreError);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', reason: 'disk-full' });
    expect((await store.list('employer')).map((e) => e.id)).toEqual(['small']);
    // Health says the store cannot write while the last write failed for want of space...
    const full = await store.ping();
    expect(full.ok).toBe(false);
    expect(full.detail).toContain('disk-full');
    await store.put('employer', employer('small2'));
    expect(await store.list('employer')).toHaveLength(2);
    // ...and recovers once a write is stored again.
    expect(await store.ping()).toMatchObject({ ok: true });
  });

  test('a corrupt store file is refused at start with a typed StoreError (corrupt), not a crash', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-writer-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dataDir, 'jobs.sqlite3'), crypto.randomBytes(64 * 1024));
    let thrown: unknown;
    try {
      new SqliteJobStore({ dataDir });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StoreError);
    expect(thrown).toMatchObject({ code: 'UNAVAILABLE', reason: 'corrupt' });
  });

  test('a catalog document read from memory is never older than the last write that resolved, nor one read during a write', async () => {
    const { store } = open();
    await store.put('employer', employer('e1', 'v1'));
    expect((await store.get('employer', 'e1'))?.name).toBe('企业v1');
    expect((await store.get('employer', 'e1'))?.name).toBe('企业v1');
    const writing = store.put('employer', employer('e1', 'v2'));
    // Read while the write is on its way to disk: the old one (not yet committed), not kept.
    expect((await store.get('employer', 'e1'))?.name).toBe('企业v1');
    await writing;
    expect((await store.get('employer', 'e1'))?.name).toBe('企业v2');
    // Each read is a fresh copy: changing one does not change what the store returns next.
    const copy = (await store.get('employer', 'e1'))!;
    copy.name = 'changed';
    expect((await store.get('employer', 'e1'))?.name).toBe('企业v2');
  });
});
