/**
 * A real 720p simulcast VP8 publisher, recorded once and replayed: ffmpeg (libvpx, realtime) encodes
 * lavfi's testsrc2 at 1280x720@30 into three layers, each sent as RTP to a UDP port of this process,
 * which keeps every packet. The recording is cached (keyed by RECORDING_VERSION), so a rerun only
 * reads a file. `RtpReplayer` sends it again in real time from one UDP socket, looped, with each
 * SSRC's sequence numbers and timestamps carried on across the loop so every stream stays continuous.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** Change this when the encoding below changes: a cached recording of another version is made again. */
export const RECORDING_VERSION = 'vp8-720p-simulcast-3l-v2';

export const VIDEO_PAYLOAD_TYPE = 101;
const CLOCK_RATE = 90_000;
const FPS = 30;
/** 8 s: a whole number of GOPs (-g 60), so keyframes keep their cadence across the loop. */
const FRAMES = 240;

/** The three layers, lowest first (the order mediasoup's simulcast encodings take). */
export const LAYERS = [
  { ssrc: 0x11110001, width: 320, height: 180, kbps: 150 },
  { ssrc: 0x11110002, width: 640, height: 360, kbps: 500 },
  { ssrc: 0x11110003, width: 1280, height: 720, kbps: 1500 },
] as const;

export interface RecordedPacket {
  ssrc: number;
  /** When to send it, ms from the start of the recording (from its RTP timestamp). */
  atMs: number;
  data: Buffer;
}

export interface Recording {
  version: string;
  /** One loop's length. */
  durationMs: number;
  packets: RecordedPacket[];
}

export function defaultCacheDir(): string {
  return process.env.BENCH_MEDIA_CACHE ?? path.join(os.homedir(), '.cache', 'chunfeng-live', 'bench');
}

function cacheFile(dir: string): string {
  return path.join(dir, `${RECORDING_VERSION}.bin`);
}

/** Layout: per packet u32 ssrc, f64 atMs, u16 length, bytes. */
function serialize(recording: Recording): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(8);
  head.writeDoubleLE(recording.durationMs);
  parts.push(head);
  for (const p of recording.packets) {
    const h = Buffer.alloc(14);
    h.writeUInt32LE(p.ssrc, 0);
    h.writeDoubleLE(p.atMs, 4);
    h.writeUInt16LE(p.data.length, 12);
    parts.push(h, p.data);
  }
  return Buffer.concat(parts);
}

function deserialize(buf: Buffer): Recording {
  const durationMs = buf.readDoubleLE(0);
  const packets: RecordedPacket[] = [];
  let off = 8;
  while (off < buf.length) {
    const ssrc = buf.readUInt32LE(off);
    const atMs = buf.readDoubleLE(off + 4);
    const len = buf.readUInt16LE(off + 12);
    packets.push({ ssrc, atMs, data: Buffer.from(buf.subarray(off + 14, off + 14 + len)) });
    off += 14 + len;
  }
  return { version: RECORDING_VERSION, durationMs, packets };
}

/** The cached recording, made first if there is none (ffmpeg: 5–20 s of CPU, as fast as it encodes). */
export async function loadRecording(dir = defaultCacheDir(), log: (m: string) => void = () => {}): Promise<Recording> {
  const file = cacheFile(dir);
  if (fs.existsSync(file)) {
    const recording = deserialize(fs.readFileSync(file));
    if (recording.packets.length > 0) return recording;
  }
  log(`recording the 720p simulcast publisher once (ffmpeg, ${FRAMES / FPS} s); cached in ${file}`);
  let recording: Recording | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && !recording; attempt++) {
    try {
      recording = await record();
    } catch (error) {
      lastError = error;
      log(`recording failed (${error instanceof Error ? error.message : String(error)}); trying again`);
    }
  }
  if (!recording) throw lastError instanceof Error ? lastError : new Error(String(lastError));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, serialize(recording));
  fs.renameSync(tmp, file);
  return recording;
}

