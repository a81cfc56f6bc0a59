// The cluster benchmark (issue 13): pin → receipt latency at thousands of viewers spread over three
// nodes on one Redis, against the same viewers on one node with the same adapter, and both against a
// bare socket.io cluster (no application, the same Redis streams adapter) of the same two shapes.
//
//   npm run bench -- cluster                 6,000 viewers from 6 generator processes (many minutes)
//   BENCH_QUICK=1 npm run bench -- cluster   150 viewers from 3 (a minute or two)
//   BENCH_CLUSTER_VIEWERS=1000               another audience size (rounded to the generators)
//
// Every shape gets the same viewers from the same generator processes: generator g connects to node
// g % nodes directly (not through nginx), so the viewers are spread exactly evenly. The host is on
// the first node, which holds the stage; a pin reaches the viewers of the other nodes over the bus.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { apiClient, signInCookie } from '../../tests/harness/api';
import { startCluster, type TestCluster } from '../../tests/harness/cluster';
import { startRedis, type TestRedis } from '../../tests/harness/redis';
import { connect, request, requestOk, type TestSocket } from '../../tests/harness/socketClient';
import { fakeRtp } from '../../tests/harness/stage';
import { measurePins, openAudience, stopGenerators, type Audience, type PinRun } from '../lib/audience';
import { percentile, progress, quick, ratioRow, report, type BenchRow } from '../lib/result';

const NODES = 3;
/** A multiple of NODES: each node gets the same number of generators, so the same number of viewers. */
const GENERATORS = quick ? 3 : 6;
const PER_GENERATOR = Math.ceil((quick ? 150 : Number(process.env.BENCH_CLUSTER_VIEWERS ?? 6000)) / GENERATORS);
const VIEWERS = PER_GENERATOR * GENERATORS;
/** Pins measured after one warm-up pin. */
const PINS = quick ? 3 : 10;
/** Each viewer reports its card as shown 2–5 s after receiving it: at 6 s those reports are done before the next pin. */
const PIN_INTERVAL_MS = quick ? 1500 : 6000;
/** The bare servers have nothing else to do between broadcasts: a shorter wait loses nothing. */
const BARE_INTERVAL_MS = quick ? 500 : 2000;
const SESSION_ID = 'demo';
/** The share of the viewers that must join for a shape's pins to be measured. */
const ENOUGH = 0.99;

const benchDir = path.resolve(import.meta.dirname, '..');

/** One shape measured: who joined where and, when enough did, the pins. */
interface Shape {
  /** Viewers joined on each node (in node order; the first holds the stage). */
  joinedPerNode: number[];
  failures: string[];
  joinMs: number[];
  pins?: PinRun & { perNode: number[][] };
}

const joined = (shape: Shape): number => shape.joinedPerNode.reduce((a, b) => a + b, 0);

/**
 * Opens the audience over `urls`, and measures `pin` at it if at least ENOUGH of it joined. With
 * `reportJoins` a shape short of viewers is returned without pins (its join row says why); without, it throws.
 */
async function audienceAndPins(label: string, urls: string[], mode: 'app' | 'bare', { intervalMs, reportJoins }: { intervalMs: number; reportJoins: boolean }, pin: (k: number) => { key: string; done: Promise<unknown> }): Promise<Shape> {
  let audience: Audience | undefined;
  try {
    audience = await openAudience({ urls, mode, sessionId: SESSION_ID, viewers: VIEWERS, generators: GENERATORS, required: reportJoins ? 0 : ENOUGH });
    const joinedPerNode = urls.map((_, node) => audience!.joinedBy.reduce((sum, n, g) => sum + (g % urls.length === node ? n : 0), 0));
    const shape: Shape = { joinedPerNode, failures: audience.failures, joinMs: audience.joinMs };
    if (joined(shape) < VIEWERS * ENOUGH) {
      // Said loudly and reported as a row that fails: never latencies of the few who got in.
      progress(`${label}: only ${joined(shape)} of ${VIEWERS} viewers joined (per node: ${joinedPerNode.join(', ')}): ${audience.failures.join('; ') || 'no reason given'}; its pins are not measured`);
      return shape;
    }
    const run = await measurePins(audience, { pins: PINS, intervalMs, viewers: joined(shape) }, pin);
    const perNode = urls.map((_, node) => run.byGenerator.filter((_l, g) => g % urls.length === node).flat());
    return { ...shape, pins: { ...run, perNode } };
  } finally {
    await stopGenerators(audience?.generators ?? []);
  }
}

