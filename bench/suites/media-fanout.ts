/**
 * Video consumers per media worker core, and relay scaling, with real media (issue 14's first two
 * benchmarks). One 720p simulcast VP8 publisher (three layers, a recording replayed in real time:
 * bench/lib/rtpRecording.ts) and N consumers, each a PlainTransport with SRTP sending to UDP sinks in
 * another process that count every consumer's packets (stand-ins for browsers; bench/lib/fanout.ts).
 *
 * - Capacity: the worker pinned to the last core (the load processes on the others); N stepped up
 *   until the loss the worker causes reaches 0.5 % (loss at the sinks' own sockets is counted apart)
 *   or the worker is at 95 % of its core. The platform — its WorkerPool, the stage's codecs, producer
 *   and consumer options as mediaPeer.ts sets them — then bare mediasoup (createWorker() with its
 *   defaults, the same codecs, plain producer and consumers, in bench/load/fanout.ts's process), one
 *   after the other. The workers and the publisher run at nice −10 where allowed (this machine is
 *   shared: see prioritize in bench/lib/fanout.ts). Consumers per core = the largest N under 0.5 % loss ÷ the worker's share of its
 *   core there (the machine is shared: a worker given half a core carries about half).
 * - Relay scaling: the platform with 1, 2 and 3 workers, the publisher on the first, each other
 *   worker an edge router fed through the edge relay (edgeRelay.ts: a PipeTransport pair with SRTP,
 *   as between nodes, over 127.0.0.1), consumers spread evenly over the routers; then 2 workers with
 *   the edge owned by another process (bench/load/fanoutEdge.ts: the platform's pool and edge relay),
 *   as another node would hold it (full form only). Worker i is pinned to core (last − i), round the
 *   cores: on a 2-core machine the second worker shares its core with the load processes, and a third
 *   shares the first's, so the ratios there are bounded by the machine (each row says how busy the
 *   cores were and how long the workers waited for one).
 *
 * A step whose sinks dropped ≥ 5 % in the kernel is no evidence either way (the sinks, not the worker,
 * were the limit) and ends the ramp like a failed one. Each step: the consumers added (each starts at
 * the publisher's next keyframe, ≤ 2 s), then a 5-s window (1.5 s in the quick form).
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { types } from 'mediasoup';
import { mediaCodecs } from '../../server/src/media/codecs';
import { connectPipe, EdgeRelay, openPipe, pipeEnd, RelayedProducer } from '../../server/src/media/edgeRelay';
import { WorkerPool } from '../../server/src/media/workerPool';
import { createLogger } from '../../server/src/logger';
import { FanoutLoad, FanoutRig, mergeWindows, PLATFORM_STYLE, type FanoutWindow } from '../lib/fanout';
import { closePool, IpcChild, pinProcess, prioritize } from '../lib/processes';
import type { EdgeCommand, EdgeReport } from '../load/fanoutEdge';
import { progress as say, quick, ratioRow, report, type BenchRow } from '../lib/result';

const LOSS_LIMIT_PCT = 0.5;
const CPU_LIMIT = 0.95;
/** Beyond this the sinks, not the worker, are what is measured. */
const SINK_DROPS_LIMIT_PCT = 5;
const STEPS = quick ? [20, 60] : [50, 100, 200, 400, 700, 1000, 1500, 2200, 3000];
const WINDOW_MS = quick ? 1500 : 5000;
const WORKER_COUNTS = quick ? [1, 2] : [1, 2, 3];
const LIVEKIT_PER_CORE = 204;
const begun = Date.now();
/** Progress, with the seconds since the suite started. */
const progress = (message: string): void => say(`${((Date.now() - begun) / 1000).toFixed(1)} s  ${message}`);

const repoBench = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cores = os.availableParallelism();
const lastCore = cores - 1;
const otherCores = cores > 1 ? Array.from({ length: cores - 1 }, (_, i) => i) : [0];

interface Step {
  n: number;
  window: FanoutWindow;
  ok: boolean;
}

interface Ramp {
  steps: Step[];
  /** The largest N under the loss limit. */
  best: Step | undefined;
  /** Why the ramp stopped. */
  stop: string;
  /** It stopped at its last step, under every limit: its N is a lower bound. */
  unbounded: boolean;
}

