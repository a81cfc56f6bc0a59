/**
 * Media fan-out measured with real media: one 720p simulcast VP8 publisher (a recording replayed by
 * bench/load/rtpPublisher.ts into a comedia PlainTransport) and N consumers, each on a PlainTransport
 * with SRTP sending to UDP sinks in another process (bench/load/fanoutSinks.ts) that count every
 * consumer's packets by SSRC and sequence number. Loss is split into what the sinks' sockets dropped
 * in the kernel (the sink process too slow: /proc/net/udp's `drops`) and the rest (upstream: the
 * mediasoup worker too slow, or its own sockets dropping).
 *
 * `FanoutRig` does this around routers the caller makes (the platform's or bare mediasoup);
 * `FanoutLoad` drives the same with bare mediasoup in a process of its own (bench/load/fanout.ts);
 * `rampToCpu` raises a FanoutLoad's consumers until its worker uses a given share of a core.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { types } from 'mediasoup';
import { LAYER, VIDEO_KEYFRAME_REQUEST_DELAY_MS } from '../../server/src/media/mediaPeer';
import type { FanoutCommand, FanoutReport } from '../load/fanout';
import type { PublisherCommand, PublisherReport } from '../load/rtpPublisher';
import type { SinkCommand, SinkReport } from '../load/fanoutSinks';
import { coreBusySeconds, IpcChild, prioritize, processCpuSeconds, runQueueWaitSeconds, udpDrops } from './processes';
import { LAYERS, VIDEO_PAYLOAD_TYPE } from './rtpRecording';

const loadDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'load');

// ── the rig ─────────────────────────────────────────────────────────────────────────────────────

/** How the producer and consumers are made: the platform's way (mediaPeer.ts) or mediasoup's defaults. */
export interface ConsumeStyle {
  /** The producer's keyFrameRequestDelay (ms); undefined: mediasoup's default. */
  keyFrameRequestDelay?: number;
  /** Consumed paused and resumed once "the client is ready", as the platform does. */
  pausedThenResume: boolean;
  preferredLayers?: types.ConsumerLayers;
}

/** As server/src/media/mediaPeer.ts produces and consumes video for a viewer on `auto` quality. */
export const PLATFORM_STYLE: ConsumeStyle = { keyFrameRequestDelay: VIDEO_KEYFRAME_REQUEST_DELAY_MS, pausedThenResume: true, preferredLayers: { spatialLayer: LAYER.auto } };
/** mediasoup with nothing set. */
export const BARE_STYLE: ConsumeStyle = { pausedThenResume: false };

/** A router consumers can be placed on, with the id the video producer has there. */
export interface FanoutTarget {
  router: types.Router;
  producerId: string;
}

/** The publisher's RTP parameters: three simulcast encodings of VP8, lowest first. */
export function publisherRtpParameters(): types.RtpParameters {
  return {
    codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO_PAYLOAD_TYPE, clockRate: 90_000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] }],
    encodings: LAYERS.map((l) => ({ ssrc: l.ssrc })),
  };
}

/**
 * What a sink asks of the router: VP8 with NACK and keyframe requests, no congestion control (a sink
 * sends no feedback, so mediasoup must not estimate bandwidth for it and drop to a lower layer).
 */
export function sinkRtpCapabilities(router: types.Router): types.RtpCapabilities {
  const vp8 = router.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
  if (!vp8) throw new Error('the router has no VP8');
  return {
    codecs: [{ ...vp8, rtcpFeedback: (vp8.rtcpFeedback ?? []).filter((f) => f.type === 'nack' || f.type === 'ccm') }],
    headerExtensions: (router.rtpCapabilities.headerExtensions ?? []).filter((h) => h.kind === 'video' && !/transport-wide-cc|abs-send-time/.test(h.uri)),
  };
}

interface PlacedConsumer {
  transport: types.PlainTransport;
  consumer: types.Consumer;
  ssrc: number;
}