/** The platform on `size` nodes sharing one Redis (the first alone seeds the demo data), the host live on the first. */
async function runPlatform(size: number): Promise<Shape> {
  progress(`platform, ${size} node${size > 1 ? 's' : ''} on one Redis: ${VIEWERS} viewers in HLS mode (${VIEWERS / size} per node), a pin every ${PIN_INTERVAL_MS / 1000} s`);
  let cluster: TestCluster | undefined;
  let host: TestSocket | undefined;
  try {
    cluster = await startCluster({ size, env: { MEDIA_WORKERS: '1' } });
    const owner = cluster.nodes[0]!;
    const bureau = apiClient(owner.url, undefined, { cookie: await signInCookie(owner.url) });
    const link = await bureau.post<{ token: string }>(`/sessions/${SESSION_ID}/host-link`);
    host = await connect(owner.url);
    await requestOk(host, 'stage:join', { sessionId: SESSION_ID, role: 'host', token: link.body.token });
    const send = await requestOk(host, 'transport:create', { direction: 'send' });
    for (const [kind, ssrc] of [['video', 1111], ['audio', 2222]] as const) {
      await requestOk(host, 'producer:create', { transportId: send.id, kind, rtpParameters: fakeRtp(kind, ssrc), source: kind === 'video' ? 'camera' : 'microphone' });
    }
    const lineup = (await apiClient(owner.url).get<{ vacancies: Array<{ id: string }> }>(`/public/sessions/${SESSION_ID}`)).body.vacancies.map((v) => v.id);
    if (lineup.length < 2) throw new Error('the demo session has no lineup to pin');
    const hostSocket = host;
    return await audienceAndPins(`platform, ${size} nodes`, cluster.nodes.map((n) => n.url), 'app', { intervalMs: PIN_INTERVAL_MS, reportJoins: true }, (k) => {
      const vacancyId = lineup[k % lineup.length]!;
      // An overloaded node may answer late or not at all: the receipts are measured whatever the host hears.
      const done = request(hostSocket, 'vacancy:pin', { vacancyId }, 60_000).then(
        (ack) => !ack.ok && progress(`  the pin was refused: ${ack.error.code}`),
        (error: unknown) => progress(`  the pin was not acknowledged: ${String(error)}`),
      );
      return { key: vacancyId, done };
    });
  } finally {
    host?.close();
    await cluster?.stop();
  }
}

/** One bare socket.io node (bench/load/bareSocketServer.ts) on the Redis streams adapter. */
async function bareNode(redisUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(path.join(benchDir, 'load/bareSocketServer.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, BARE_REDIS_URL: redisUrl }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`the bare node exited (${String(code)}) before listening`)));
  });
  return { child, url };
}

