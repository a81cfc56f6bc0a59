import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { types } from 'mediasoup';
import type { Logger } from '../../logger';
import { VariantPlaylists, writeMasterPlaylists, type Rendition } from './livePlaylists';
import { diffInputs, layoutFor, planProgram, type Box, type MixerCommand, type ProgramPlan, type ProgramSource } from './programLayout';

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
  /** Debian's python3, which has GStreamer's bindings (python3-gst-1.0). */
  pythonPath: string;
  logger: Logger;
  /** Wait before starting a new mixer after one died. */
  restartDelayMs?: number;
}

export interface ProgramFeedEvents {
  /** A mixer process started (at go-live, or after the previous one died), with its pid. */
  started: [number];
  exited: [{ code: number | null; signal: string | null; expected: boolean }];
  /** A segment was written and listed in its rendition's playlists. */
  segment: [rendition: Rendition, file: string];
}

const MIXER_SCRIPT = path.resolve(import.meta.dirname, '../../../mixer/program_mixer.py');
const FPS = 25;
const HEIGHT: Record<Rendition, number> = { '720p': 720, '360p': 360, audio: 0 };

interface Input {
  source: ProgramSource;
  transport: types.PlainTransport;
  consumer: types.Consumer;
  muted: boolean;
}

interface Mixer {
  child: ChildProcess;
  /** Inputs the mixer has, by producer id. */
  inputs: Map<string, Input>;
  added: Map<string, () => void>;
  expectedExit: boolean;
  exited: Promise<void>;
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
 * The programme of one live session: one mixer process (server/mixer/program_mixer.py, GStreamer's
 * live compositor and audiomixer) from go-live to end. Stage events become commands to it — add or
 * remove an RTP input, move the layout, mute — never a new process; a keyframe is asked of a camera
 * only when it is switched in. The mixer writes the segments, this writes the playlists. Should the
 * mixer itself die, a new one continues the same playlists after one discontinuity.
 */
export class ProgramFeed extends EventEmitter<ProgramFeedEvents> {
  readonly #options: ProgramFeedOptions;
  readonly #playlists = new Map<Rendition, VariantPlaylists>();
  readonly #frame: { width: number; height: number };
  #sources: FeedSource[] = [];
  #spotlight: string | undefined;
  #interpreter: string | undefined;
  #mixer: Mixer | undefined;
  #queue: Promise<void> = Promise.resolve();
  #dirty = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #layout: Record<string, Box> = {};
  /** The stage's origin router; replaced when the worker under it dies. */
  #router: types.Router;

  constructor(options: ProgramFeedOptions) {
    super();
    this.#options = options;
    this.#router = options.router;
    fs.mkdirSync(options.outDir, { recursive: true });
    const height = Math.max(360, ...options.renditions.map((r) => HEIGHT[r]));
    this.#frame = { width: Math.round((height * 16) / 9), height };
    for (const r of options.renditions) this.#playlists.set(r, new VariantPlaylists({ dir: path.join(options.outDir, r), segmentSeconds: options.segmentSeconds }));
    writeMasterPlaylists(options.outDir, options.renditions);
  }

  /** The mixer process's pid, while one runs. */
  get pid(): number | undefined {
    return this.#mixer?.child.pid;
  }

  /** Where each video input (by producer id) was last placed in the picture. */
  get layout(): Readonly<Record<string, Box>> {
    return this.#layout;
  }

