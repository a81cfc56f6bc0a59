import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { MIGRATIONS } from '../../server/src/store/sqliteMigrations';
import { storeFile } from '../../server/src/store/sqliteSchema';
import { applyBody, bureauClient } from '../harness/api';
import { fillDisk, mountExt4, mountTmpfs, mountUnavailable, remountReadOnly, type Mounted } from '../harness/mounts';
import { repoRoot, startTestServer, TEST_METRICS_TOKEN, type TestServer } from '../harness/server';

const cannotMount = mountUnavailable();
if (cannotMount) console.log(`[skip] storage trouble tests: ${cannotMount}`);

interface Health {
  status: number;
  body: { ok: boolean; down?: string[]; storage?: string; checks?: { dataDir: { ok: boolean; problem?: string; ageMs: number }; store: { ok: boolean; detail: string } } };
}

async function health(url: string, { detailed = false } = {}): Promise<Health> {
  const res = await fetch(`${url}/healthz`, { headers: detailed ? { authorization: `Bearer ${TEST_METRICS_TOKEN}` } : {} });
  return { status: res.status, body: (await res.json()) as Health['body'] };
}

async function apply(url: string, body: Record<string, unknown>): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const res = await fetch(`${url}/api/applications`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as never };
}

/** Polls until `check` holds, returning how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Math.round(performance.now() - started);
}

describe.skipIf(cannotMount !== undefined)('storage trouble is visible: /healthz, typed refusals, recovery', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const serve = async (mounted: Mounted): Promise<{ server: TestServer; vacancy: Vacancy; dataDir: string }> => {
    cleanups.push(() => mounted.release());
    const dataDir = path.join(mounted.dir, 'data');
    const server = await startTestServer({ DATA_DIR: dataDir, DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    cleanups.push(() => server.stop());
    const bureau = await bureauClient(server.url);
    const vacancy = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
    return { server, vacancy, dataDir };
  };

  test('a full disk (a size-limited tmpfs filled to ENOSPC) turns /healthz red naming disk-full and answers applies UNAVAILABLE naming it; freeing space brings both back by themselves', async () => {
    const { server, vacancy, dataDir } = await serve(mountTmpfs(16 * 1024 * 1024));
    expect((await apply(server.url, applyBody(vacancy.id))).status).toBe(202);
    expect(await health(server.url)).toEqual({ status: 200, body: { ok: true } });

    const filler = fillDisk(dataDir);
    const red = await within(3000, async () => (await health(server.url)).status === 503);
    console.log(`[measure] /healthz red ${red} ms after the disk filled (probe at most once a second)`);
    expect((await health(server.url)).body).toEqual({ ok: false, down: expect.arrayContaining(['disk']) as string[], storage: 'disk-full' });
    const detailed = (await health(server.url, { detailed: true })).body;
    expect(detailed.checks?.dataDir).toMatchObject({ ok: false, problem: 'disk-full' });
    expect(detailed.checks?.dataDir.ageMs).toBeLessThan(1500);

    const refusedBody = applyBody(vacancy.id);
    const refused = await apply(server.url, refusedBody);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'UNAVAILABLE' });
    expect(refused.body.error?.message).toMatch(/disk-full/);
    expect(refused.body.error?.message).not.toContain(dataDir);

    fs.rmSync(filler);
    const green = await within(3000, async () => (await health(server.url)).status === 200);
    console.log(`[measure] /healthz green ${green} ms after space was freed, with no write in between`);
    // The sheet's retry with the same key is stored now.
    expect((await apply(server.url, refusedBody)).status).toBe(202);
    const stored = await server.store.listApplications({ vacancyId: vacancy.id });
    expect(stored.map((a) => a.phone)).toContain(refusedBody.phone);
  }, 60_000);

  test('a disk that turns read-only under the running server (ext4 errors=remount-ro) turns /healthz red naming read-only and answers applies UNAVAILABLE naming it; reads go on', async () => {
    let disk: ReturnType<typeof mountExt4>;
    try {
      disk = mountExt4(32 * 1024 * 1024);
    } catch (error) {
      console.log(`[skip] read-only under a running server: no loop device or ext4 here (${(error as Error).message.split('\n')[0]})`);
      return;
    }
    const { server, vacancy } = await serve(disk);
    const before = applyBody(vacancy.id);
    expect((await apply(server.url, before)).status).toBe(202);

    disk.failDisk();
    await within(3000, async () => (await health(server.url)).status === 503);
    expect((await health(server.url)).body).toEqual({ ok: false, down: expect.arrayContaining(['disk']) as string[], storage: 'read-only' });
    const refused = await apply(server.url, applyBody(vacancy.id));
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'UNAVAILABLE' });
    // SQLite calls it a disk I/O error; the data directory's probe says what it is.
    expect(refused.body.error?.message).toMatch(/read-only.*EROFS/);
    expect((await server.store.listApplications({ vacancyId: vacancy.id })).map((a) => a.phone)).toContain(before.phone);
  }, 60_000);

  test('a probe answer is shared: /healthz asked 200 times in a burst writes at most a few probe files', async () => {
    const { server, dataDir } = await serve(mountTmpfs(16 * 1024 * 1024));
    const created: string[] = [];
    const watcher = fs.watch(dataDir, (_event: string, name: string | null) => {
      if (name?.startsWith('.probe-') && !created.includes(name)) created.push(name);
    });
    cleanups.push(() => watcher.close());
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 200 }, () => health(server.url)));
    const took = performance.now() - started;
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(created.length).toBeLessThanOrEqual(Math.ceil(took / 1000) + 1);
  }, 60_000);
});

/** Runs the server as `npm start` does, until it exits; what it printed on stderr and its exit code. */
async function startAndExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'server/src/main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', MEDIA_WORKERS: '1', RTC_PORT: '0', LOG_PRETTY: 'false', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, stderr };
}

