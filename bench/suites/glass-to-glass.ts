/**
 * WebRTC glass-to-glass latency with the clock pattern (bench/lib/glassClock.ts): a host goes live
 * from the real studio page in Chromium, its camera replaced by a picture of the wall clock, and a
 * viewer page watching over WebRTC reads the clock off every frame it presents. Measured idle, then
 * with a media fan-out (bench/load/fanout.ts, its own process and mediasoup worker) keeping the
 * stage worker's core ~80% busy: both workers are pinned to that one core. Target: loaded ÷ idle ≤ 1.2.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../lib/clock';
import { CLOCK_CAMERA_SCRIPT, clockReaderScript, type ClockReadings } from '../lib/glassClock';
import type { Page } from 'playwright-core';
import { percentile, progress, quick, ratioRow, report, type BenchRow } from '../lib/result';
import { signInCookie, apiClient } from '../../tests/harness/api';
import { launchBrowser, type TestBrowser } from '../../tests/harness/browser';
import { spawnServer, type ServerProcess } from '../../tests/harness/serverProcess';

const SESSION = 'demo';
/** How long each latency window lasts. */
const WINDOW_MS = quick ? 4000 : 15_000;
/** The fan-out's share of the shared core while loaded. */
const TARGET_CPU = 0.8;
/** The quick form does not ramp: a small fixed fan-out. */
const QUICK_CONSUMERS = 20;
/** The core the stage worker and the fan-out's worker share (the last one). */
const CORE = os.availableParallelism() - 1;
/** The viewer's tile of the host (one person on stage: one tile). */
const TILE_VIDEO = 'figure.tile video';
const MIN_READ_SHARE = 0.5;

const benchDir = path.resolve(import.meta.dirname, '..');

// ── the fan-out load (bench/load/fanout.ts), spoken to over IPC ──

type FanoutCommand = { type: 'consumers'; count: number } | { type: 'pin'; core: number } | { type: 'measure'; ms: number } | { type: 'stop' };
type FanoutReport = { type: 'ready'; workerPid: number } | { type: 'measured'; consumers: number; workerCpu: number; lossPct: number; sinkDropsPct: number };
type Measured = Extract<FanoutReport, { type: 'measured' }>;

class Fanout {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<string, { resolve: (r: FanoutReport) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<Extract<FanoutReport, { type: 'ready' }>>;

  constructor() {
    // Its stdout goes to stderr: this process's stdout is the result when run by hand.
    this.#child = fork(path.join(benchDir, 'load/fanout.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 2, 'inherit', 'ipc'] });
    this.ready = this.#next('ready') as Promise<Extract<FanoutReport, { type: 'ready' }>>;
    this.#child.on('message', (r: FanoutReport) => {
      const waiter = this.#waiting.get(r.type);
      this.#waiting.delete(r.type);
      waiter?.resolve(r);
    });
    this.#child.once('exit', (code, signal) => {
      for (const w of this.#waiting.values()) w.reject(new Error(`the fan-out exited (${code ?? signal}) before answering`));
      this.#waiting.clear();
    });
  }

  #next(type: FanoutReport['type']): Promise<FanoutReport> {
    return new Promise((resolve, reject) => this.#waiting.set(type, { resolve, reject }));
  }

  tell(command: FanoutCommand): void {
    this.#child.send(command);
  }

  async measure(ms: number): Promise<Measured> {
    const answer = this.#next('measured');
    this.tell({ type: 'measure', ms });
    return (await answer) as Measured;
  }

  /** Sets the consumer count, lets it settle and measures, until the worker is within ±4 points of `target`. */
  async rampTo(target: number, { start = 50, max = 5000, rounds = 6, settleMs = 1000, measureMs = 2000 } = {}): Promise<Measured> {
    let count = start;
    let last: Measured | undefined;
    for (let round = 0; round < rounds; round += 1) {
      this.tell({ type: 'consumers', count });
      await sleep(settleMs);
      last = await this.measure(measureMs);
      progress(`  fan-out: ${last.consumers} consumers → worker ${(last.workerCpu * 100).toFixed(0)}% of a core`);
      if (Math.abs(last.workerCpu - target) <= 0.04) break;
      // Proportional, at most doubling a step (the first measurements of a small count are noisy).
      const next = Math.round(count * Math.min(2, target / Math.max(last.workerCpu, 0.01)));
      count = Math.max(1, Math.min(max, next));
    }
    return last!;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const gone = new Promise((resolve) => this.#child.once('exit', resolve));
    try {
      this.tell({ type: 'stop' });
    } catch {
      // the channel is already closed
    }
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

// ── CPU from /proc ──

const TICK_MS = 10;

/** User + system CPU milliseconds of a process (all its threads). */
function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** Busy and total jiffies of one core. */
function coreTicks(core: number): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `));
  if (!line) throw new Error(`no cpu${core} in /proc/stat`);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** The mediasoup workers the server process started. */
function mediaWorkers(serverPid: number): number[] {
  const children = fs.readFileSync(`/proc/${serverPid}/task/${serverPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return children.filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('mediasoup-work');
    } catch {
      return false;
    }
  });
}

