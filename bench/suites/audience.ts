// The audience benchmark (issue 12): thousands of viewers joined the way the viewer page joins in
// HLS mode, on one real server process, while the host pins the next vacancy every 10 s and
// applications arrive over HTTP. Pin → receipt latency at the viewers and server memory per idle
// viewer, each against a bare socket.io server carrying the same sockets in the same run.
//
//   npm run bench -- audience            5,000 viewers from 4 generator processes (a few minutes)
//   BENCH_QUICK=1 npm run bench -- audience   200 viewers (seconds)
//   BENCH_CPU_PROF=dir                   writes the platform server's CPU profile into dir
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { apiClient, signInCookie } from '../../tests/harness/api';
import { spawnServer } from '../../tests/harness/serverProcess';
import { connect, request, requestOk, type TestSocket } from '../../tests/harness/socketClient';
import { fakeRtp } from '../../tests/harness/stage';
import { Generator, measurePins, openAudience, probeMemory, stopGenerators, type Audience, type Memory, type PinRun } from '../lib/audience';
import { percentile, progress, quick, ratioRow, report, type BenchRow } from '../lib/result';
import type { ApplicantReport } from '../load/applicants';

interface Run extends PinRun {
  perViewer: Memory;
  joinMs: number[];
}

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

    audience = await openAudience({ urls: [server.url], mode: 'app', sessionId: SESSION_ID, viewers: VIEWERS, generators: GENERATORS, memory: () => probeMemory(server.child, server.output) });

    applicants.tell({ type: 'start', url: server.url, sessionId: SESSION_ID, vacancyIds: lineup, perSecond: APPLIES_PER_SECOND });
    const hostSocket = host;
    const pins = await measurePins(audience, { pins: PINS, intervalMs: PIN_INTERVAL_MS, viewers: VIEWERS }, (k) => {
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
    return { ...pins, perViewer: audience.perViewer!, joinMs: audience.joinMs, applicants: applied };
  } finally {
    host?.close();
    await stopGenerators([...(audience?.generators ?? []), applicants]);
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
    audience = await openAudience({ urls: [url], mode: 'bare', sessionId: SESSION_ID, viewers: VIEWERS, generators: GENERATORS, memory: () => probeMemory(child, lines) });
    // The same number of bytes as the platform's pinned-vacancy event.
    const pad = 'x'.repeat(Math.max(0, payloadBytes - JSON.stringify({ seq: 0, pad: '' }).length));
    const hostSocket = host as unknown as { emit(event: string, payload: unknown): void };
    const pins = await measurePins(audience, { pins: PINS, intervalMs: BARE_INTERVAL_MS, viewers: VIEWERS }, (k) => {
      hostSocket.emit('pin', { seq: k, pad });
      return { key: String(k), done: Promise.resolve() };
    });
    return { ...pins, perViewer: audience.perViewer!, joinMs: audience.joinMs };
  } finally {
    host?.close();
    await stopGenerators(audience?.generators ?? []);
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
