// Durable applications through the real server (embedded SQLite store, then Redis with appendfsync
// always), at concurrency 16 and 64, against the raw store doing the same durable writes in the same
// run; the server's event-loop lag during the burst; and a pin's broadcast time during the burst
// against the same pins when quiet. Beside them, the floor of this machine: a bare node:http +
// socket.io server doing the same durable writes (bench/load/bareDurableServer.ts) under the same
// load, so a target the bare server cannot meet here either is told apart from the platform's cost.
// Each burst runs through both doors: HTTP (POST /api/applications) and the viewer page's socket
// (`application:submit`, each applicant on one socket.io connection with a device token), with the
// server's event-loop CPU per apply (its main thread, from /proc) for each.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../../tests/harness/api';
import { startRedis } from '../../tests/harness/redis';
import { TEST_METRICS_TOKEN } from '../../tests/harness/server';
import { spawnServer, type ServerProcess } from '../../tests/harness/serverProcess';
import { runLoad } from '../lib/child';
import { PinProbe } from '../lib/pinProbe';
import { percentile, progress, quick, ratioRow, report, type BenchRow } from '../lib/result';
import { mainThreadCpuMs } from '../lib/threadCpu';
import type { AppliesInput, AppliesOutput, ApplyDoor } from '../load/applies';
import type { BareDurableInput } from '../load/bareDurableServer';
import type { RawStoreInput, RawStoreOutput } from '../load/rawStore';

// The quick form (run by the test suite to keep the suite working) measures one concurrency.
const CONCURRENCY = quick ? ([16] as const) : ([16, 64] as const);
const burstMs = quick ? 1_200 : 10_000;
const quietPins = quick ? 5 : 30;
const PIN_INTERVAL_MS = 200;
const appliesLoad = new URL('../load/applies.ts', import.meta.url);
const rawLoad = new URL('../load/rawStore.ts', import.meta.url);
const bareServerFile = new URL('../load/bareDurableServer.ts', import.meta.url);

/** Starts the bare durable server as its own process; resolves with its URL and a way to stop it. */
async function startBare(input: BareDurableInput): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child: ChildProcess = fork(bareServerFile, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    void exited.then(() => reject(new Error('the bare durable server exited at start')));
    child.send(input);
  });
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Pins every PIN_INTERVAL_MS during a burst of applies against `url` through `door`; the burst's
 * result, the pins' receipt times, and the main-thread CPU (ms) of process `pid` per acknowledged apply.
 */
async function burstWithPins(url: string, vacancyIds: string[], concurrency: number, probe: PinProbe, { door, pid, devices = true }: { door: ApplyDoor; pid: number; devices?: boolean }): Promise<{ result: AppliesOutput; pins: number[]; cpuMsPerApply: number }> {
  const before = mainThreadCpuMs(pid);
  const burst = runLoad<AppliesInput, AppliesOutput>(appliesLoad, { url, vacancyIds, concurrency, durationMs: burstMs, door, devices });
  const pins = await probe.pinUntil(burst, PIN_INTERVAL_MS);
  const result = await burst;
  return { result, pins, cpuMsPerApply: (mainThreadCpuMs(pid) - before) / Math.max(1, result.latencies.length) };
}