/** One measurement window. Loss counts are packets; percentages are of the packets expected. */
export interface FanoutWindow {
  consumers: number;
  seconds: number;
  /** CPU of each watched worker over the window, as a share of one core (0..1 each). */
  workerCpu: number[];
  /** Share of the window each worker was runnable but waiting for a core (0..1): starved by other work. */
  workerWait: number[];
  /** How busy each core of the machine was over the window (0..1 each), whoever used it. */
  coreBusy: number[];
  /** Packets the consumers should have delivered (per consumer: highest − lowest sequence number + 1). */
  expected: number;
  received: number;
  /** Consumers that delivered nothing in the window (counted as losing the median consumer's packets). */
  silent: number;
  /** Dropped by the kernel at the sinks' sockets (the sink process too slow). */
  sinkDrops: number;
  /** Dropped by the kernel at the worker's receiving sockets (the publisher's transport, pipes). */
  workerInboundDrops: number;
  lossPct: number;
  sinkDropsPct: number;
  /** Loss not explained by the sinks' drops: the worker's (or upstream of it). */
  workerLossPct: number;
  /** Packets the sinks received per second, all consumers. */
  packetsPerSecond: number;
}

/** Windows measured at the same time by several rigs (one per process), as one. */
export function mergeWindows(windows: readonly FanoutWindow[]): FanoutWindow {
  const sum = (f: (w: FanoutWindow) => number): number => windows.reduce((a, w) => a + f(w), 0);
  const expected = sum((w) => w.expected);
  const received = sum((w) => w.received);
  const sinkDrops = sum((w) => w.sinkDrops);
  const lost = Math.max(0, expected - received);
  const pct = (x: number): number => (expected > 0 ? (100 * x) / expected : 0);
  return {
    consumers: sum((w) => w.consumers),
    seconds: Math.max(...windows.map((w) => w.seconds)),
    workerCpu: windows.flatMap((w) => w.workerCpu),
    workerWait: windows.flatMap((w) => w.workerWait),
    coreBusy: windows[0]!.coreBusy,
    expected,
    received,
    silent: sum((w) => w.silent),
    sinkDrops,
    workerInboundDrops: sum((w) => w.workerInboundDrops),
    lossPct: pct(lost),
    sinkDropsPct: pct(sinkDrops),
    workerLossPct: pct(Math.max(0, lost - sinkDrops)),
    packetsPerSecond: sum((w) => w.packetsPerSecond),
  };
}

export class FanoutRig {
  readonly #sinks: IpcChild<SinkCommand, SinkReport>;
  /** The publisher and its transport; none on a rig attached to a producer relayed from elsewhere. */
  readonly #publisher: IpcChild<PublisherCommand, PublisherReport> | undefined;
  readonly #producerTransport: types.PlainTransport | undefined;
  readonly #sinkPorts: number[];
  readonly #style: ConsumeStyle;
  readonly #targets: FanoutTarget[] = [];
  readonly #consumers: PlacedConsumer[] = [];
  /** Ports on the workers' side whose drops count as the worker's inbound drops. */
  readonly #workerPorts = new Set<number>();
  /** The video producer on the first target (undefined on an attached rig). */
  readonly producer: types.Producer | undefined;
  #closed = false;