  /**
   * The stage moved to a new origin router (the worker under it died): every input is consumed again
   * there, into the same mixer — the programme goes on without a new process.
   */
  replaceRouter(router: types.Router): void {
    if (router === this.#router) return;
    this.#router = router;
    this.#queue = this.#queue
      .then(() => {
        const mixer = this.#mixer;
        if (!mixer) return;
        for (const [id, input] of mixer.inputs) {
          this.#send(mixer, { op: 'remove', id });
          input.transport.close();
        }
        mixer.inputs.clear();
      })
      .then(() => this.#reconcileSoon());
  }

  /** The stage's current producers. */
  setSources(sources: FeedSource[]): void {
    this.#sources = sources;
    this.#reconcileSoon();
  }

  /** Whose camera the program shows (default: the first camera on stage, the host's). */
  setSpotlight(peerId: string | undefined): void {
    this.#spotlight = peerId;
    this.#reconcileSoon();
  }

  /** The interpreter on stage, whose camera goes picture-in-picture (undefined: none). */
  setInterpreter(peerId: string | undefined): void {
    this.#interpreter = peerId;
    this.#reconcileSoon();
  }

  /** Writes ENDLIST into every rendition's playlists: the recording is complete. */
  finish(): void {
    for (const p of this.#playlists.values()) p.end();
  }

  #plan(): ProgramPlan {
    const sources = this.#sources
      .filter((s) => !s.producer.closed)
      .map((s) => ({ producerId: s.producer.id, kind: s.producer.kind, peerId: s.peerId, source: s.source, paused: s.producer.paused }));
    return planProgram({ sources, spotlight: this.#spotlight, interpreter: this.#interpreter });
  }

  /** Changes coalesce: one reconciliation runs at a time, and one more after it if anything changed. */
  #reconcileSoon(): void {
    if (this.#closed || this.#dirty) return;
    this.#dirty = true;
    this.#queue = this.#queue.then(async () => {
      this.#dirty = false;
      if (this.#closed) return;
      try {
        await this.#reconcile();
      } catch (error) {
        if (!this.#router.closed) this.#options.logger.error({ err: error }, 'program feed: cannot apply the stage');
      }
    });
  }

  async #reconcile(): Promise<void> {
    const mixer = this.#mixer ?? this.#spawn();
    const plan = this.#plan();
    const { remove, add, mute } = diffInputs(mixer.inputs, plan);
    for (const id of remove) {
      const input = mixer.inputs.get(id);
      mixer.inputs.delete(id);
      this.#send(mixer, { op: 'remove', id });
      input?.transport.close();
    }
    for (const source of add) {
      const producer = this.#sources.find((s) => s.producer.id === source.producerId)?.producer;
      if (!producer || producer.closed) continue;
      await this.#addInput(mixer, source, producer);
    }
    for (const m of mute) {
      const input = mixer.inputs.get(m.id);
      if (!input) continue;
      input.muted = m.muted;
      this.#send(mixer, { op: 'mute', id: m.id, muted: m.muted });
    }
    const videoIds = [...mixer.inputs.values()].filter((i) => i.source.kind === 'video').map((i) => i.source.producerId);
    this.#layout = layoutFor(plan, videoIds, this.#frame);
    this.#send(mixer, { op: 'layout', video: this.#layout });
  }

  async #addInput(mixer: Mixer, source: ProgramSource, producer: types.Producer): Promise<void> {
    const router = this.#router;
    const codec = router.rtpCapabilities.codecs?.find((c) => c.kind === producer.kind && producer.rtpParameters.codecs[0]?.mimeType.toLowerCase() === c.mimeType.toLowerCase());
    if (!codec) return;
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
    try {
      // Only the codec: no RTX and no header extensions.
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: { codecs: [codec], headerExtensions: [] }, paused: true });
      if (consumer.type === 'simulcast') await consumer.setPreferredLayers({ spatialLayer: 2, temporalLayer: 2 });
      const port = await freePortPair();
      await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
      const c = consumer.rtpParameters.codecs[0]!;
      const added = new Promise<void>((resolve) => mixer.added.set(source.producerId, resolve));
      const input: Input = { source, transport, consumer, muted: false };
      mixer.inputs.set(source.producerId, input);
      this.#send(mixer, {
        op: 'add',
        id: source.producerId,
        kind: consumer.kind,
        port,
        payloadType: c.payloadType,
        encoding: c.mimeType.split('/')[1]!.toUpperCase(),
        clockRate: c.clockRate,
        ...(c.channels ? { channels: c.channels } : {}),
      });
      // The mixer listens once it says so; then media flows, and a camera switched in starts on a keyframe.
      await Promise.race([added, new Promise((r) => setTimeout(r, 3000))]);
      mixer.added.delete(source.producerId);
      if (consumer.closed || mixer.inputs.get(source.producerId) !== input) return;
      await consumer.resume();
      if (consumer.kind === 'video') await consumer.requestKeyFrame();
    } catch (error) {
      transport.close();
      mixer.inputs.delete(source.producerId);
      throw error;
    }
  }

  #send(mixer: Mixer, command: MixerCommand): void {
    if (mixer.child.stdin?.writable) mixer.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  #spawn(): Mixer {
    const { outDir, renditions, segmentSeconds, pythonPath, logger } = this.#options;
    const startIndex = Object.fromEntries([...this.#playlists].map(([r, p]) => [r, p.nextIndex]));
    const config = { outDir, renditions, segmentSeconds, startIndex, fps: FPS };
    const child = spawn(pythonPath, [MIXER_SCRIPT, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.stdin?.on('error', () => undefined);
    const mixer: Mixer = {
      child,
      inputs: new Map(),
      added: new Map(),
      expectedExit: false,
      // 'close': after the last line of its output has been read.
      exited: new Promise((resolve) => child.once('close', () => resolve())),
    };
    this.#mixer = mixer;
    readline.createInterface({ input: child.stdout }).on('line', (line) => this.#onEvent(mixer, line));
    child.once('spawn', () => {
      logger.info({ pid: child.pid, renditions }, 'programme mixer started');
      this.emit('started', child.pid ?? 0);
    });
    child.once('error', (error) => logger.error({ err: error, pythonPath }, 'cannot run the programme mixer'));
    child.once('exit', (code, signal) => {
      for (const input of mixer.inputs.values()) input.transport.close();
      mixer.inputs.clear();
      this.emit('exited', { code, signal, expected: mixer.expectedExit });
      if (this.#mixer === mixer) this.#mixer = undefined;
      if (mixer.expectedExit || this.#closed) return;
      logger.warn({ code, signal, stderr: stderr.slice(-800) }, 'programme mixer exited; starting another');
      for (const p of this.#playlists.values()) p.markDiscontinuity();
      clearTimeout(this.#restartTimer);
      this.#restartTimer = setTimeout(() => this.#reconcileSoon(), this.#options.restartDelayMs ?? 500);
    });
    return mixer;
  }

  #onEvent(mixer: Mixer, line: string): void {
    let event: { ev?: string; id?: string; variant?: string; file?: string; duration?: number; pdt?: number; message?: string };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      return;
    }
    if (event.ev === 'segment' && event.variant && event.file) {
      const rendition = event.variant as Rendition;
      const playlists = this.#playlists.get(rendition);
      if (!playlists || !/^seg_\d{5,}\.ts$/.test(event.file)) return;
      try {
        playlists.append({ file: event.file, duration: Number(event.duration) || 0, pdt: Number(event.pdt) || Date.now() });
      } catch (error) {
        this.#options.logger.error({ err: error, rendition }, 'program feed: cannot write the playlists');
        return;
      }
      this.emit('segment', rendition, event.file);
    } else if (event.ev === 'added' && event.id) {
      mixer.added.get(event.id)?.();
    } else if (event.ev === 'error') {
      this.#options.logger.warn({ message: event.message }, 'programme mixer reported an error');
    }
  }

  /** Ends the programme: the mixer closes its last segments, which are listed, then it exits. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#restartTimer);
    await this.#queue.catch(() => undefined);
    const mixer = this.#mixer;
    if (!mixer) return;
    mixer.expectedExit = true;
    if (mixer.child.exitCode === null && mixer.child.signalCode === null) {
      this.#send(mixer, { op: 'stop' });
      const force = setTimeout(() => mixer.child.kill('SIGKILL'), 8000);
      await mixer.exited;
      clearTimeout(force);
    }
    for (const input of mixer.inputs.values()) input.transport.close();
  }
}
