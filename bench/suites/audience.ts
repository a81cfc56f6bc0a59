// The audience benchmark (issue 12): thousands of viewers joined the way the viewer page joins in
// HLS mode, on one real server process, while the host pins the next vacancy every 10 s and
// applications arrive over HTTP. Pin → receipt latency at the viewers and server memory per idle
// viewer, each against a bare socket.io server carrying the same sockets in the same run.
//
//   npm run bench -- audience            5,000 viewers from 4 generator processes (a few minutes)
//   BENCH_QUICK=1 npm run bench -- audience   200 viewers (seconds)
//   BENCH_CPU_PROF=dir                   writes the platform server's CPU profile into dir
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { apiClient, signInCookie } from '../../tests/harness/api';
import { spawnServer } from '../../tests/harness/serverProcess';
import { connect, request, requestOk, type TestSocket } from '../../tests/harness/socketClient';
import { fakeRtp } from '../../tests/harness/stage';
import { clockOffset, sleep, wallNow } from '../lib/clock';
import { percentile, progress, quick, ratioRow, report, type BenchRow } from '../lib/result';
import type { ApplicantCommand, ApplicantReport } from '../load/applicants';
import type { ViewerCommand, ViewerMode, ViewerReport } from '../load/audienceViewers';

const VIEWERS = quick ? 200 : Number(process.env.BENCH_AUDIENCE_VIEWERS ?? 5000);
const GENERATORS = quick ? 2 : 4;
/** Pins measured after one warm-up pin. */
const PINS = quick ? 2 : 10;
const PIN_INTERVAL_MS = quick ? 1500 : 10_000;
/** The bare server has nothing else to do between broadcasts: a shorter wait loses nothing. */
const BARE_INTERVAL_MS = quick ? 500 : 2000;
const APPLIES_PER_SECOND = 50;
const SESSION_ID = 'demo';

const benchDir = path.resolve(import.meta.dirname, '..');
const probeImport = `--import=${pathToFileURL(path.join(benchDir, 'lib/memoryProbe.mjs')).href}`;

interface Memory {
  rss: number;
  heapUsed: number;
}

/** Asks a process that loaded memoryProbe.mjs for its memory after a full GC. */
async function probeMemory(child: ChildProcess, lines: string[]): Promise<Memory> {
  const from = lines.length;
  child.kill('SIGUSR2');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const line of lines.slice(from)) {
      if (!line.includes('"memory probe"')) continue;
      const { rss, heapUsed } = JSON.parse(line) as Memory;
      return { rss, heapUsed };
    }
    await sleep(50);
  }
  throw new Error('no memory probe answer within 30 s');
}

/** One load generator process, spoken to over IPC. */
class Generator {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<string, { resolve: (report: never) => void; reject: (error: Error) => void }>();
  offset = 0;

  constructor(script: string) {
    this.#child = fork(path.join(benchDir, 'load', script), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (report: { type: string }) => {
      const waiter = this.#waiting.get(report.type);
      this.#waiting.delete(report.type);
      waiter?.resolve(report as never);
    });
    // A generator that dies fails the run instead of leaving it waiting for ever.
    this.#child.once('exit', (code, signal) => {
      for (const waiter of this.#waiting.values()) waiter.reject(new Error(`load generator ${script} exited (${code ?? signal}) before answering`));
      this.#waiting.clear();
    });
  }

  tell(command: ViewerCommand | ApplicantCommand): void {
    this.#child.send(command);
  }

  ask<R extends { type: string }>(command: ViewerCommand | ApplicantCommand, reply: R['type']): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#waiting.set(reply, { resolve: resolve, reject });
      this.#child.send(command, (error) => error && reject(error));
    });
  }

  async syncClock(): Promise<void> {
    this.offset = await clockOffset(async () => (await this.ask<Extract<ViewerReport, { type: 'clock' }>>({ type: 'clock' }, 'clock')).now);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const gone = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill('SIGKILL');
    await gone;
  }
}

