// The job store at a province's scale, through the real server: 1,000 sessions, 10,000 vacancies and
// 1,000,000 applications seeded on each store (embedded SQLite, then Redis with appendfsync always)
// by the statistics suite's seeding (bench/load/seedStatistics.ts, the store's raw write path, in a
// process of its own), 100 employers so that one employer has 10,000 applicants. Then, against the
// server started on that store:
// - one employer's applicants through GET /api/applications, 50 a page, following `next` from the
//   first page to the 100th (the 5,000th applicant), each page's read timed, over repeats; and the
//   same employer narrowed by status (interviewing), its first and 20th page;
// - the CSV export of all 1,000,000 applications, its time and the server's peak RSS over the
//   export (VmHWM from /proc after resetting it through clear_refs; VmRSS sampled as well);
// - durable applies over HTTP from a separate process (bench/load/applies.ts, as durable-applies),
//   against the same server on a store with the same catalog and no applications.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ApplicationListPage } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../../tests/harness/api';
import { startRedis } from '../../tests/harness/redis';
import { spawnServer, type ServerProcess } from '../../tests/harness/serverProcess';
import { runLoad } from '../lib/child';
import { percentile, progress, quick, ratioRow, report, type BenchRow } from '../lib/result';
import type { AppliesInput, AppliesOutput } from '../load/applies';
import type { SeedInput, SeedOutput, SeedShape } from '../load/seedStatistics';

// The quick form (kept working by the test suite) walks the same 100 pages with 5 a page, so it
// seeds one employer with enough applicants for a 100th page (and a 5th at interview) and little
// else: the same checks in a fraction of the seeding, which was most of its time with 50 a page.
const shape: SeedShape = quick
  ? { campaignId: 'bench-campaign', sessions: 10, employers: 1, vacancies: 100, applications: 600, lineups: true }
  : { campaignId: 'bench-campaign', sessions: 1_000, employers: 100, vacancies: 10_000, applications: 1_000_000, lineups: true };
const PAGE = quick ? 5 : 50;
const DEEP_PAGE = 100;
const STATUS_PAGE = quick ? 5 : 20;
const walks = quick ? 1 : 20;
const burstMs = quick ? 1_000 : 10_000;
const rounds = quick ? 1 : 2;
const CONCURRENCY = 16;
const seedFile = new URL('../load/seedStatistics.ts', import.meta.url);
const appliesLoad = new URL('../load/applies.ts', import.meta.url);
const HOUR = 3_600_000;
const n = (x: number): string => x.toLocaleString('en');
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

// As durable-applies: the load comes from one address, faster than an applicant would.
const serverEnv = {
  LOG_LEVEL: 'info',
  APPLY_LIMIT_PER_BLOCK: '1000000',
  APPLY_LIMIT_PER_DEVICE: '1000000',
  DEVICE_TOKENS_PER_MINUTE: '100000',
  SOCKET_EVENTS_PER_SECOND: '100000',
  SOCKET_EVENT_BURST: '1000000',
};

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM). */
function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** Resets the process's peak RSS (VmHWM) to its RSS now; false where the kernel refuses. */
function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Walks `query`'s pages from the first, `walks` times; each page's read time (ms) by page number for the pages asked. */
async function pageTimes(client: Awaited<ReturnType<typeof bureauClient>>, query: string, pages: readonly number[]): Promise<Map<number, number[]>> {
  const times = new Map(pages.map((p) => [p, [] as number[]]));
  const last = Math.max(...pages);
  for (let walk = 0; walk < walks; walk += 1) {
    let cursor: string | null = '';
    for (let page = 1; page <= last; page += 1) {
      if (cursor === null) throw new Error(`${query}: the list ended before page ${page}`);
      const started = performance.now();
      const res: { status: number; body: ApplicationListPage } = await client.get<ApplicationListPage>(`/applications?${query}&limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`);
      const ms = performance.now() - started;
      if (res.status !== 200) throw new Error(`${query} page ${page}: ${res.status} ${JSON.stringify(res.body)}`);
      if (res.body.applications.length !== PAGE) throw new Error(`${query} page ${page}: ${res.body.applications.length} applications, not ${PAGE}`);
      times.get(page)?.push(ms);
      cursor = res.body.next;
    }
  }
  return times;
}