/** Encodes the three layers with ffmpeg and keeps every RTP packet it sends; checks none is missing. */
async function record(): Promise<Recording> {
  const sockets = await Promise.all(
    LAYERS.map(
      () =>
        new Promise<dgram.Socket>((resolve, reject) => {
          const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
          s.once('error', reject);
          s.bind(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const received = new Map<number, Buffer[]>(LAYERS.map((l) => [l.ssrc, []]));
  for (const s of sockets) {
    s.on('message', (msg) => {
      if (msg.length < 12 || (msg[1]! & 0x7f) !== VIDEO_PAYLOAD_TYPE) return;
      received.get(msg.readUInt32BE(8))?.push(Buffer.from(msg));
    });
  }
  const outputs = LAYERS.flatMap((layer, i) => [
    '-map', i === 2 ? '[top]' : `[s${i}]`,
    '-frames:v', String(FRAMES),
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-g', '60', '-keyint_min', '60',
    '-b:v', `${layer.kbps}k`, '-maxrate', `${layer.kbps}k`, '-bufsize', `${layer.kbps}k`,
    '-ssrc', String(layer.ssrc), '-payload_type', String(VIDEO_PAYLOAD_TYPE), '-pkt_size', '1200',
    '-f', 'rtp', `rtp://127.0.0.1:${(sockets[i]!.address()).port}`,
  ]);
  const filter = `[0:v]split=3[a][b][top];[a]scale=${LAYERS[0].width}:${LAYERS[0].height}[s0];[b]scale=${LAYERS[1].width}:${LAYERS[1].height}[s1]`;
  const ffmpeg = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${FPS}`, '-filter_complex', filter, ...outputs],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  ffmpeg.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        ffmpeg.kill('SIGKILL');
        reject(new Error('ffmpeg did not finish the recording within 60 s'));
      }, 60_000);
      ffmpeg.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      ffmpeg.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code !== 0) throw new Error(`ffmpeg exited with ${String(code)}: ${stderr.trim()}`);
    // The last packets may still be in the sockets.
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    if (ffmpeg.exitCode === null) ffmpeg.kill('SIGKILL');
    for (const s of sockets) s.close();
  }
  const packets: RecordedPacket[] = [];
  for (const layer of LAYERS) {
    const list = received.get(layer.ssrc)!;
    if (list.length === 0) throw new Error(`no packets of layer ${layer.width}x${layer.height}`);
    const seq0 = list[0]!.readUInt16BE(2);
    const ts0 = list[0]!.readUInt32BE(4);
    list.forEach((p, i) => {
      if (p.readUInt16BE(2) !== ((seq0 + i) & 0xffff)) throw new Error(`layer ${layer.width}x${layer.height}: packet ${i} missing or out of order`);
      const ticks = (p.readUInt32BE(4) - ts0) >>> 0;
      packets.push({ ssrc: layer.ssrc, atMs: (ticks / CLOCK_RATE) * 1000, data: p });
    });
  }
  packets.sort((a, b) => a.atMs - b.atMs);
  return { version: RECORDING_VERSION, durationMs: (FRAMES / FPS) * 1000, packets };
}

/** Whether an RTP packet carries the start of a VP8 keyframe (RFC 7741's payload descriptor, then the frame's P bit). */
export function isVp8KeyframeStart(rtp: Buffer): boolean {
  const cc = rtp[0]! & 0x0f;
  const hasExtension = (rtp[0]! & 0x10) !== 0;
  let off = 12 + cc * 4;
  if (hasExtension) off += 4 + rtp.readUInt16BE(off + 2) * 4;
  const d = rtp[off]!;
  // S (start of a partition) and partition 0.
  if ((d & 0x10) === 0 || (d & 0x07) !== 0) return false;
  off += 1;
  if (d & 0x80) {
    const x = rtp[off]!;
    off += 1;
    if (x & 0x80) off += rtp[off]! & 0x80 ? 2 : 1;
    if (x & 0x40) off += 1;
    if (x & 0x30) off += 1;
  }
  return off < rtp.length && (rtp[off]! & 0x01) === 0;
}

/**
 * Sends a recording in real time from one UDP socket to `host:port`, looped until stopped; each
 * SSRC's sequence numbers and timestamps go on continuously across the loop, so mediasoup sees one
 * stream per layer. Packets are paced as a browser's pacer does (at 2.5× the recording's mean
 * bitrate): a keyframe leaves over tens of milliseconds, not in one burst. Like a browser, it answers
 * a keyframe request (RTCP PLI or FIR from mediasoup) with a keyframe: it skips ahead to the
 * recording's next keyframe of all layers (at most once every 300 ms), its timestamps carrying on from
 * the frame it replaces.
 */
export class RtpReplayer {
  readonly #recording: Recording;
  readonly #socket: dgram.Socket;
  readonly #host: string;
  readonly #port: number;
  /** When each packet leaves, ms into the loop: its frame's time, or later if the pacer is still busy. */
  readonly #sendAt: number[];
  /** Indexes of the first packet of every frame that is a keyframe on every layer. */
  readonly #syncPoints: number[];
  /** The next sequence number of each SSRC. */
  readonly #seq = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #keyframeWanted = false;
  #lastJump = -Infinity;
  sent = 0;
  /** Keyframe requests answered by skipping ahead. */
  keyframesOnRequest = 0;

  constructor(recording: Recording, socket: dgram.Socket, host: string, port: number, pacingFactor = 2.5) {
    this.#recording = recording;
    this.#socket = socket;
    this.#host = host;
    this.#port = port;
    const bytes = recording.packets.reduce((a, p) => a + p.data.length, 0);
    const bytesPerMs = (pacingFactor * bytes) / recording.durationMs;
    let free = 0;
    this.#sendAt = recording.packets.map((p) => {
      const at = Math.max(p.atMs, free);
      free = at + p.data.length / bytesPerMs;
      return at;
    });
    for (const p of recording.packets) if (!this.#seq.has(p.ssrc)) this.#seq.set(p.ssrc, p.data.readUInt16BE(2));
    // A frame time at which every layer starts a keyframe.
    const keyTimes = new Map<number, Set<number>>();
    for (const p of recording.packets) if (isVp8KeyframeStart(p.data)) (keyTimes.get(Math.round(p.atMs)) ?? keyTimes.set(Math.round(p.atMs), new Set()).get(Math.round(p.atMs))!).add(p.ssrc);
    const layers = this.#seq.size;
    const syncTimes = new Set([...keyTimes].filter(([, ssrcs]) => ssrcs.size === layers).map(([t]) => t));
    this.#syncPoints = [];
    recording.packets.forEach((p, i) => {
      const t = Math.round(p.atMs);
      if (syncTimes.has(t) && (i === 0 || Math.round(recording.packets[i - 1]!.atMs) !== t)) this.#syncPoints.push(i);
    });
    socket.on('message', (msg) => this.#onRtcp(msg));
  }

  /** A PLI (PSFB, FMT 1) or FIR (FMT 4) anywhere in a compound RTCP packet asks for a keyframe. */
  #onRtcp(msg: Buffer): void {
    let off = 0;
    while (off + 4 <= msg.length) {
      const fmt = msg[off]! & 0x1f;
      if (msg[off + 1] === 206 && (fmt === 1 || fmt === 4)) this.#keyframeWanted = true;
      off += (msg.readUInt16BE(off + 2) + 1) * 4;
    }
  }

  start(): void {
    const { packets, durationMs } = this.#recording;
    const tickLoop = Math.round((durationMs / 1000) * CLOCK_RATE);
    /** Where on the clock the current loop's 0 ms is. */
    let loopStart = performance.now();
    /** Added to every timestamp: the loops played, less the media time skipped for keyframes. */
    let tsShift = 0;
    let next = 0;
    const jump = (now: number): void => {
      // Not when a keyframe is next anyway, or one was sent on request just now.
      if (this.#syncPoints.length === 0 || this.#syncPoints.includes(next) || now - this.#lastJump < 300) return;
      const ahead = this.#syncPoints.find((i) => i > next);
      const target = ahead ?? this.#syncPoints[0]!;
      const skippedMs = (ahead === undefined ? durationMs : 0) + packets[target]!.atMs - packets[next]!.atMs;
      tsShift += (ahead === undefined ? tickLoop : 0) - Math.round((skippedMs / 1000) * CLOCK_RATE);
      // The target leaves now.
      loopStart = now - this.#sendAt[target]!;
      next = target;
      this.#lastJump = now;
      this.keyframesOnRequest += 1;
    };
    const step = (): void => {
      if (this.#stopped) return;
      const now = performance.now();
      if (this.#keyframeWanted) {
        this.#keyframeWanted = false;
        jump(now);
      }
      while (!this.#stopped && loopStart + this.#sendAt[next]! <= now) {
        const p = packets[next]!;
        const out = Buffer.from(p.data);
        const seq = this.#seq.get(p.ssrc)!;
        out.writeUInt16BE(seq, 2);
        this.#seq.set(p.ssrc, (seq + 1) & 0xffff);
        out.writeUInt32BE((out.readUInt32BE(4) + tsShift) >>> 0, 4);
        this.#socket.send(out, this.#port, this.#host);
        this.sent += 1;
        next += 1;
        if (next === packets.length) {
          next = 0;
          loopStart += durationMs;
          tsShift += tickLoop;
        }
      }
      this.#timer = setTimeout(step, Math.max(0, loopStart + this.#sendAt[next]! - performance.now()));
    };
    step();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