/** The same shape with bare socket.io nodes on their own Redis (configured as the platform's), the host's socket on the first. */
async function runBare(size: number, payloadBytes: number): Promise<Shape> {
  progress(`bare socket.io, ${size} node${size > 1 ? 's' : ''} on one Redis (streams adapter): the same ${VIEWERS} sockets, a ${payloadBytes}-byte broadcast`);
  let redis: TestRedis | undefined;
  const children: ChildProcess[] = [];
  let host: TestSocket | undefined;
  try {
    redis = await startRedis();
    const redisUrl = redis.url;
    const nodes = await Promise.all(Array.from({ length: size }, () => bareNode(redisUrl)));
    children.push(...nodes.map((n) => n.child));
    host = await connect(nodes[0]!.url);
    // The same number of bytes as the platform's pinned-vacancy event.
    const pad = 'x'.repeat(Math.max(0, payloadBytes - JSON.stringify({ seq: 0, pad: '' }).length));
    const hostSocket = host as unknown as { emit(event: string, payload: unknown): void };
    return await audienceAndPins(`bare, ${size} nodes`, nodes.map((n) => n.url), 'bare', { intervalMs: BARE_INTERVAL_MS, reportJoins: false }, (k) => {
      hostSocket.emit('pin', { seq: k, pad });
      return { key: String(k), done: Promise.resolve() };
    });
  } finally {
    host?.close();
    for (const child of children) child.kill('SIGKILL');
    await redis?.stop();
  }
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const at = (values: number[], p: number): number => round(percentile(values, p));
/** The smallest and largest of some milliseconds, as `12–340 ms`. */
const spread = (values: number[]): string => {
  const measured = values.filter(Number.isFinite);
  return measured.length === 0 ? 'none' : `${Math.round(Math.min(...measured))}–${Math.round(Math.max(...measured))} ms`;
};
const perNode = (shape: Shape): string => shape.joinedPerNode.map((n, i) => `node ${i + 1}${i === 0 ? ' (stage)' : ''}: ${n}`).join(', ');

/** The latency rows of one platform shape against the bare shape of the same size. */
function latencyRows(label: string, platform: Shape, bare: Shape): BenchRow[] {
  if (!platform.pins || !bare.pins) return [];
  const [p, b] = [platform.pins, bare.pins];
  return [
    ratioRow({ name: `${label}: pin → receipt p50`, value: at(p.latencies, 50), unit: 'ms', baseline: at(b.latencies, 50) }),
    ratioRow({ name: `${label}: pin → receipt p95`, value: at(p.latencies, 95), unit: 'ms', baseline: at(b.latencies, 95), note: `each pin's own p95: ${spread(p.pinP95)}; bare ${spread(b.pinP95)}` }),
    ratioRow({ name: `${label}: pin → receipt p99`, value: at(p.latencies, 99), unit: 'ms', baseline: at(b.latencies, 99) }),
    { name: `${label}: pins missed by a viewer`, value: p.missed, unit: 'receipts', baseline: b.missed, note: `${PINS} pins × ${joined(platform)} viewers` },
  ];
}

/** Whether every viewer of a platform shape joined, and where: a row that fails when they did not. */
function joinRow(label: string, shape: Shape): BenchRow {
  const all = joined(shape) === VIEWERS;
  const reasons = [...new Set(shape.failures.map((f) => f.replace(/^retried: /, '')))];
  const why = reasons.length > 0 ? `; failures: ${reasons.join('; ')}` : '';
  const skipped = shape.pins ? '' : '; pins not measured';
  return { name: `${label}: viewers joined`, value: joined(shape), unit: 'viewers', target: `all ${VIEWERS}`, pass: all, note: `${perNode(shape)}${why}${skipped}` };
}

async function main(): Promise<void> {
  const one = await runPlatform(1);
  const three = await runPlatform(NODES);
  const bytes = one.pins?.bytes || three.pins?.bytes || 710;
  const bareOne = await runBare(1, bytes);
  const bareThree = await runBare(NODES, bytes);
  const rows: BenchRow[] = [
    joinRow('platform, 1 node', one),
    joinRow(`platform, ${NODES} nodes`, three),
    ...latencyRows('1 node', one, bareOne),
    ...latencyRows(`${NODES} nodes`, three, bareThree),
  ];
  if (one.pins && three.pins) {
    const target = '≤ 1.3×';
    rows.push(ratioRow({ name: `platform: pin → receipt p95, ${NODES} nodes (baseline: 1 node)`, value: at(three.pins.latencies, 95), unit: 'ms', baseline: at(one.pins.latencies, 95), target }, (r) => r <= 1.3));
    const [stage, ...others] = three.pins.perNode;
    rows.push(ratioRow({ name: `platform, ${NODES} nodes: p95 at the other nodes' viewers (baseline: the stage node's)`, value: at(others.flat(), 95), unit: 'ms', baseline: at(stage!, 95) }));
    rows.push(ratioRow({ name: `platform: join p95, ${NODES} nodes (baseline: 1 node)`, value: at(three.joinMs, 95), unit: 'ms', baseline: at(one.joinMs, 95), note: 'device, page data, socket, stage:join, chat, questions' }));
  }
  if (bareOne.pins && bareThree.pins) {
    rows.push(ratioRow({ name: `bare socket.io: pin → receipt p95, ${NODES} nodes (baseline: 1 node)`, value: at(bareThree.pins.latencies, 95), unit: 'ms', baseline: at(bareOne.pins.latencies, 95), note: 'what the adapter\'s hop costs with no application' }));
    const [stage, ...others] = bareThree.pins.perNode;
    rows.push(ratioRow({ name: `bare socket.io, ${NODES} nodes: p95 at the other nodes' sockets (baseline: the broadcasting node's)`, value: at(others.flat(), 95), unit: 'ms', baseline: at(stage!, 95) }));
  }
  report({
    suite: 'cluster',
    title: `${VIEWERS.toLocaleString('en')} HLS-mode viewers on 1 node vs spread evenly over ${NODES} nodes (one Redis, the Redis streams adapter, 1 media worker each, HLS encoder off), a pin every ${PIN_INTERVAL_MS / 1000} s; the bare baseline is socket.io with the same adapter; ${bytes}-byte pin`,
    rows,
  });
}

await main();