/** The full CSV export: its time, its rows, and the server's RSS growth over it (kB). */
async function csvExport(server: ServerProcess, client: Awaited<ReturnType<typeof bureauClient>>): Promise<{ ms: number; rows: number; bytes: number; peakGrowthKb: number; sampledGrowthKb: number; peakFromHwm: boolean }> {
  const pid = server.child.pid!;
  const before = procStatusKb(pid, 'VmRSS');
  const peakFromHwm = resetPeak(pid);
  let sampled = before;
  const sampler = setInterval(() => (sampled = Math.max(sampled, procStatusKb(pid, 'VmRSS'))), 50);
  const started = performance.now();
  let rows = 0;
  let bytes = 0;
  try {
    const res = await client.raw('/applications.csv');
    if (res.status !== 200 || !res.body) throw new Error(`GET /api/applications.csv: ${res.status}`);
    const reader = res.body.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      const chunk = read.value;
      bytes += chunk.length;
      // Each row ends with CRLF; no field holds a line feed here.
      for (const byte of chunk) if (byte === 10) rows += 1;
    }
  } finally {
    clearInterval(sampler);
  }
  const ms = performance.now() - started;
  sampled = Math.max(sampled, procStatusKb(pid, 'VmRSS'));
  const peak = peakFromHwm ? procStatusKb(pid, 'VmHWM') : sampled;
  return { ms, rows: rows - 1, bytes, peakGrowthKb: peak - before, sampledGrowthKb: sampled - before, peakFromHwm };
}

/** Durable applies/s over HTTP at CONCURRENCY into session s0's vacancies. */
async function applyRate(server: ServerProcess): Promise<{ rate: number; p99: number; refused: string }> {
  const vacancyIds = Array.from({ length: 10 }, (_, k) => `v${k}`);
  const result = await runLoad<AppliesInput, AppliesOutput>(appliesLoad, { url: server.url, vacancyIds, concurrency: CONCURRENCY, durationMs: burstMs, door: 'http', sessionId: 's0' });
  const refused = Object.entries(result.refused).map(([status, count]) => `${count}×${status}`).join(', ');
  return { rate: (result.latencies.length / result.elapsedMs) * 1000, p99: percentile(result.latencies, 99), refused };
}

interface StoreSetup {
  name: string;
  /** Seeds the store named by `which` and returns the server environment that uses it. */
  seed: (which: 'big' | 'empty', applications: number) => Promise<{ seededMs: number; env: Record<string, string> }>;
}

