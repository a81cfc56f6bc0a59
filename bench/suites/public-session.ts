/**
 * GET /api/public/sessions/:id (every viewer page load) on the real server, against a bare express
 * handler answering the same bytes, measured side by side in one run. The server runs as its own
 * process with a realistic fair (8 employers, 40 vacancies, 3 policy cards, a vacancy pinned on a
 * live stage); load comes from another process (bench/load/httpLoad.ts, keep-alive connections);
 * CPU per request is read from each server process's /proc stat.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawnServer } from '../../tests/harness/serverProcess';
import { connect, requestOk } from '../../tests/harness/socketClient';
import { seedFair } from '../lib/fair';
import { percentile, progress, quick, ratioRow, report, type BenchRow } from '../lib/result';

const benchDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const CONNECTIONS = quick ? 10 : 50;
const SECONDS = quick ? 1.5 : 8;
const ROUNDS = quick ? 1 : 3;

interface LoadResult {
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  latencyMs: { p50: number; p99: number };
}

function load(url: string, headers: Record<string, string> = {}, seconds = SECONDS): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(benchDir, 'load/httpLoad.ts'), JSON.stringify({ url, connections: CONNECTIONS, seconds, headers })], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited with ${String(code)}`))));
  });
}

/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

async function startBare(bodyFile: string, etag: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(benchDir, 'load/bareServer.ts'), bodyFile, etag], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => readline.createInterface({ input: child.stdout }).once('line', (line) => resolve(Number(line))));
  return { child, port };
}

async function measure(url: string, pid: number, headers: Record<string, string> = {}): Promise<{ rps: number; cpuPerRequest: number; p99: number; statuses: Record<string, number> }> {
  const cpu0 = cpuMs(pid);
  const result = await load(url, headers);
  const cpu = cpuMs(pid) - cpu0;
  if (result.errors > 0) progress(`  ${result.errors} connection errors`);
  return { rps: result.requests / result.seconds, cpuPerRequest: cpu / Math.max(1, result.requests), p99: result.latencyMs.p99, statuses: result.statuses };
}

const median = (values: number[]): number => percentile(values, 50);

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-bench-public-'));
  progress('starting the server (own process)');
  const server = await spawnServer({ DATA_DIR: dataDir, HLS_ENABLED: 'false', LOG_LEVEL: 'info' });
  let bare: { child: ChildProcess; port: number } | undefined;
  try {
    progress('registering a fair: 8 employers, 40 vacancies, 3 policy cards');
    const fair = await seedFair(server.url);
    const link = await fair.bureau.post<{ token: string }>(`/sessions/${fair.sessionId}/host-link`);
    const host = await connect(server.url);
    await requestOk(host, 'stage:join', { sessionId: fair.sessionId, role: 'host', token: link.body.token });
    await requestOk(host, 'vacancy:pin', { vacancyId: fair.vacancyIds[7]! });
    await requestOk(host, 'policy:pin', { policyId: fair.policyIds[0]! });

    const docUrl = `${server.url}/api/public/sessions/${fair.sessionId}`;
    const first = await fetch(docUrl);
    const body = Buffer.from(await first.arrayBuffer());
    const etag = first.headers.get('etag') ?? '"none"';
    progress(`document: ${body.length} bytes, ETag ${etag}`);
    const bodyFile = path.join(dataDir, 'document.json');
    fs.writeFileSync(bodyFile, body);
    bare = await startBare(bodyFile, etag);
    const bareUrl = `http://127.0.0.1:${bare.port}/api/public/sessions/${fair.sessionId}`;
    const check = Buffer.from(await (await fetch(bareUrl)).arrayBuffer());
    if (!check.equals(body)) throw new Error('the bare handler does not serve the same bytes');

    progress('warming up both');
    await load(docUrl, {}, 1);
    await load(bareUrl, {}, 1);
    const real: Array<Awaited<ReturnType<typeof measure>>> = [];
    const base: Array<Awaited<ReturnType<typeof measure>>> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternated, so both see the same background load of this shared machine.
      real.push(await measure(docUrl, server.child.pid!));
      base.push(await measure(bareUrl, bare.child.pid!));
      progress(`round ${round}/${ROUNDS}: server ${real.at(-1)!.rps.toFixed(0)} req/s, bare ${base.at(-1)!.rps.toFixed(0)} req/s (${JSON.stringify(real.at(-1)!.statuses)})`);
    }
    const revalidated = await measure(docUrl, server.child.pid!, { 'If-None-Match': etag });
    progress(`revalidation (304): ${revalidated.rps.toFixed(0)} req/s ${JSON.stringify(revalidated.statuses)}`);
    host.close();

    const round2 = (n: number): number => Math.round(n * 100) / 100;
    const rows: BenchRow[] = [
      ratioRow(
        { name: `GET public session document (${body.length} B), ${CONNECTIONS} keep-alive connections`, value: Math.round(median(real.map((r) => r.rps))), unit: 'req/s', baseline: Math.round(median(base.map((r) => r.rps))), target: '≥ 0.5×', note: `median of ${ROUNDS} × ${SECONDS} s, alternated with the bare express handler` },
        (ratio) => ratio >= 0.5,
      ),
      ratioRow({ name: 'server CPU per document request', value: round2(median(real.map((r) => r.cpuPerRequest))), unit: 'ms', baseline: round2(median(base.map((r) => r.cpuPerRequest))), note: 'user + system time of the server process / requests answered' }),
      ratioRow({ name: 'document request latency p99', value: round2(median(real.map((r) => r.p99))), unit: 'ms', baseline: round2(median(base.map((r) => r.p99))) }),
      { name: 'revalidation with If-None-Match (304)', value: Math.round(revalidated.rps), unit: 'req/s', note: `CPU ${round2(revalidated.cpuPerRequest)} ms per request` },
    ];
    report({ suite: 'public-session', title: 'The public session document: req/s against a bare handler serving the same bytes', rows });
  } finally {
    bare?.child.kill('SIGTERM');
    await server.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
