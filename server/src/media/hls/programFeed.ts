import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { types } from 'mediasoup';
import type { Logger } from '../../logger';
import { buildFfmpegArgs, buildSdp, type Rendition, type RtpInput } from './ffmpegArgs';

export interface FeedSource {
  producer: types.Producer;
  /** Who publishes it, to pick the spotlight. */
  peerId: string;
  source: 'camera' | 'microphone' | 'screen';
}

export interface ProgramFeedOptions {
  router: types.Router;
  outDir: string;
  renditions: Rendition[];
  segmentSeconds: number;
  ffmpegPath: string;
  logger: Logger;
  /** Wait before restarting a feed whose inputs changed or whose ffmpeg died. */
  restartDelayMs?: number;
}

export interface ProgramFeedEvents {
  /** An ffmpeg process started (first run or restart), with its pid. */
  started: [number];
  exited: [{ code: number | null; signal: string | null; expected: boolean }];
}

interface Run {
  ffmpeg: ChildProcess;
  transports: types.PlainTransport[];
  consumers: types.Consumer[];
  keyframes: ReturnType<typeof setInterval>;
  expectedExit: boolean;
}

/** Two adjacent free UDP ports (RTP, RTCP) on loopback, RTP even. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    const even = port % 2 === 0 ? port : port + 1;
    const ok = await Promise.all([even, even + 1].map((p) => new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(p, '127.0.0.1', () => s.close(() => resolve(true)));
    })));
    if (ok.every(Boolean)) return even;
  }
  throw new Error('no free UDP port pair for the program feed');
}

/**
 * The program feed of one live session: the spotlight's video and every unmuted stage microphone,
 * consumed from the router over PlainTransports into a supervised ffmpeg that writes the HLS ladder.
 * Any change of inputs, or ffmpeg dying, starts a new ffmpeg that continues the same playlists.
 */
export class ProgramFeed extends EventEmitter<ProgramFeedEvents> {
  readonly #options: ProgramFeedOptions;
  #sources: FeedSource[] = [];
  #spotlight: string | undefined;
  #interpreter: string | undefined;
  #run: Run | undefined;
  #pending: ReturnType<typeof setTimeout> | undefined;
  #signature = '';
  #closed = false;
  #starting: Promise<void> | undefined;
  #router: types.Router;

  constructor(options: ProgramFeedOptions) {
    super();
    this.#options = options;
    this.#router = options.router;
    fs.mkdirSync(options.outDir, { recursive: true });
  }

  get pid(): number | undefined {
    return this.#run?.ffmpeg.pid;
  }