async function measure({ name, seed }: StoreSetup): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const scale = `${n(shape.applications)} applications`;
  progress(`${name}: seeding ${n(shape.sessions)} sessions, ${n(shape.vacancies)} vacancies, ${scale}; beside it the same catalog with no applications`);
  const [big, empty] = await Promise.all([seed('big', shape.applications), seed('empty', 0)]);
  progress(`${name}: seeded in ${(big.seededMs / 1000).toFixed(1)} s`);
  rows.push({ name: `${name}: seeding ${scale} through the raw write path`, value: round(big.seededMs / 1000), unit: 's' });

  const startedAt = performance.now();
  const [server, emptyServer] = await Promise.all([spawnServer(big.env), spawnServer(empty.env)]);
  progress(`${name}: the servers started on the seeded and the empty store in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  try {
    const client = await bureauClient(server.url);
    // One employer's applicants: e0 holds every application whose vacancy is a multiple of `employers`.
    const employerPages = await pageTimes(client, 'employerId=e0', [1, DEEP_PAGE]);
    const first = employerPages.get(1)!;
    const deep = employerPages.get(DEEP_PAGE)!;
    progress(`${name}: employer's page 1 p50 ${round(percentile(first, 50))} ms, page ${DEEP_PAGE} p50 ${round(percentile(deep, 50))} ms`);
    const statusPages = await pageTimes(client, 'employerId=e0&status=interviewing', [1, STATUS_PAGE]);
    const statusFirst = statusPages.get(1)!;
    const statusDeep = statusPages.get(STATUS_PAGE)!;
    progress(`${name}: interviewing, page 1 p50 ${round(percentile(statusFirst, 50))} ms, page ${STATUS_PAGE} p50 ${round(percentile(statusDeep, 50))} ms`);
    const over = `over ${walks} walks from the first page`;
    rows.push(
      { name: `${name}: an employer's applicants, first page of ${PAGE}, p50`, value: round(percentile(first, 50)), unit: 'ms', note: over },
      { name: `${name}: an employer's applicants, first page of ${PAGE}, p95`, value: round(percentile(first, 95)), unit: 'ms', note: over },
      ratioRow({ name: `${name}: an employer's applicants, page ${DEEP_PAGE} (following next), p50 (baseline: the first page)`, value: round(percentile(deep, 50)), unit: 'ms', baseline: round(percentile(first, 50)), target: '≤ 2×', note: over }, (r) => r <= 2),
      { name: `${name}: an employer's applicants, page ${DEEP_PAGE} (following next), p95`, value: round(percentile(deep, 95)), unit: 'ms', baseline: round(percentile(first, 95)), note: `${over}; baseline: the first page` },
      { name: `${name}: an employer's applicants at interview, first page, p50`, value: round(percentile(statusFirst, 50)), unit: 'ms', note: over },
      ratioRow({ name: `${name}: an employer's applicants at interview, page ${STATUS_PAGE}, p50 (baseline: their first page)`, value: round(percentile(statusDeep, 50)), unit: 'ms', baseline: round(percentile(statusFirst, 50)), target: '≤ 2×', note: over }, (r) => r <= 2),
    );

    const csv = await csvExport(server, client);
    progress(`${name}: CSV of ${n(csv.rows)} rows (${round(csv.bytes / 2 ** 20)} MiB) in ${round(csv.ms / 1000)} s; server RSS grew ${round(csv.peakGrowthKb / 1024)} MB at its peak (sampled ${round(csv.sampledGrowthKb / 1024)} MB)`);
    if (csv.rows !== shape.applications) throw new Error(`${name}: the CSV export has ${csv.rows} rows, not ${shape.applications}`);
    rows.push(
      { name: `${name}: CSV export of all ${scale} through the server`, value: csv.ms < 10_000 ? round(csv.ms) : round(csv.ms / 1000), unit: csv.ms < 10_000 ? 'ms' : 's', note: `${round(csv.bytes / 2 ** 20)} MiB` },
      {
        name: `${name}: CSV export of all ${scale}: the server's RSS growth at its peak`,
        value: round(csv.peakGrowthKb / 1024),
        unit: 'MB',
        target: '≤ 50 MB',
        pass: csv.peakGrowthKb / 1024 <= 50,
        note: csv.peakFromHwm ? `VmHWM over the export against VmRSS before it; VmRSS sampled every 50 ms grew ${round(csv.sampledGrowthKb / 1024)} MB` : 'VmRSS sampled every 50 ms (VmHWM could not be reset)',
      },
    );

    // The two servers side by side, measured in turn (`rounds` times each, the best of each kept):
    // a shared machine's noise falls on both.
    const loaded: number[] = [];
    const bare: number[] = [];
    const refused: string[] = [];
    for (let r = 0; r < rounds; r += 1) {
      const onBig = await applyRate(server);
      const onEmpty = await applyRate(emptyServer);
      progress(`${name}: applies/s c${CONCURRENCY}, with ${scale} ${Math.round(onBig.rate)} (p99 ${round(onBig.p99)} ms), on an empty store ${Math.round(onEmpty.rate)} (p99 ${round(onEmpty.p99)} ms)`);
      loaded.push(onBig.rate);
      bare.push(onEmpty.rate);
      refused.push(...[onBig.refused, onEmpty.refused].filter(Boolean));
    }
    rows.push(
      ratioRow(
        { name: `${name}: durable applies/s over HTTP c${CONCURRENCY} with ${scale} stored (baseline: the same server on an empty store)`, value: Math.round(Math.max(...loaded)), unit: 'apply/s', baseline: Math.round(Math.max(...bare)), target: '≥ 0.8×', note: `best of ${rounds} bursts of ${burstMs / 1000} s each, taken in turn${refused.length ? `; refused ${refused.join(', ')}` : ''}` },
        (r) => r >= 0.8,
      ),
    );
  } finally {
    await Promise.all([server.kill('SIGTERM'), emptyServer.kill('SIGTERM')]);
  }
  return rows;
}