async function quietPinTimes(probe: PinProbe): Promise<number[]> {
  const quiet: number[] = [];
  for (let i = 0; i < quietPins; i += 1) {
    quiet.push(...(await probe.pin()));
    await new Promise((resolve) => setTimeout(resolve, PIN_INTERVAL_MS));
  }
  return quiet;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** The server's event-loop delay percentiles since the previous scrape (prom-client resets them). */
async function eventLoopLag(url: string): Promise<{ p50: number; p99: number }> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text();
  const value = (name: string): number => Number(new RegExp(`^chunfeng_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000;
  return { p50: value('p50'), p99: value('p99') };
}

// The raw store runs `concurrency` callers as the server does (on SQLite through the store's own
// group-committing writer thread); `serial` is a reference: one transaction and fsync per apply.
async function measureStore(store: 'embedded' | 'redis', server: ServerProcess, bare: { url: string; pid: number }, raw: (concurrency: number) => RawStoreInput, serial?: (concurrency: number) => RawStoreInput): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const bureau = await bureauClient(server.url);
  const vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
  const vacancyIds = vacancies.map((v) => v.id);
  const probe = await PinProbe.open({ url: server.url, sessionId: 'demo', vacancyIds: [vacancyIds[0]!, vacancyIds[1]!] });
  const bareProbe = await PinProbe.bare({ url: bare.url });
  const serverPid = server.child.pid!;
  try {
    await eventLoopLag(server.url);
    const quietPinP95 = percentile(await quietPinTimes(probe), 95);
    const quietLag = await eventLoopLag(server.url);
    const bareQuietPinP95 = percentile(await quietPinTimes(bareProbe), 95);
    progress(`${store}: quiet pin p95 ${round(quietPinP95)} ms (bare server ${round(bareQuietPinP95)} ms), event-loop lag p50 ${round(quietLag.p50)} / p99 ${round(quietLag.p99)} ms`);

    for (const concurrency of CONCURRENCY) {
      const baseline = await runLoad<RawStoreInput, RawStoreOutput>(rawLoad, raw(concurrency));
      const rawRate = (baseline.latencies.length / baseline.elapsedMs) * 1000;
      progress(`${store} c${concurrency}: raw store ${Math.round(rawRate)}/s, p99 ${round(percentile(baseline.latencies, 99))} ms`);
      const reference = serial ? await runLoad<RawStoreInput, RawStoreOutput>(rawLoad, serial(concurrency)) : undefined;
      const serialRate = reference ? (reference.latencies.length / reference.elapsedMs) * 1000 : undefined;
      if (serialRate !== undefined) progress(`${store} c${concurrency}: raw store, one fsync per apply ${Math.round(serialRate)}/s`);

      const label = `${store} c${concurrency}`;
      for (const door of ['http', 'socket'] as const) {
        const bareRun = await burstWithPins(bare.url, vacancyIds, concurrency, bareProbe, { door, pid: bare.pid, devices: false });
        const bareRate = (bareRun.result.latencies.length / bareRun.result.elapsedMs) * 1000;
        progress(`${label} ${door}: bare server ${Math.round(bareRate)}/s p99 ${round(percentile(bareRun.result.latencies, 99))} ms; pin p95 ${round(percentile(bareRun.pins, 95))} ms; ${round(bareRun.cpuMsPerApply, 3)} ms event-loop CPU per apply`);

        await eventLoopLag(server.url);
        const { result, pins, cpuMsPerApply } = await burstWithPins(server.url, vacancyIds, concurrency, probe, { door, pid: serverPid });
        const lag = await eventLoopLag(server.url);
        const rate = (result.latencies.length / result.elapsedMs) * 1000;
        const p50 = percentile(result.latencies, 50);
        const p99 = percentile(result.latencies, 99);
        const refused = Object.entries(result.refused).map(([status, n]) => `${n}×${status}`).join(', ');
        progress(`${label} ${door}: server ${Math.round(rate)}/s p50 ${round(p50)} p99 ${round(p99)} ms; lag p50 ${round(lag.p50)} p99 ${round(lag.p99)} ms; pin p95 ${round(percentile(pins, 95))} ms; ${round(cpuMsPerApply, 3)} ms event-loop CPU per apply${refused ? `; refused ${refused}` : ''}`);

        if (door === 'http') {
          rows.push(
            ratioRow({ name: `${label}: durable applies/s (vs raw store)`, value: Math.round(rate), unit: 'apply/s', baseline: Math.round(rawRate), target: '≥ 0.5×', ...(refused ? { note: `refused ${refused}` } : {}) }, (r) => r >= 0.5),
            ...(serialRate === undefined ? [] : [{ name: `${label}: raw store, one transaction and fsync per apply (reference)`, value: Math.round(serialRate), unit: 'apply/s' }]),
            ratioRow({ name: `${label}: bare node:http server, same store, same load: applies/s (vs raw store; the floor here)`, value: Math.round(bareRate), unit: 'apply/s', baseline: Math.round(rawRate) }),
            ratioRow({ name: `${label}: durable applies/s, the platform vs the bare server`, value: Math.round(rate), unit: 'apply/s', baseline: Math.round(bareRate) }),
            { name: `${label}: bare server: apply latency p99`, value: round(percentile(bareRun.result.latencies, 99)), unit: 'ms' },
            { name: `${label}: apply latency p50`, value: round(p50), unit: 'ms', baseline: round(percentile(baseline.latencies, 50)) },
            { name: `${label}: apply latency p99`, value: round(p99), unit: 'ms', baseline: round(percentile(baseline.latencies, 99)), target: '≤ 50 ms', pass: p99 <= 50 },
            { name: `${label}: server event-loop lag p50 during the burst`, value: round(lag.p50), unit: 'ms', baseline: round(quietLag.p50), note: 'baseline: quiet' },
            { name: `${label}: server event-loop lag p99 during the burst`, value: round(lag.p99), unit: 'ms', baseline: round(quietLag.p99), note: 'baseline: quiet' },
            ratioRow({ name: `${label}: pin broadcast p95 during the burst (vs quiet)`, value: round(percentile(pins, 95)), unit: 'ms', baseline: round(quietPinP95), target: '≤ 2×' }, (r) => r <= 2),
            ratioRow({ name: `${label}: bare server: pin broadcast p95 during its burst (vs its quiet)`, value: round(percentile(bareRun.pins, 95)), unit: 'ms', baseline: round(bareQuietPinP95) }),
            { name: `${label}: server event-loop CPU per apply over HTTP (vs the bare node:http server)`, value: round(cpuMsPerApply, 3), unit: 'ms', baseline: round(bareRun.cpuMsPerApply, 3) },
          );
        } else {
          const door_ = `${label}: socket door (the page's)`;
          rows.push(
            ratioRow({ name: `${door_}: durable applies/s (vs raw store)`, value: Math.round(rate), unit: 'apply/s', baseline: Math.round(rawRate), target: '≥ 0.5×', ...(refused ? { note: `refused ${refused}` } : {}) }, (r) => r >= 0.5),
            ratioRow({ name: `${door_}: bare socket.io server, same store, same load: applies/s (vs raw store; the floor here)`, value: Math.round(bareRate), unit: 'apply/s', baseline: Math.round(rawRate) }),
            ratioRow({ name: `${door_}: durable applies/s, the platform vs the bare server`, value: Math.round(rate), unit: 'apply/s', baseline: Math.round(bareRate) }),
            { name: `${door_}: apply latency p50`, value: round(p50), unit: 'ms', baseline: round(percentile(baseline.latencies, 50)) },
            { name: `${door_}: apply latency p99`, value: round(p99), unit: 'ms', baseline: round(percentile(baseline.latencies, 99)), target: '≤ 50 ms', pass: p99 <= 50 },
            { name: `${door_}: server event-loop lag p99 during the burst`, value: round(lag.p99), unit: 'ms', baseline: round(quietLag.p99), note: 'baseline: quiet' },
            ratioRow({ name: `${door_}: pin broadcast p95 during the burst (vs quiet)`, value: round(percentile(pins, 95)), unit: 'ms', baseline: round(quietPinP95), target: '≤ 2×' }, (r) => r <= 2),
            { name: `${door_}: server event-loop CPU per apply (vs the bare socket.io server)`, value: round(cpuMsPerApply, 3), unit: 'ms', baseline: round(bareRun.cpuMsPerApply, 3) },
          );
        }
      }
    }
  } finally {
    probe.close();
    bareProbe.close();
  }
  return rows;
}