  /**
   * The stage's origin router was re-created after its worker died: consume from the new one (the
   * old run's inputs went with the old router).
   */
  replaceRouter(router: types.Router): void {
    if (router === this.#router) return;
    this.#router = router;
    this.#signature = '';
    this.#schedule();
  }

  /** The stage's current producers; the feed restarts only if what it should carry changed. */
  setSources(sources: FeedSource[]): void {
    this.#sources = sources;
    this.#schedule();
  }

  /** Whose camera the program shows (default: the first camera on stage, the host's). */
  setSpotlight(peerId: string | undefined): void {
    this.#spotlight = peerId;
    this.#schedule();
  }

  /** The interpreter on stage, whose camera goes picture-in-picture (undefined: none). */
  setInterpreter(peerId: string | undefined): void {
    this.#interpreter = peerId;
    this.#schedule();
  }

  #wanted(): { video: FeedSource | undefined; pip: FeedSource | undefined; audio: FeedSource[] } {
    const live = this.#sources.filter((s) => !s.producer.closed && !s.producer.paused);
    const pip = this.#interpreter ? live.find((s) => s.producer.kind === 'video' && s.peerId === this.#interpreter && s.source === 'camera') : undefined;
    const cameras = live.filter((s) => s.producer.kind === 'video' && s !== pip);
    const video =
      cameras.find((s) => s.peerId === this.#spotlight && s.source === 'screen') ??
      cameras.find((s) => s.peerId === this.#spotlight) ??
      cameras.find((s) => s.source === 'camera') ??
      cameras[0];
    return { video, pip: video ? pip : undefined, audio: live.filter((s) => s.producer.kind === 'audio') };
  }

  #signatureOf({ video, pip, audio }: { video: FeedSource | undefined; pip: FeedSource | undefined; audio: FeedSource[] }): string {
    return [video?.producer.id ?? '-', pip?.producer.id ?? '-', ...audio.map((a) => a.producer.id).sort()].join(',');
  }

  #schedule(delay = this.#options.restartDelayMs ?? 400): void {
    if (this.#closed) return;
    const signature = this.#signatureOf(this.#wanted());
    if (signature === this.#signature && this.#run) return;
    clearTimeout(this.#pending);
    this.#pending = setTimeout(() => void this.#restart(), delay);
  }

  /**
   * Restarts run one after another, each after the previous one has finished: two timers firing
   * while a start is under way (an input change and a failed ffmpeg) must not both start an ffmpeg,
   * or the one whose run is overwritten is never stopped and writes into the playlists for ever.
   */
  #restart(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const previous = this.#starting ?? Promise.resolve();
    const next = previous.then(() => {
      if (this.#closed) return undefined;
      // A restart queued behind another may find the feed already carrying what is wanted.
      if (this.#run && this.#signature !== '' && this.#signatureOf(this.#wanted()) === this.#signature) return undefined;
      return this.#start();
    });
    const settled = next.then(
      () => undefined,
      (error: unknown) => this.#options.logger.error({ err: error }, 'program feed: start failed'),
    );
    this.#starting = settled;
    void settled.then(() => {
      if (this.#starting === settled) this.#starting = undefined;
    });
    return settled;
  }

  async #start(): Promise<void> {
    await this.#stopRun();
    const { outDir, renditions, segmentSeconds, ffmpegPath, logger } = this.#options;
    const router = this.#router;
    const wanted = this.#wanted();
    const { video, pip, audio } = wanted;
    this.#signature = this.#signatureOf(wanted);
    const transports: types.PlainTransport[] = [];
    const consumers: types.Consumer[] = [];
    const inputs: RtpInput[] = [];
    try {
      for (const source of [video, pip, ...audio].filter((s): s is FeedSource => s !== undefined)) {
        const codec = router.rtpCapabilities.codecs?.find(
          (c) => c.kind === source.producer.kind && source.producer.rtpParameters.codecs[0]?.mimeType.toLowerCase() === c.mimeType.toLowerCase(),
        );
        if (!codec) continue;
        const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
        transports.push(transport);
        // Only the codec: no RTX and no header extensions, which ffmpeg would take for other streams.
        const consumer = await transport.consume({
          producerId: source.producer.id,
          rtpCapabilities: { codecs: [codec], headerExtensions: [] },
          paused: true,
        });
        consumers.push(consumer);
        if (consumer.type === 'simulcast') await consumer.setPreferredLayers({ spatialLayer: 2, temporalLayer: 2 });
        const port = await freePortPair();
        await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
        const c = consumer.rtpParameters.codecs[0]!;
        const name = c.mimeType.split('/')[1]!;
        const fmtp = Object.entries(c.parameters ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(';');
        inputs.push({
          kind: consumer.kind,
          port,
          payloadType: c.payloadType,
          rtpmap: consumer.kind === 'audio' ? `${name}/${c.clockRate}/${c.channels ?? 2}` : `${name}/${c.clockRate}`,
          fmtp: fmtp || undefined,
        });
      }
    } catch (error) {
      for (const t of transports) t.close();
      if (!router.closed) logger.error({ err: error }, 'program feed: cannot consume the stage');
      this.#scheduleAfterFailure();
      return;
    }
    // Inputs in the SDP in the order ffmpeg will number them: video first, then the microphones.
    inputs.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'video' ? -1 : 1));
    const sdpPath = path.join(outDir, 'input.sdp');
    fs.writeFileSync(sdpPath, buildSdp(inputs));
    const args = buildFfmpegArgs({ sdpPath, inputs, renditions, segmentSeconds, outDir });
    const ffmpeg = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    ffmpeg.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const run: Run = {
      ffmpeg,
      transports,
      consumers,
      expectedExit: false,
      // A fresh keyframe every segment keeps the decoder and every new ffmpeg starting cleanly.
      keyframes: setInterval(() => {
        for (const c of consumers) if (c.kind === 'video' && !c.closed) void c.requestKeyFrame().catch(() => undefined);
      }, segmentSeconds * 1000),
    };
    this.#run = run;
    ffmpeg.once('exit', (code, signal) => {
      clearInterval(run.keyframes);
      for (const t of run.transports) t.close();
      this.emit('exited', { code, signal, expected: run.expectedExit });
      if (run.expectedExit || this.#closed) return;
      logger.warn({ code, signal, stderr: stderr.slice(-800) }, 'ffmpeg exited; restarting the program feed');
      if (this.#run === run) this.#run = undefined;
      this.#scheduleAfterFailure();
    });
    ffmpeg.once('spawn', () => this.emit('started', ffmpeg.pid ?? 0));
    ffmpeg.once('error', (error) => logger.error({ err: error, ffmpegPath }, 'cannot run ffmpeg'));
    // Give ffmpeg a moment to open its ports, then let media flow and ask for a keyframe.
    await new Promise((r) => setTimeout(r, 300));
    for (const c of consumers) {
      if (c.closed) continue;
      await c.resume();
      if (c.kind === 'video') await c.requestKeyFrame();
    }
    logger.info({ pid: ffmpeg.pid, inputs: inputs.map((i) => i.kind), renditions }, 'program feed started');
  }

  #scheduleAfterFailure(): void {
    this.#signature = '';
    clearTimeout(this.#pending);
    if (!this.#closed) this.#pending = setTimeout(() => void this.#restart(), 1000);
  }

  #stopRun(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const run = this.#run;
    this.#run = undefined;
    if (!run) return Promise.resolve();
    run.expectedExit = true;
    clearInterval(run.keyframes);
    const exited = new Promise<void>((resolve) => {
      if (run.ffmpeg.exitCode !== null || run.ffmpeg.signalCode !== null) resolve();
      else run.ffmpeg.once('exit', () => resolve());
    });
    run.ffmpeg.kill(signal);
    for (const t of run.transports) t.close();
    return exited;
  }

  /** Stops ffmpeg so that it writes the end of every playlist (SIGINT is its clean stop). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#pending);
    if (this.#starting) await this.#starting.catch(() => undefined);
    const run = this.#run;
    const stopped = this.#stopRun('SIGINT');
    const force = setTimeout(() => run?.ffmpeg.kill('SIGKILL'), 5000);
    await stopped;
    clearTimeout(force);
  }
}