interface Audience {
  generators: Generator[];
  joinMs: number[];
  perViewer: Memory;
}

/**
 * Opens the audience in two halves and measures the server's memory after each (after GC): what
 * the second half added, per viewer, is the cost of one more viewer. The first half also pays the
 * process's one-time growth under load (V8's young generation, compiled code, caches), which the
 * full delta would spread over the viewers.
 */
async function openAudience(url: string, mode: ViewerMode, memory: () => Promise<Memory>): Promise<Audience> {
  const generators = Array.from({ length: GENERATORS }, () => new Generator('audienceViewers.ts'));
  const perGenerator = Math.ceil(VIEWERS / GENERATORS);
  const half = Math.floor(perGenerator / 2);
  const joinMs: number[] = [];
  const open = async (from: number, count: number): Promise<number> => {
    const started = performance.now();
    const ready = await Promise.all(
      generators.map((g, generator) =>
        g.ask<Extract<ViewerReport, { type: 'ready' }>>({ type: 'start', url, mode, sessionId: SESSION_ID, from, count, generator, concurrency: 10 }, 'ready'),
      ),
    );
    const joined = ready.reduce((n, r) => n + r.joined, 0);
    const failures = ready.flatMap((r) => r.failures);
    joinMs.push(...ready.flatMap((r) => r.joinMs));
    progress(`  ${joined} ${mode} viewers joined in ${((performance.now() - started) / 1000).toFixed(1)} s${failures.length ? `; failures: ${failures.join('; ')}` : ''}`);
    if (joined < count * GENERATORS * 0.99) throw new Error(`only ${joined} of ${count * GENERATORS} viewers joined: ${failures.join('; ')}`);
    // Let the roster updates of the arrivals go out before the memory is read.
    await sleep(3000);
    return joined;
  };
  await open(0, half);
  const before = await memory();
  const added = await open(half, perGenerator - half);
  const after = await memory();
  for (const g of generators) await g.syncClock();
  progress(`  generator clocks: ${generators.map((g) => `${g.offset.toFixed(2)} ms`).join(', ')}`);
  return { generators, joinMs, perViewer: { rss: (after.rss - before.rss) / added, heapUsed: (after.heapUsed - before.heapUsed) / added } };
}

/** Every receipt of the pin keyed `key` since the last collect, as latencies from `sentAt`. */
async function collect(audience: Audience, key: string, sentAt: number): Promise<{ latencies: number[]; bytes: number }> {
  const reports = await Promise.all(audience.generators.map((g) => g.ask<Extract<ViewerReport, { type: 'receipts' }>>({ type: 'collect' }, 'receipts').then((r) => ({ r, g }))));
  const latencies = reports.flatMap(({ r, g }) => (r.receipts[key] ?? []).map((t) => t - g.offset - sentAt));
  return { latencies, bytes: Math.max(...reports.map(({ r }) => r.bytes)) };
}

interface Run {
  latencies: number[];
  missed: number;
  perViewer: Memory;
  joinMs: number[];
  bytes: number;
}

/** Measures pins of `pin()` at `intervalMs`, the first one a warm-up. */
async function measurePins(audience: Audience, intervalMs: number, pin: (k: number) => { key: string; done: Promise<unknown> }): Promise<Omit<Run, 'perViewer' | 'joinMs'>> {
  const latencies: number[] = [];
  let missed = 0;
  let bytes = 0;
  for (let k = 0; k <= PINS; k += 1) {
    const sentAt = wallNow();
    const { key, done } = pin(k);
    await done;
    await sleep(intervalMs);
    const got = await collect(audience, key, sentAt);
    bytes = Math.max(bytes, got.bytes);
    progress(`  pin ${k}${k === 0 ? ' (warm-up)' : ''}: ${got.latencies.length} receipts, p50 ${percentile(got.latencies, 50).toFixed(0)} ms, p95 ${percentile(got.latencies, 95).toFixed(0)} ms, max ${percentile(got.latencies, 100).toFixed(0)} ms`);
    if (k === 0) continue;
    latencies.push(...got.latencies);
    missed += Math.max(0, VIEWERS - got.latencies.length);
  }
  return { latencies, missed, bytes };
}