const pct = (x: number): string => `${x.toFixed(2)} %`;
const cpuText = (w: FanoutWindow): string => w.workerCpu.map((c) => `${Math.round(c * 100)} %`).join(' + ');
const coresText = (w: FanoutWindow): string =>
  `waited for a core ${w.workerWait.map((c) => `${Math.round(c * 100)} %`).join(' + ')} of the time, cores busy ${w.coreBusy.map((c) => `${Math.round(c * 100)} %`).join(' / ')}`;

/**
 * Steps N up through STEPS until a step fails (the worker's loss ≥ 0.5 %, or a consumer silent), the
 * worker is at 95 % of its core, or the sinks drop too much; in the full form then tries once between
 * the last good step and the failed one.
 */
async function ramp(label: string, set: (n: number) => Promise<void>, measure: () => Promise<FanoutWindow>): Promise<Ramp> {
  const steps: Step[] = [];
  const run = async (n: number): Promise<Step> => {
    await set(n);
    const window = await measure();
    // Past SINK_DROPS_LIMIT_PCT the sinks hide what the worker delivered: the step proves nothing.
    const ok = window.workerLossPct < LOSS_LIMIT_PCT && window.silent === 0 && window.sinkDropsPct < SINK_DROPS_LIMIT_PCT;
    progress(
      `${label}: ${n} consumers: worker CPU ${cpuText(window)}, loss ${pct(window.lossPct)} (worker ${pct(window.workerLossPct)}, sinks ${pct(window.sinkDropsPct)}; worker inbound drops ${window.workerInboundDrops}), silent ${window.silent}, ${Math.round(window.packetsPerSecond)} pkt/s, ${coresText(window)}${ok ? '' : ' — over the limit'}`,
    );
    const step = { n, window, ok };
    steps.push(step);
    return step;
  };
  const why = (w: FanoutWindow, n: number): string =>
    `${w.silent > 0 ? `${w.silent} consumers silent` : w.sinkDropsPct >= SINK_DROPS_LIMIT_PCT ? `the sinks dropped ${pct(w.sinkDropsPct)} (the sink process, not the worker, was the limit)` : `loss ${pct(w.workerLossPct)}`} at ${n}, worker CPU ${cpuText(w)}, ${coresText(w)}`;
  let best: Step | undefined;
  let stop = `reached ${STEPS.at(-1)} consumers`;
  for (const n of STEPS) {
    const step = await run(n);
    if (!step.ok) {
      stop = why(step.window, n);
      // The full form narrows the gap between the last good step and the failed one twice.
      let failed = n;
      for (let i = 0; !quick && best && i < 2 && failed - best.n > Math.max(20, best.n * 0.15); i++) {
        const mid = await run(Math.round((best.n + failed) / 2));
        if (mid.ok) best = mid;
        else failed = mid.n;
      }
      break;
    }
    best = step;
    if (Math.max(...step.window.workerCpu) >= CPU_LIMIT) {
      stop = `worker at ${cpuText(step.window)} of its core at ${n}`;
      break;
    }
  }
  progress(`${label}: ${best ? `${best.n} consumers under ${LOSS_LIMIT_PCT} % loss` : 'no step under the loss limit'}; stopped: ${stop}`);
  return { steps, best, stop, unbounded: best !== undefined && best === steps.at(-1) && best.n === STEPS.at(-1) };
}

/** Consumers per core: N ÷ the worker's share of its core, at the largest N under the limit. */
function perCore(r: Ramp): number {
  if (!r.best) return 0;
  return Math.round(r.best.n / Math.max(r.best.window.workerCpu[0]!, 0.05));
}

/** Worker CPU per packet delivered to a consumer, µs (every worker's CPU summed). */
function usPerPacket(w: FanoutWindow): number {
  const cpuSeconds = w.workerCpu.reduce((a, c) => a + c, 0) * w.seconds;
  return w.received > 0 ? Math.round(((cpuSeconds * 1e6) / w.received) * 100) / 100 : 0;
}

function describe(r: Ramp): string {
  if (!r.best) return `no step under ${LOSS_LIMIT_PCT} % loss (${r.stop})`;
  const w = r.best.window;
  return `largest N ${r.best.n} at worker CPU ${cpuText(w)} (${coresText(w)}), loss ${pct(w.lossPct)} (sinks ${pct(w.sinkDropsPct)}); stopped: ${r.stop}`;
}