const pin = (pid: number, core: number): void => {
  execFileSync('taskset', ['-acp', String(core), String(pid)], { stdio: 'ignore' });
};

// ── the run ──

/**
 * Polls a JavaScript expression on the page until it is true. (waitForFunction evaluates a string
 * with eval, which the platform's CSP refuses; page.evaluate goes through DevTools.)
 */
async function until(page: Page, expression: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

interface Window {
  readings: ClockReadings;
  p50: number;
  p95: number;
  readShare: number;
  stageWorkerCpu: number;
  coreBusy: number;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-bench-g2g-'));
let server: ServerProcess | undefined;
let browser: TestBrowser | undefined;
let fanout: Fanout | undefined;

async function cleanup(): Promise<void> {
  await fanout?.stop().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await server?.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
// The runner stops a suite that overruns with SIGTERM: nothing is left behind then either.
process.once('SIGTERM', () => void cleanup().finally(() => process.exit(1)));

try {
  progress('starting the server (one media worker) and Chromium');
  server = await spawnServer({ DATA_DIR: dataDir, DEMO_DATA: 'true', MEDIA_WORKERS: '1', HLS_ENABLED: 'false' });
  browser = await launchBrowser();
  const [stageWorker] = mediaWorkers(server.child.pid!);
  if (stageWorker === undefined) throw new Error('the server has no mediasoup worker');
  pin(stageWorker, CORE);

  const bureau = apiClient(server.url, undefined, { cookie: await signInCookie(server.url) });
  const link = await bureau.post<{ path: string }>(`/sessions/${SESSION}/host-link`);
  if (link.status !== 200) throw new Error(`host link: ${link.status} ${JSON.stringify(link.body)}`);

  progress('the host goes live from the studio with the clock as its camera');
  const host = await browser.open(`${server.url}${link.body.path}`, { viewport: { width: 1366, height: 900 }, initScript: CLOCK_CAMERA_SCRIPT });
  await host.page.locator('video').first().waitFor();
  await host.page.getByRole('button', { name: '开始直播' }).click();
  await host.page.getByRole('status').filter({ hasText: '直播中' }).waitFor({ timeout: 20_000 });

  progress('a viewer watches over WebRTC (top layer)');
  const viewer = await browser.open(`${server.url}/watch/${SESSION}?mode=webrtc&quality=high`);
  await until(viewer.page, `(document.querySelector(${JSON.stringify(TILE_VIDEO)})?.videoWidth ?? 0) > 0`, 30_000, 'the host on the viewer page');
  await viewer.page.evaluate(clockReaderScript(TILE_VIDEO));
  // The send side's bandwidth estimate climbs to the top layer's bitrate; the jitter buffer settles.
  await sleep(quick ? 2000 : 5000);
  await viewer.page.evaluate('window.chunfengG2g.take()');

  const measureWindow = async (label: string): Promise<Window> => {
    const cpu0 = processCpuMs(stageWorker);
    const core0 = coreTicks(CORE);
    const started = performance.now();
    await sleep(WINDOW_MS);
    const readings = await viewer.page.evaluate<ClockReadings>('window.chunfengG2g.take()');
    const seconds = (performance.now() - started) / 1000;
    const core1 = coreTicks(CORE);
    const w: Window = {
      readings,
      p50: percentile(readings.latencies, 50),
      p95: percentile(readings.latencies, 95),
      readShare: readings.frames === 0 ? 0 : readings.latencies.length / readings.frames,
      stageWorkerCpu: (processCpuMs(stageWorker) - cpu0) / 1000 / seconds,
      coreBusy: (core1.busy - core0.busy) / Math.max(1, core1.total - core0.total),
    };
    progress(
      `  ${label}: p50 ${w.p50.toFixed(0)} ms, p95 ${w.p95.toFixed(0)} ms from ${readings.latencies.length} of ${readings.frames} frames` +
        ` (${readings.unreadable} unreadable, ${readings.implausible} implausible); stage worker ${(w.stageWorkerCpu * 100).toFixed(1)}%, core ${CORE} ${(w.coreBusy * 100).toFixed(0)}% busy`,
    );
    if (readings.frames < (WINDOW_MS / 1000) * 5) throw new Error(`${label}: only ${readings.frames} frames presented in ${seconds.toFixed(1)} s`);
    if (w.readShare < MIN_READ_SHARE) throw new Error(`${label}: the clock read on only ${(w.readShare * 100).toFixed(0)}% of the frames`);
    if (!(w.p50 > 0 && w.p95 < 5000)) throw new Error(`${label}: latencies out of range (p50 ${w.p50}, p95 ${w.p95})`);
    return w;
  };

  progress(`idle: ${WINDOW_MS / 1000} s with the stage worker alone on core ${CORE}`);
  const idle = await measureWindow('idle');

  progress(`starting the fan-out, its worker pinned to core ${CORE}`);
  fanout = new Fanout();
  const { workerPid } = await fanout.ready;
  fanout.tell({ type: 'pin', core: CORE });
  const ramped = quick ? (fanout.tell({ type: 'consumers', count: QUICK_CONSUMERS }), await sleep(1000), await fanout.measure(1000)) : await fanout.rampTo(TARGET_CPU);
  progress(`loaded: ${WINDOW_MS / 1000} s with ${ramped.consumers} fan-out consumers (worker ${workerPid}) on core ${CORE}`);
  const [loaded, during] = await Promise.all([measureWindow('loaded'), fanout.measure(WINDOW_MS)]);
  await fanout.stop();

  const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
  const passes = (r: number): boolean => r <= 1.2;
  const reads = (w: Window): string => `${w.readings.latencies.length} of ${w.readings.frames} frames read`;
  const load = `fan-out ${during.consumers} consumers at ${pct(during.workerCpu)} of core ${CORE} (loss ${during.lossPct.toFixed(1)}%, sink drops ${during.sinkDropsPct.toFixed(1)}%); core ${pct(loaded.coreBusy)} busy; stage worker ${pct(loaded.stageWorkerCpu)}`;
  const rows: BenchRow[] = [
    { name: 'glass-to-glass p50, idle', value: Math.round(idle.p50), unit: 'ms', note: `${reads(idle)}; core ${CORE} ${pct(idle.coreBusy)} busy` },
    { name: 'glass-to-glass p95, idle', value: Math.round(idle.p95), unit: 'ms' },
    ratioRow({ name: 'glass-to-glass p50, fan-out on the core (baseline: idle)', value: Math.round(loaded.p50), unit: 'ms', baseline: Math.round(idle.p50), target: '≤ 1.2×', note: `${load}; ${reads(loaded)}` }, passes),
    ratioRow({ name: 'glass-to-glass p95, fan-out on the core (baseline: idle)', value: Math.round(loaded.p95), unit: 'ms', baseline: Math.round(idle.p95), target: '≤ 1.2×' }, passes),
    { name: 'frames whose clock read, idle / loaded', value: Math.round(Math.min(idle.readShare, loaded.readShare) * 1000) / 10, unit: '%', note: `idle ${pct(idle.readShare)}, loaded ${pct(loaded.readShare)}` },
  ];
  report({ suite: 'glass-to-glass', title: `WebRTC glass-to-glass latency (clock pattern, 640×360 at 30 fps, ${WINDOW_MS / 1000}-s windows): idle and with a media fan-out on the stage worker's core`, rows });
} finally {
  await cleanup();
}