  private constructor(args: {
    sinks: IpcChild<SinkCommand, SinkReport>;
    sinkPorts: number[];
    style: ConsumeStyle;
    target: FanoutTarget;
    publisher?: { child: IpcChild<PublisherCommand, PublisherReport>; transport: types.PlainTransport; producer: types.Producer };
  }) {
    this.#sinks = args.sinks;
    this.#sinkPorts = args.sinkPorts;
    this.#style = args.style;
    this.#publisher = args.publisher?.child;
    this.#producerTransport = args.publisher?.transport;
    this.producer = args.publisher?.producer;
    this.#targets.push(args.target);
    if (this.#producerTransport) this.#workerPorts.add(this.#producerTransport.tuple.localPort);
  }

  /**
   * The publisher produced on `origin` (its transport comedia: it takes the replayer's address from
   * its first packet), the sink process with `sinkSockets` sockets, nothing consumed yet.
   */
  static async open({ origin, style, sinkSockets = 8 }: { origin: types.Router; style: ConsumeStyle; sinkSockets?: number }): Promise<FanoutRig> {
    const sinks = new IpcChild<SinkCommand, SinkReport>(path.join(loadDir, 'fanoutSinks.ts'), 'fanout sinks');
    const publisher = new IpcChild<PublisherCommand, PublisherReport>(path.join(loadDir, 'rtpPublisher.ts'), 'rtp publisher');
    let transport: types.PlainTransport | undefined;
    try {
      const { ports } = await sinks.request({ type: 'open', sockets: sinkSockets }, 'opened');
      transport = await origin.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
      const producer = await transport.produce({
        kind: 'video',
        rtpParameters: publisherRtpParameters(),
        ...(style.keyFrameRequestDelay !== undefined ? { keyFrameRequestDelay: style.keyFrameRequestDelay } : {}),
      });
      // The first run records the publisher: ffmpeg may take a while on a loaded machine.
      await publisher.request({ type: 'start', host: '127.0.0.1', port: transport.tuple.localPort }, 'started', 180_000);
      prioritize(publisher.pid);
      return new FanoutRig({ sinks, sinkPorts: ports, style, target: { router: origin, producerId: producer.id }, publisher: { child: publisher, transport, producer } });
    } catch (error) {
      transport?.close();
      await Promise.all([sinks.stop({ type: 'close' }), publisher.stop({ type: 'close' })]);
      throw error;
    }
  }

  /** A rig with sinks only, for consumers of a producer that is already there (relayed from another process). */
  static async attach({ target, style, sinkSockets = 8, workerPorts = [] }: { target: FanoutTarget; style: ConsumeStyle; sinkSockets?: number; workerPorts?: number[] }): Promise<FanoutRig> {
    const sinks = new IpcChild<SinkCommand, SinkReport>(path.join(loadDir, 'fanoutSinks.ts'), 'fanout sinks');
    try {
      const { ports } = await sinks.request({ type: 'open', sockets: sinkSockets }, 'opened');
      const rig = new FanoutRig({ sinks, sinkPorts: ports, style, target });
      for (const p of workerPorts) rig.#workerPorts.add(p);
      return rig;
    } catch (error) {
      await sinks.stop({ type: 'close' });
      throw error;
    }
  }

  /** The load generator's processes (sinks, publisher), to keep off the workers' cores. */
  get loadPids(): number[] {
    return [this.#sinks.pid, ...(this.#publisher ? [this.#publisher.pid] : [])];
  }

  get consumers(): number {
    return this.#consumers.length;
  }

  get targets(): readonly FanoutTarget[] {
    return this.#targets;
  }

  /** Another router consumers are spread over (an edge fed from the origin), and ports of its worker to watch for drops. */
  addTarget(target: FanoutTarget, workerPorts: number[] = []): void {
    this.#targets.push(target);
    for (const p of workerPorts) this.#workerPorts.add(p);
  }

  /** Ports of a worker's receiving sockets (a pipe's) whose drops count as the worker's inbound drops. */
  watchPorts(ports: readonly number[]): void {
    for (const p of ports) this.#workerPorts.add(p);
  }

  /** Consumers 0..n−1, consumer i on target i mod targets (so evenly spread); extra ones closed. */
  async setConsumers(n: number): Promise<void> {
    while (this.#consumers.length > n) {
      const c = this.#consumers.pop()!;
      c.transport.close();
    }
    const BATCH = 25;
    while (this.#consumers.length < n && !this.#closed) {
      const from = this.#consumers.length;
      const count = Math.min(BATCH, n - from);
      const made = await Promise.allSettled(Array.from({ length: count }, (_, k) => this.#consume(from + k)));
      const failed = made.find((m): m is PromiseRejectedResult => m.status === 'rejected');
      for (const m of made) if (m.status === 'fulfilled') this.#consumers.push(m.value);
      if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
  }

  /**
   * Waits until every consumer has delivered a packet (a new consumer starts at the next keyframe,
   * up to 2 s away) or `timeoutMs` passes; resolves with the consumers still silent.
   */
  async waitFlowing(timeoutMs = 6000): Promise<number> {
    await this.#sinks.request({ type: 'reset' }, 'reset');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const { ssrcs } = await this.#sinks.request({ type: 'collect' }, 'stats');
      const heard = new Set(ssrcs.map(([ssrc]) => ssrc));
      const silent = this.#consumers.filter((c) => !heard.has(c.ssrc)).length;
      if (silent === 0 || Date.now() > deadline) return silent;
    }
  }

  async #consume(i: number): Promise<PlacedConsumer> {
    const target = this.#targets[i % this.#targets.length]!;
    const transport = await target.router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpMux: true,
      comedia: false,
      enableSrtp: true,
    });
    try {
      await transport.connect({
        ip: '127.0.0.1',
        port: this.#sinkPorts[i % this.#sinkPorts.length]!,
        // The sink never sends: this key only has to be valid.
        srtpParameters: { cryptoSuite: transport.srtpParameters!.cryptoSuite, keyBase64: crypto.randomBytes(Buffer.from(transport.srtpParameters!.keyBase64, 'base64').length).toString('base64') },
      });
      const consumer = await transport.consume({
        producerId: target.producerId,
        rtpCapabilities: sinkRtpCapabilities(target.router),
        paused: this.#style.pausedThenResume,
        ...(this.#style.preferredLayers ? { preferredLayers: this.#style.preferredLayers } : {}),
      });
      if (this.#style.pausedThenResume) await consumer.resume();
      return { transport, consumer, ssrc: consumer.rtpParameters.encodings![0]!.ssrc! };
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  /** Counts what every consumer delivers for `ms`, and the CPU the processes `workerPids` used meanwhile. */
  async measure(ms: number, workerPids: readonly number[]): Promise<FanoutWindow> {
    if (this.#publisher && !this.#publisher.alive) throw new Error('the publisher is gone');
    await this.#sinks.request({ type: 'reset' }, 'reset');
    const cpu0 = workerPids.map(processCpuSeconds);
    const core0 = coreBusySeconds();
    const wait0 = workerPids.map(runQueueWaitSeconds);
    const sink0 = udpDrops(this.#sinkPorts);
    const worker0 = udpDrops(this.#workerPorts);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    const stats = await this.#sinks.request({ type: 'collect' }, 'stats');
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = workerPids.map(processCpuSeconds);
    const core1 = coreBusySeconds();
    const wait1 = workerPids.map(runQueueWaitSeconds);
    const sinkDrops = udpDrops(this.#sinkPorts) - sink0;
    const workerInboundDrops = udpDrops(this.#workerPorts) - worker0;
    const bySsrc = new Map(stats.ssrcs.map(([ssrc, received, expected]) => [ssrc, { received, expected }]));
    const heard = this.#consumers.map((c) => bySsrc.get(c.ssrc)).filter((s) => s !== undefined);
    const sortedExpected = heard.map((s) => s.expected).sort((a, b) => a - b);
    const median = sortedExpected[Math.floor(sortedExpected.length / 2)] ?? 0;
    const silent = this.#consumers.length - heard.length;
    const received = heard.reduce((a, s) => a + s.received, 0);
    const expected = heard.reduce((a, s) => a + s.expected, 0) + silent * median;
    const lost = Math.max(0, expected - received);
    const pct = (x: number): number => (expected > 0 ? (100 * x) / expected : 0);
    return {
      consumers: this.#consumers.length,
      seconds,
      workerCpu: workerPids.map((_, i) => (cpu1[i]! - cpu0[i]!) / seconds),
      workerWait: workerPids.map((_, i) => (wait1[i]! - wait0[i]!) / seconds),
      coreBusy: core1.map((c, i) => (c - core0[i]!) / seconds),
      expected,
      received,
      silent,
      sinkDrops,
      workerInboundDrops,
      lossPct: pct(lost),
      sinkDropsPct: pct(sinkDrops),
      workerLossPct: pct(Math.max(0, lost - sinkDrops)),
      packetsPerSecond: stats.packets / seconds,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#consumers) c.transport.close();
    this.#consumers.length = 0;
    this.#producerTransport?.close();
    await Promise.all([this.#sinks.stop({ type: 'close' }), this.#publisher?.stop({ type: 'close' })]);
  }
}

// ── the load process ────────────────────────────────────────────────────────────────────────────

/**
 * bench/load/fanout.ts as a child process: bare mediasoup fanning the recorded publisher out to sinks
 * (see that file for its messages). Start it, set its consumers, pin its worker, measure, stop.
 */
export class FanoutLoad {
  readonly #child: IpcChild<FanoutCommand, FanoutReport>;
  readonly workerPid: number;
  /** Its sink and publisher processes. */
  readonly loadPids: number[];

  private constructor(child: IpcChild<FanoutCommand, FanoutReport>, ready: Extract<FanoutReport, { type: 'ready' }>) {
    this.#child = child;
    this.workerPid = ready.workerPid;
    this.loadPids = ready.loadPids;
  }

  /** Starts the process; resolves once its publisher runs (the first run on a machine records it: up to a minute or two). */
  static async start({ timeoutMs = 240_000 }: { timeoutMs?: number } = {}): Promise<FanoutLoad> {
    const child = new IpcChild<FanoutCommand, FanoutReport>(path.join(loadDir, 'fanout.ts'), 'fanout load');
    try {
      return new FanoutLoad(child, await child.waitFor('ready', timeoutMs));
    } catch (error) {
      await child.stop();
      throw error;
    }
  }

  /** The load process itself. */
  get pid(): number {
    return this.#child.pid;
  }

  async setConsumers(count: number): Promise<number> {
    return (await this.#child.request({ type: 'consumers', count }, 'consumers', 120_000)).count;
  }

  /** The worker alone on `core` (at nice −10 where allowed: see prioritize); this process's other processes on the other cores. */
  async pin(core: number): Promise<void> {
    await this.#child.request({ type: 'pin', core }, 'pinned');
  }

  measure(ms: number): Promise<Extract<FanoutReport, { type: 'measured' }>> {
    return this.#child.request({ type: 'measure', ms }, 'measured', ms + 30_000);
  }

  /** Closes everything it runs and waits for it to exit (killed if it does not within 10 s). */
  async stop(): Promise<void> {
    if (!this.#child.alive) return;
    const exited = new Promise<void>((resolve) => this.#child.child.once('exit', () => resolve()));
    await Promise.race([this.#child.request({ type: 'stop' }, 'stopped', 10_000).catch(() => {}), exited]);
    await this.#child.stop(undefined, 10_000);
  }
}

/**
 * Raises (or lowers) a FanoutLoad's consumers until its worker uses about `target` of one core
 * (0.8: 80 %), each step measured for `measureMs` after `settleMs`; the consumers are scaled by
 * target ÷ measured CPU, at most doubled or halved a step. Stops within `tolerance` of the target,
 * at `maxConsumers`, or after `maxSteps`, and resolves with the last window.
 */
export async function rampToCpu(
  load: FanoutLoad,
  target = 0.8,
  { start = 50, maxConsumers = 4000, tolerance = 0.05, settleMs = 1000, measureMs = 3000, maxSteps = 8, log = () => {} }: {
    start?: number;
    maxConsumers?: number;
    tolerance?: number;
    settleMs?: number;
    measureMs?: number;
    maxSteps?: number;
    log?: (message: string) => void;
  } = {},
): Promise<Extract<FanoutReport, { type: 'measured' }>> {
  let n = Math.min(start, maxConsumers);
  let last: Extract<FanoutReport, { type: 'measured' }> | undefined;
  for (let step = 0; step < maxSteps; step++) {
    await load.setConsumers(n);
    await new Promise((r) => setTimeout(r, settleMs));
    last = await load.measure(measureMs);
    log(`fanout load: ${n} consumers, worker ${(last.workerCpu * 100).toFixed(0)} % of a core, loss ${last.lossPct.toFixed(2)} % (sink drops ${last.sinkDropsPct.toFixed(2)} %)`);
    if (Math.abs(last.workerCpu - target) <= tolerance) break;
    const scaled = last.workerCpu > 0 ? Math.round((n * target) / last.workerCpu) : n * 2;
    const next = Math.max(1, Math.min(maxConsumers, n * 2, Math.max(Math.ceil(n / 2), scaled)));
    if (next === n) break;
    n = next;
  }
  return last!;
}