const logger = createLogger({ level: 'warn', pretty: false });
let pool: WorkerPool | undefined;
let rig: FanoutRig | undefined;
let bare: FanoutLoad | undefined;
let edge: IpcChild<EdgeCommand, EdgeReport> | undefined;
const closers: Array<() => void> = [];

async function cleanup(): Promise<void> {
  for (const close of closers.splice(0)) close();
  await rig?.close().catch(() => {});
  await bare?.stop().catch(() => {});
  await edge?.stop({ type: 'stop' }, 10_000).catch(() => {});
  // The pool's workers exit on their own once closed; wait for them (a stray worker outlives the run).
  if (pool) await closePool(pool);
}


/** Feeds an edge router on `worker` from the origin through the edge relay, as another node would be fed. */
async function relayTo(origin: types.Router, producer: types.Producer, worker: WorkerPool['workers'][number]): Promise<{ router: types.Router; ports: number[] }> {
  const address = { listenIp: '127.0.0.1' };
  const relay = await EdgeRelay.create({ sessionId: 'bench', origin: { node: 'origin', boot: 'bench' }, worker, address });
  const pipe = await openPipe(origin, address);
  closers.push(() => {
    relay.close();
    pipe.close();
  });
  await connectPipe(pipe, relay.end);
  await relay.connect(pipeEnd(pipe));
  const piped = await pipe.consume({ producerId: producer.id });
  await relay.add(
    RelayedProducer.parse({ producerId: producer.id, peerId: 'bench-publisher', kind: piped.kind, source: 'camera', paused: piped.producerPaused, rtpParameters: piped.rtpParameters }),
  );
  return { router: relay.slot.router, ports: [relay.end.port, pipeEnd(pipe).port] };
}

/** The platform with `count` workers of the pool: the publisher on the first, edges on the others. */
async function platformRamp(count: number): Promise<Ramp> {
  const workers = pool!.workers.slice(0, count);
  const origin = await workers[0]!.worker.createRouter({ mediaCodecs, appData: { sessionId: 'bench' } });
  closers.push(() => origin.close());
  rig = await FanoutRig.open({ origin, style: PLATFORM_STYLE });
  for (const w of workers.slice(1)) {
    const edge = await relayTo(origin, rig.producer!, w);
    rig.addTarget({ router: edge.router, producerId: rig.producer!.id }, edge.ports);
  }
  // Worker i on core (last − i), round the cores; the load processes and this one off the last core.
  for (const [i, w] of workers.entries()) {
    await pinProcess(w.worker.pid, [(lastCore - (i % cores) + cores) % cores]);
    prioritize(w.worker.pid);
  }
  for (const pid of [process.pid, ...rig.loadPids]) await pinProcess(pid, otherCores);
  const current = rig;
  const pids = workers.map((w) => w.worker.pid);
  const result = await ramp(
    `platform, ${count} worker${count > 1 ? 's' : ''}`,
    async (n) => {
      await current.setConsumers(n);
      await current.waitFlowing();
    },
    () => current.measure(WINDOW_MS, pids),
  );
  await rig.close();
  rig = undefined;
  for (const close of closers.splice(0)) close();
  return result;
}

/**
 * The platform with 2 workers, the second owned by another process (bench/load/fanoutEdge.ts: the
 * platform's pool and edge relay), as another node: fed by a pipe from the origin over 127.0.0.1.
 */