async function runPlatform(dataDir: string): Promise<Run & { applicants: ApplicantReport }> {
  progress(`platform: ${VIEWERS} viewers in HLS mode, a pin every ${PIN_INTERVAL_MS / 1000} s, ${APPLIES_PER_SECOND} applications/s`);
  const profile = process.env.BENCH_CPU_PROF ? ` --import=${pathToFileURL(path.join(benchDir, 'lib/cpuProfile.mjs')).href}` : '';
  const server = await spawnServer({
    DATA_DIR: dataDir,
    DEMO_DATA: 'true',
    MEDIA_WORKERS: '1',
    // The HLS encoder is a per-session cost, the same for 10 viewers or 10,000 (the HLS suites
    // measure serving it); this run measures what each viewer's socket costs.
    HLS_ENABLED: 'false',
    // Behind a proxy on this host, as in production: viewers are spread over many address blocks.
    TRUST_PROXY: 'loopback',
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${probeImport}${profile}`.trim(),
  });
  const applicants = new Generator('applicants.ts');
  let audience: Audience | undefined;
  let host: TestSocket | undefined;
  try {
    const bureau = apiClient(server.url, undefined, { cookie: await signInCookie(server.url) });
    const link = await bureau.post<{ token: string }>(`/sessions/${SESSION_ID}/host-link`);
    host = await connect(server.url);
    await requestOk(host, 'stage:join', { sessionId: SESSION_ID, role: 'host', token: link.body.token });
    const send = await requestOk(host, 'transport:create', { direction: 'send' });
    for (const [kind, ssrc] of [['video', 1111], ['audio', 2222]] as const) {
      await requestOk(host, 'producer:create', { transportId: send.id, kind, rtpParameters: fakeRtp(kind, ssrc), source: kind === 'video' ? 'camera' : 'microphone' });
    }
    const lineup = (await apiClient(server.url).get<{ vacancies: Array<{ id: string }> }>(`/public/sessions/${SESSION_ID}`)).body.vacancies.map((v) => v.id);
    if (lineup.length < 2) throw new Error('the demo session has no lineup to pin');

    audience = await openAudience(server.url, 'app', () => probeMemory(server.child, server.output));

    applicants.tell({ type: 'start', url: server.url, sessionId: SESSION_ID, vacancyIds: lineup, perSecond: APPLIES_PER_SECOND });
    const hostSocket = host;
    const pins = await measurePins(audience, PIN_INTERVAL_MS, (k) => {
      // The host moves to the next vacancy of the lineup, as the studio's pin button does.
      const vacancyId = lineup[k % lineup.length]!;
      // An overloaded server may answer late or not at all: the receipts are measured whatever the host hears.
      const done = request(hostSocket, 'vacancy:pin', { vacancyId }, 60_000).then(
        (ack) => !ack.ok && progress(`  the pin was refused: ${ack.error.code}`),
        (error: unknown) => progress(`  the pin was not acknowledged: ${String(error)}`),
      );
      return { key: vacancyId, done };
    });
    const applied = await applicants.ask<ApplicantReport>({ type: 'stop' }, 'stopped');
    return { ...pins, perViewer: audience.perViewer, joinMs: audience.joinMs, applicants: applied };
  } finally {
    host?.close();
    await Promise.all([...(audience?.generators ?? []), applicants].map((g) => g.stop()));
    await server.kill('SIGTERM');
  }
}

async function runBare(payloadBytes: number): Promise<Run> {
  progress(`bare socket.io: the same ${VIEWERS} sockets, a ${payloadBytes}-byte broadcast`);
  const lines: string[] = [];
  const child = fork(path.join(benchDir, 'load/bareSocketServer.ts'), [], { execArgv: ['--import', 'tsx', probeImport], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  readline.createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  let audience: Audience | undefined;
  let host: TestSocket | undefined;
  try {
    const url = await new Promise<string>((resolve) => child.once('message', (m: { url: string }) => resolve(m.url)));
    host = await connect(url);
    audience = await openAudience(url, 'bare', () => probeMemory(child, lines));
    // The same number of bytes as the platform's pinned-vacancy event.
    const pad = 'x'.repeat(Math.max(0, payloadBytes - JSON.stringify({ seq: 0, pad: '' }).length));
    const hostSocket = host as unknown as { emit(event: string, payload: unknown): void };
    const pins = await measurePins(audience, BARE_INTERVAL_MS, (k) => {
      hostSocket.emit('pin', { seq: k, pad });
      return { key: String(k), done: Promise.resolve() };
    });
    return { ...pins, perViewer: audience.perViewer, joinMs: audience.joinMs };
  } finally {
    host?.close();
    await Promise.all((audience?.generators ?? []).map((g) => g.stop()));
    child.kill('SIGKILL');
  }
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const kB = (bytes: number): number => round(bytes / 1024);

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-bench-audience-'));
  try {
    const platform = await runPlatform(dataDir);
    const bare = await runBare(platform.bytes);
    const at = (run: Run, p: number): number => round(percentile(run.latencies, p));
    const rows: BenchRow[] = [
      ratioRow({ name: 'pin → receipt p50', value: at(platform, 50), unit: 'ms', baseline: at(bare, 50) }),
      ratioRow({ name: 'pin → receipt p95', value: at(platform, 95), unit: 'ms', baseline: at(bare, 95), target: '≤ 1.3×' }, (r) => r <= 1.3),
      ratioRow({ name: 'pin → receipt p99', value: at(platform, 99), unit: 'ms', baseline: at(bare, 99) }),
      { name: 'pins missed by a viewer', value: platform.missed, unit: 'receipts', baseline: bare.missed, note: `${PINS} pins × ${VIEWERS} viewers` },
      // A hundred viewers move RSS less than the allocator's own steps: judged on the full run only.
      ratioRow({ name: 'server RSS per idle viewer (after GC, second half)', value: kB(platform.perViewer.rss), unit: 'kB', baseline: kB(bare.perViewer.rss), target: '≤ 20 kB' }, quick ? undefined : () => platform.perViewer.rss / 1024 <= 20),
      ratioRow({ name: 'server heap per idle viewer (after GC, second half)', value: kB(platform.perViewer.heapUsed), unit: 'kB', baseline: kB(bare.perViewer.heapUsed) }),
      ratioRow({ name: 'join (device, page data, socket, stage:join, chat, questions) p95', value: round(percentile(platform.joinMs, 95)), unit: 'ms', baseline: round(percentile(bare.joinMs, 95)), note: 'bare: socket only' }),
      {
        name: 'applications accepted during the pins',
        value: round((platform.applicants.byStatus['202'] ?? 0) / platform.applicants.seconds),
        unit: 'req/s',
        note: `${platform.applicants.sent} sent: ${Object.entries(platform.applicants.byStatus).map(([s, n]) => `${n}× ${s}`).join(', ')}; p95 ${round(percentile(platform.applicants.latencyMs, 95))} ms`,
      },
    ];
    report({
      suite: 'audience',
      title: `${VIEWERS.toLocaleString('en')} HLS-mode viewers on one node (embedded store, 1 media worker, HLS encoder off), a pin every ${PIN_INTERVAL_MS / 1000} s, ${APPLIES_PER_SECOND} applications/s; ${platform.bytes}-byte pin`,
      rows,
    });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