// The load comes from one address, each socket applicant sends many applies from one device, and
// faster than a page's event allowance: those limits are lifted, so what is measured is the path.
const serverEnv = {
  DEMO_DATA: 'true',
  LOG_LEVEL: 'info',
  METRICS_TOKEN: TEST_METRICS_TOKEN,
  APPLY_LIMIT_PER_BLOCK: '1000000',
  APPLY_LIMIT_PER_DEVICE: '1000000',
  DEVICE_TOKENS_PER_MINUTE: '100000',
  SOCKET_EVENTS_PER_SECOND: '100000',
  SOCKET_EVENT_BURST: '1000000',
};
const rows: BenchRow[] = [];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-bench-durable-'));
try {
  progress('embedded store (SQLite)');
  const embedded = await spawnServer({ ...serverEnv, DATA_DIR: path.join(scratch, 'server') });
  fs.mkdirSync(path.join(scratch, 'bare'));
  const bare = await startBare({ kind: 'sqlite', dataDir: path.join(scratch, 'bare') });
  try {
    rows.push(...(await measureStore('embedded', embedded, bare, (concurrency) => ({ kind: 'sqlite', dataDir: path.join(scratch, `raw-${concurrency}`), concurrency, durationMs: burstMs }),
      // The one-fsync-per-apply reference is left out of the quick form (it keeps the suite working; it measures nothing).
      quick ? undefined : (concurrency) => ({ kind: 'sqlite-serial', dataDir: path.join(scratch, `raw-serial-${concurrency}`), concurrency, durationMs: burstMs }),
    )));
  } finally {
    await Promise.all([embedded.kill('SIGTERM'), bare.stop()]);
  }

  progress('Redis store (appendonly yes, appendfsync always)');
  const redis = await startRedis();
  try {
    const server = await spawnServer({ ...serverEnv, DATA_DIR: path.join(scratch, 'server-redis'), REDIS_URL: redis.url });
    const bareRedis = await startBare({ kind: 'redis', url: redis.url, prefix: 'bare:' });
    try {
      rows.push(...(await measureStore('redis', server, bareRedis, (concurrency) => ({ kind: 'redis', url: redis.url, prefix: `raw${concurrency}:`, concurrency, durationMs: burstMs }))));
    } finally {
      await Promise.all([server.kill('SIGTERM'), bareRedis.stop()]);
    }
  } finally {
    await redis.stop();
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

report({ suite: 'durable-applies', title: 'Durable applications through the server vs the raw store; event-loop lag and pin broadcast during the burst', rows });