async function crossNodeRamp(): Promise<Ramp> {
  const w0 = pool!.workers[0]!;
  const origin = await w0.worker.createRouter({ mediaCodecs, appData: { sessionId: 'bench' } });
  closers.push(() => origin.close());
  rig = await FanoutRig.open({ origin, style: PLATFORM_STYLE });
  const producer = rig.producer!;
  const remote = new IpcChild<EdgeCommand, EdgeReport>(path.join(repoBench, 'load', 'fanoutEdge.ts'), 'fanout edge');
  edge = remote;
  const ready = await remote.waitFor('ready', 60_000);
  const pipe = await openPipe(origin, { listenIp: '127.0.0.1' });
  closers.push(() => pipe.close());
  await connectPipe(pipe, ready.end);
  const piped = await pipe.consume({ producerId: producer.id });
  await remote.request(
    { type: 'connect', origin: pipeEnd(pipe), producer: RelayedProducer.parse({ producerId: producer.id, peerId: 'bench-publisher', kind: piped.kind, source: 'camera', paused: piped.producerPaused, rtpParameters: piped.rtpParameters }) },
    'connected',
  );
  rig.watchPorts([pipeEnd(pipe).port]);
  await pinProcess(w0.worker.pid, [lastCore]);
  prioritize(w0.worker.pid);
  await remote.request({ type: 'pin', core: otherCores[0]!, others: otherCores }, 'pinned');
  for (const pid of [process.pid, ...rig.loadPids]) await pinProcess(pid, otherCores);
  const local = rig;
  const result = await ramp(
    'platform, 2 workers, the edge in another process',
    async (n) => {
      await Promise.all([local.setConsumers(Math.ceil(n / 2)).then(() => local.waitFlowing()), remote.request({ type: 'consumers', count: Math.floor(n / 2) }, 'consumers', 120_000)]);
    },
    async () => {
      const [here, there] = await Promise.all([local.measure(WINDOW_MS, [w0.worker.pid]), remote.request({ type: 'measure', ms: WINDOW_MS }, 'measured', WINDOW_MS + 30_000)]);
      return mergeWindows([here, there.window]);
    },
  );
  await remote.stop({ type: 'stop' }, 10_000);
  edge = undefined;
  await rig.close();
  rig = undefined;
  for (const close of closers.splice(0)) close();
  return result;
}

async function bareRamp(starting: Promise<FanoutLoad>): Promise<Ramp> {
  bare = await starting;
  await bare.pin(lastCore);
  const load = bare;
  const result = await ramp(
    'bare mediasoup, 1 worker',
    async (n) => void (await load.setConsumers(n)),
    async () => (await load.measure(WINDOW_MS)).window,
  );
  await bare.stop();
  bare = undefined;
  return result;
}

// The runner stops a suite that overruns with SIGTERM: close what runs before going.
process.once('SIGTERM', () => void cleanup().finally(() => process.exit(1)));