// BENCH_SCALE_STORES=redis (or sqlite) runs one store alone: a full seeding of the embedded store
// takes half an hour or more on a shared machine, and a change to one store is measured on that one.
const stores = new Set((process.env.BENCH_SCALE_STORES ?? 'sqlite,redis').split(',').map((s) => s.trim()));
const rows: BenchRow[] = [];

/**
 * A store not measured in this run keeps its rows from the suite's last full result (latest.json),
 * each saying when it was measured, so the README's table still shows both stores.
 */
function earlierRows(name: string): BenchRow[] {
  if (quick) return [];
  const latest = path.join(process.env.BENCH_RESULTS_DIR ?? path.join(import.meta.dirname, '..', 'results'), 'latest.json');
  try {
    const recorded = (JSON.parse(fs.readFileSync(latest, 'utf8')) as Array<{ suite: string; finishedAt: string; rows: BenchRow[] }>).find((r) => r.suite === 'store-scale');
    if (!recorded) return [];
    const when = `measured ${recorded.finishedAt.slice(0, 10)} in an earlier run`;
    return recorded.rows
      .filter((r) => r.name.startsWith(`${name}:`))
      .map((r) => ({ ...r, note: r.note?.includes('in an earlier run') ? r.note : r.note ? `${r.note}; ${when}` : when }));
  } catch {
    return [];
  }
}
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-bench-scale-'));
try {
  if (stores.has('sqlite')) {
    rows.push(
      ...(await measure({
        name: 'embedded (SQLite)',
        async seed(which, applications) {
          const dataDir = path.join(scratch, `sqlite-${which}`);
          const { seededMs } = await runLoad<SeedInput, SeedOutput>(seedFile, { kind: 'sqlite', dataDir, ...shape, applications }, { timeoutMs: HOUR });
          return { seededMs, env: { ...serverEnv, DATA_DIR: dataDir } };
        },
      })),
    );
  } else {
    rows.push(...earlierRows('embedded (SQLite)'));
  }
  if (stores.has('redis')) {
    const redises = { big: await startRedis(), empty: await startRedis() };
    try {
      rows.push(
        ...(await measure({
          name: 'Redis',
          async seed(which, applications) {
            const redis = redises[which];
            // The server's own prefix: it serves what was seeded.
            const { seededMs } = await runLoad<SeedInput, SeedOutput>(seedFile, { kind: 'redis', url: redis.url, prefix: 'cf:', ...shape, applications }, { timeoutMs: HOUR });
            return { seededMs, env: { ...serverEnv, DATA_DIR: path.join(scratch, `redis-${which}`), REDIS_URL: redis.url } };
          },
        })),
      );
    } finally {
      await Promise.all([redises.big.stop(), redises.empty.stop()]);
    }
  } else {
    rows.push(...earlierRows('Redis'));
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
report({ suite: 'store-scale', title: `The job store at a province's scale through the server: ${n(shape.sessions)} sessions, ${n(shape.vacancies)} vacancies, ${n(shape.applications)} applications`, rows });