/** The one line: no stack, no second line, no SQLite's own words. */
function expectOneLine(stderr: string, ...parts: RegExp[]): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toContain('unable to open database file');
  for (const part of parts) expect(lines[0]).toMatch(part);
}

describe('start-up refuses a data directory it cannot use, in one line', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });

  test.skipIf(cannotMount !== undefined)('a read-only data directory (a tmpfs remounted ro): says which directory, what is wrong and what to do, and exits non-zero', async () => {
    const mounted = mountTmpfs(1024 * 1024);
    cleanups.push(() => mounted.release());
    fs.mkdirSync(path.join(mounted.dir, 'data'));
    remountReadOnly(mounted.dir);
    for (const dataDir of [path.join(mounted.dir, 'data'), path.join(mounted.dir, 'not-yet-made')]) {
      const { code, stderr } = await startAndExit({ DATA_DIR: dataDir });
      expect(code).not.toBe(0);
      expectOneLine(stderr, new RegExp(`DATA_DIR ${dataDir} is read-only`), /\(EROFS\)/, /remount it read-write/);
    }
  }, 60_000);

  test.skipIf(cannotMount !== undefined)('a data directory on a full disk: one line saying so, exit non-zero', async () => {
    const mounted = mountTmpfs(1024 * 1024);
    cleanups.push(() => mounted.release());
    fillDisk(mounted.dir);
    const { code, stderr } = await startAndExit({ DATA_DIR: mounted.dir });
    expect(code).not.toBe(0);
    expectOneLine(stderr, new RegExp(`DATA_DIR ${mounted.dir} is on a full disk`), /\(ENOSPC\)/, /free space/);
  }, 60_000);

  test('a store file from a newer release: one line naming both versions, exit non-zero, the file untouched', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-newer-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const newer = MIGRATIONS.length + 1;
    const db = new Database(storeFile(dataDir));
    db.pragma(`user_version = ${newer}`);
    db.close();
    const { code, stderr } = await startAndExit({ DATA_DIR: dataDir });
    expect(code).not.toBe(0);
    expectOneLine(stderr, new RegExp(`schema version ${newer}, newer than this release knows \\(${MIGRATIONS.length}\\)`));
    const after = new Database(storeFile(dataDir), { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(newer);
    after.close();
  }, 60_000);
});