try {
  const started = Date.now();
  pool = await WorkerPool.start({ size: Math.max(...WORKER_COUNTS), listenIp: '127.0.0.1', rtcPort: 0, logger });
  progress(`${cores} cores; capacity: the worker pinned to core ${lastCore}, the load processes on ${otherCores.join(',')}`);
  // The quick form starts the bare process (its worker idle but for the publisher's ~280 packets/s)
  // while the platform is measured, to fit its time; the full form starts it after.
  const bareStarting = quick ? FanoutLoad.start() : undefined;
  bareStarting?.catch(() => {});
  let platform: Ramp;
  try {
    platform = await platformRamp(1);
  } catch (error) {
    await bareStarting?.then((load) => load.stop()).catch(() => {});
    throw error;
  }
  const bareResult = await bareRamp(bareStarting ?? FanoutLoad.start());
  const scaling = new Map<number, Ramp>([[1, platform]]);
  for (const count of WORKER_COUNTS.slice(1)) scaling.set(count, await platformRamp(count));
  const acrossNodes = quick ? undefined : await crossNodeRamp();
  progress(`measured in ${Math.round((Date.now() - started) / 1000)} s`);

  const platformPerCore = perCore(platform);
  const barePerCore = perCore(bareResult);
  const rows: BenchRow[] = [
    {
      ...ratioRow({
        name: `platform: 720p video consumers per worker core at < ${LOSS_LIMIT_PCT} % loss (baseline: bare mediasoup)`,
        value: platformPerCore,
        unit: 'consumers',
        baseline: barePerCore,
        note: `N ÷ the pinned worker's share of its core; LiveKit publishes ≈ ${LIVEKIT_PER_CORE} per core. Platform: ${describe(platform)}. Bare: ${describe(bareResult)}`,
      }),
      target: '≥ 300',
      pass: platformPerCore >= 300,
    },
    ratioRow({
      name: `platform: largest N measured under ${LOSS_LIMIT_PCT} % loss, worker pinned to one core (baseline: bare mediasoup)`,
      value: platform.best?.n ?? 0,
      unit: 'consumers',
      baseline: bareResult.best?.n ?? 0,
      note: 'not scaled; bounded by what the shared machine gave the worker',
    }),
    ratioRow({
      name: 'worker CPU per packet delivered to a consumer, at that N (baseline: bare mediasoup)',
      value: platform.best ? usPerPacket(platform.best.window) : 0,
      unit: 'µs',
      baseline: bareResult.best ? usPerPacket(bareResult.best.window) : 0,
    }),
  ];
  const one = platform.best?.n ?? 0;
  for (const count of WORKER_COUNTS.slice(1)) {
    const r = scaling.get(count)!;
    const n = r.best?.n ?? 0;
    const onePerCpu = platform.best ? one / platform.best.window.workerCpu.reduce((a, c) => a + c, 0) : 0;
    const perCpu = r.best ? n / r.best.window.workerCpu.reduce((a, c) => a + c, 0) : 0;
    rows.push(
      ratioRow(
        {
          name: `relay scaling: consumers served at < ${LOSS_LIMIT_PCT} % loss, ${count} workers (baseline: 1 worker)`,
          value: n,
          unit: 'consumers',
          baseline: one,
          ...(count === 2 ? { target: '≥ 1.8×' } : {}),
          note: `edges fed through the edge relay's SRTP PipeTransports over 127.0.0.1; ${describe(r)}; ${cores} cores shared with the load processes${count > cores ? ` (${count} workers on ${cores} cores)` : ''}${r.unbounded || platform.unbounded ? '; a ramp ended at its last step, so no verdict' : ''}`,
        },
        count === 2 && !r.unbounded && !platform.unbounded ? (ratio) => ratio >= 1.8 : undefined,
      ),
      ratioRow({
        name: `relay scaling: consumers per core of worker CPU, ${count} workers (baseline: 1 worker)`,
        value: Math.round(perCpu),
        unit: 'consumers',
        baseline: Math.round(onePerCpu),
        note: 'N ÷ the workers\' CPU summed: the relay\'s cost, apart from what the machine can give',
      }),
    );
  }
  if (acrossNodes) {
    const n = acrossNodes.best?.n ?? 0;
    const perCpu = acrossNodes.best ? n / acrossNodes.best.window.workerCpu.reduce((a, c) => a + c, 0) : 0;
    const onePerCpu = platform.best ? one / platform.best.window.workerCpu.reduce((a, c) => a + c, 0) : 0;
    rows.push(
      ratioRow(
        {
          name: `relay scaling across nodes: consumers served at < ${LOSS_LIMIT_PCT} % loss, 2 workers, the second in another process (baseline: 1 worker)`,
          value: n,
          unit: 'consumers',
          baseline: one,
          target: '≥ 1.8×',
          note: `the edge process runs the platform's pool and edge relay, fed by a pipe over 127.0.0.1; ${describe(acrossNodes)}; ${cores} cores shared with the load processes${acrossNodes.unbounded || platform.unbounded ? '; a ramp ended at its last step, so no verdict' : ''}`,
        },
        !acrossNodes.unbounded && !platform.unbounded ? (ratio) => ratio >= 1.8 : undefined,
      ),
      ratioRow({ name: 'relay scaling across nodes: consumers per core of worker CPU, 2 workers (baseline: 1 worker)', value: Math.round(perCpu), unit: 'consumers', baseline: Math.round(onePerCpu) }),
    );
  }
  const worst = [platform, bareResult, ...scaling.values(), ...(acrossNodes ? [acrossNodes] : [])].flatMap((r) => (r.best ? [r.best.window] : []));
  rows.push({
    name: 'loss at the sinks\' own sockets, at the largest N of each run (the load generator\'s, not the worker\'s)',
    value: Math.round(Math.max(0, ...worst.map((w) => w.sinkDropsPct)) * 100) / 100,
    unit: '%',
    note: 'reported apart from the worker\'s loss, which decides N',
  });
  report({
    suite: 'media-fanout',
    title: `Video consumers per worker core: one 720p simulcast VP8 publisher (3 layers) to N SRTP PlainTransport consumers counted at UDP sinks, < ${LOSS_LIMIT_PCT} % loss; relay scaling over ${WORKER_COUNTS.join(', ')} workers`,
    rows,
  });
} finally {
  await cleanup();
}
