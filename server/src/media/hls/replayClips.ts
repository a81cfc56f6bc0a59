import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClipView } from '@chunfeng/shared/clips';
import { DomainError } from '../../domain/errors';
import type { Logger } from '../../logger';
import { parseMediaPlaylist, type Segment } from './playlist';

/** Where a session's clips and stills are kept: inside its HLS directory, so they go with the replay. */
export const CLIPS_DIR = '.clips';
/** Renditions a clip is cut from, best picture first (the audio-only rung has no picture for a still). */
const PICTURE_RENDITIONS = ['720p', '360p'] as const;
/** A segment name as the mixer writes it: anything else in a playlist is not opened. */
const SEGMENT_NAME = /^[A-Za-z0-9_-]{1,64}\.ts$/;
/** A clip's id names its rendition and its first and last segment: the cache key and the file name. */
export const CLIP_ID = /^(720p|360p)-(\d{1,7})-(\d{1,7})$/;

export interface ReplayClipsOptions {
  /** The HLS directory of a session (validated there: ids that are not path-safe throw). */
  sessionDir: (sessionId: string) => string;
  logger: Logger;
  /** ffmpeg processes at once; at most one per core. */
  concurrency?: number;
  /** Jobs waiting or running at once, beyond which a request is refused (RATE_LIMITED). */
  maxJobs?: number;
  /** An ffmpeg run that takes longer is killed and its job fails. */
  timeoutMs?: number;
  ffmpegPath?: string;
}

/** A finished recording's picture timeline, as its best picture rendition's VOD playlist lists it. */
export interface Recording {
  rendition: (typeof PICTURE_RENDITIONS)[number];
  segments: Segment[];
  duration: number;
}

interface Job {
  view: ClipView;
  sessionId: string;
  run: () => Promise<void>;
  done: Promise<void>;
  settle: (error?: Error) => void;
}

interface Meta {
  start: number;
  end: number;
  duration: number;
  bytes: number;
  createdAt: string;
}

/**
 * Publicity clips and stills from a finished replay, made by ffmpeg without re-encoding: the clip
 * copies the recording's own H.264/AAC out of its HLS segments into an MP4 (moov first, so it starts
 * playing before it has downloaded). Segments begin on a keyframe, so a clip is cut at segment
 * boundaries: the span asked for is widened to the segments that hold it. ffmpeg runs as a child
 * process from a queue (bounded concurrency, a timeout, progress from its -progress output); results
 * are kept on disk by (session, segments), under the session's directory, and go when the replay goes.
 */
export class ReplayClips {
  readonly #options: Required<Omit<ReplayClipsOptions, 'logger' | 'sessionDir'>> & Pick<ReplayClipsOptions, 'logger' | 'sessionDir'>;
  /** Jobs waiting or running, by session and clip id. */
  readonly #jobs = new Map<string, Job>();
  readonly #queue: Job[] = [];
  readonly #children = new Set<ChildProcess>();
  #running = 0;
  #closed = false;

  constructor({ sessionDir, logger, concurrency = Math.max(1, Math.floor(os.availableParallelism() / 2)), maxJobs = 16, timeoutMs = 120_000, ffmpegPath = 'ffmpeg' }: ReplayClipsOptions) {
    this.#options = { sessionDir, logger, concurrency: Math.min(Math.max(1, concurrency), os.availableParallelism()), maxJobs, timeoutMs, ffmpegPath };
  }

  /** The finished recording of a session, or undefined when it has none (not recorded, or not ended yet). */
  async recording(sessionId: string): Promise<Recording | undefined> {
    const dir = this.#options.sessionDir(sessionId);
    const meta = await fs.readFile(path.join(dir, 'session.json'), 'utf8').then((t) => JSON.parse(t) as { endedAt?: unknown }, () => undefined);
    if (!meta?.endedAt) return undefined;
    for (const rendition of PICTURE_RENDITIONS) {
      const text = await fs.readFile(path.join(dir, rendition, 'vod.m3u8'), 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      const { segments } = parseMediaPlaylist(text);
      if (segments.length === 0 || !segments.every((s) => SEGMENT_NAME.test(s.uri))) continue;
      return { rendition, segments, duration: segments.reduce((sum, s) => sum + s.duration, 0) };
    }
    return undefined;
  }

  /** The segments that hold [start, end]: the clip is cut at their boundaries. */
  static span(recording: Recording, start: number, end: number): { first: number; last: number; start: number; end: number } {
    const { segments } = recording;
    let first = 0;
    while (first + 1 < segments.length && segments[first + 1]!.start <= start) first++;
    let last = first;
    while (last + 1 < segments.length && segments[last + 1]!.start < end) last++;
    const from = segments[first]!.start;
    const to = segments[last]!.start + segments[last]!.duration;
    return { first, last, start: round(from), end: round(to) };
  }

  /**
   * The clip of [start, end] (seconds of the replay, checked by the caller against its length):
   * done already (on disk), being made, or queued now.
   */
  async clip(sessionId: string, recording: Recording, start: number, end: number): Promise<ClipView> {
    const span = ReplayClips.span(recording, start, end);
    const id = `${recording.rendition}-${span.first}-${span.last}`;
    const job = this.#jobs.get(`${sessionId}/${id}`);
    if (job) return { ...job.view };
    const made = await this.#readMeta(sessionId, id);
    if (made) return made;
    const view: ClipView = { id, start: span.start, end: span.end, state: 'queued', progress: 0, bytes: null, duration: null };
    const segments = recording.segments.slice(span.first, span.last + 1);
    const dir = path.join(this.#options.sessionDir(sessionId), CLIPS_DIR);
    const renditionDir = path.join(this.#options.sessionDir(sessionId), recording.rendition);
    this.#enqueue(sessionId, view, async () => {
      await fs.mkdir(dir, { recursive: true });
      // The concat demuxer takes each segment's own timestamps from zero after the previous one, so
      // an encoder restart inside the span (a discontinuity) does not leave a gap or a jump.
      const list = segments.map((s) => `file '${path.join(renditionDir, s.uri)}'\nduration ${s.duration}`).join('\n');
      const tmp = path.join(dir, `${id}.${crypto.randomUUID()}.tmp`);
      const listFile = `${tmp}.txt`;
      const out = `${tmp}.mp4`;
      await fs.writeFile(listFile, `ffconcat version 1.0\n${list}\n`);
      try {
        const expected = span.end - span.start;
        await this.#ffmpeg(
          ['-f', 'concat', '-safe', '0', '-i', listFile, '-map', '0:v:0?', '-map', '0:a:0?', '-c', 'copy', '-bsf:a', 'aac_adtstoasc', '-movflags', '+faststart', '-f', 'mp4', out],
          (seconds) => (view.progress = Math.min(0.99, seconds / expected)),
        );
        const { size } = await fs.stat(out);
        const meta: Meta = { start: span.start, end: span.end, duration: round(expected), bytes: size, createdAt: new Date().toISOString() };
        await fs.rename(out, path.join(dir, `${id}.mp4`));
        await fs.writeFile(path.join(dir, `${id}.json`), JSON.stringify(meta));
        Object.assign(view, { progress: 1, bytes: size, duration: meta.duration });
      } finally {
        await Promise.all([fs.rm(listFile, { force: true }), fs.rm(out, { force: true })]);
      }
    });
    return { ...view };
  }

  /** The clips of a session: those on disk and those being made, in the replay's order. */
  async list(sessionId: string): Promise<ClipView[]> {
    const dir = path.join(this.#options.sessionDir(sessionId), CLIPS_DIR);
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const ids = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).filter((id) => CLIP_ID.test(id));
    const made = (await Promise.all(ids.map((id) => this.#readMeta(sessionId, id)))).filter((v): v is ClipView => v !== undefined);
    const pending = [...this.#jobs.values()].filter((j) => j.sessionId === sessionId && CLIP_ID.test(j.view.id) && !made.some((m) => m.id === j.view.id)).map((j) => ({ ...j.view }));
    return [...made, ...pending].sort((a, b) => a.start - b.start || a.end - b.end);
  }

  /** The MP4 file of a finished clip, or undefined. */
  async file(sessionId: string, id: string): Promise<{ path: string; view: ClipView } | undefined> {
    if (!CLIP_ID.test(id)) return undefined;
    const view = await this.#readMeta(sessionId, id);
    return view && { path: path.join(this.#options.sessionDir(sessionId), CLIPS_DIR, `${id}.mp4`), view };
  }

  /**
   * A JPEG still of the picture at `at` seconds into the replay (to the tenth of a second), made once
   * and kept: the decoder starts at the keyframe that opens its segment and stops at the first frame
   * at or after `at`.
   */
  async still(sessionId: string, recording: Recording, at: number): Promise<string> {
    const { first } = ReplayClips.span(recording, at, at);
    const segment = recording.segments[first]!;
    const offset = Math.max(0, Math.min(segment.duration - 0.05, at - segment.start));
    const id = `still-${recording.rendition}-${first}-${Math.round(offset * 10)}`;
    const dir = path.join(this.#options.sessionDir(sessionId), CLIPS_DIR);
    const file = path.join(dir, `${id}.jpg`);
    if (await fs.stat(file).then((s) => s.isFile(), () => false)) return file;
    const key = `${sessionId}/${id}`;
    let job = this.#jobs.get(key);
    if (!job) {
      const input = path.join(this.#options.sessionDir(sessionId), recording.rendition, segment.uri);
      job = this.#enqueue(sessionId, { id, start: round(at), end: round(at), state: 'queued', progress: 0, bytes: null, duration: null }, async () => {
        await fs.mkdir(dir, { recursive: true });
        const tmp = path.join(dir, `${id}.${crypto.randomUUID()}.tmp.jpg`);
        try {
          await this.#ffmpeg(['-i', input, '-ss', offset.toFixed(2), '-frames:v', '1', '-q:v', '3', '-f', 'image2', tmp], () => undefined);
          await fs.rename(tmp, file);
        } finally {
          await fs.rm(tmp, { force: true });
        }
      }, { hidden: true });
    }
    await job.done;
    return file;
  }

  /** Kills what runs and refuses what waits; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.settle(new DomainError('UNAVAILABLE', 'the server is shutting down'));
    for (const child of this.#children) child.kill('SIGKILL');
  }

  #enqueue(sessionId: string, view: ClipView, run: () => Promise<void>, { hidden = false } = {}): Job {
    if (this.#closed) throw new DomainError('UNAVAILABLE', 'the server is shutting down');
    if (this.#jobs.size >= this.#options.maxJobs) throw new DomainError('RATE_LIMITED', 'many clips are being made; try again in a minute');
    const key = `${sessionId}/${view.id}`;
    let settle!: (error?: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    // A failed still is answered to its request; a failed clip is shown in the list, never thrown.
    if (!hidden) done.catch(() => undefined);
    const job: Job = { view, sessionId, run, done, settle };
    this.#jobs.set(key, job);
    void done.then(
      () => this.#jobs.delete(key),
      () => {
        view.state = 'failed';
        // A failed clip stays listed a minute (the console shows it failed), then may be asked again.
        setTimeout(() => this.#jobs.get(key) === job && this.#jobs.delete(key), 60_000).unref();
        if (hidden) this.#jobs.delete(key);
      },
    );
    this.#queue.push(job);
    this.#pump();
    return job;
  }

  #pump(): void {
    while (this.#running < this.#options.concurrency && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      this.#running++;
      job.view.state = 'running';
      job
        .run()
        .then(
          () => {
            job.view.state = 'done';
            job.settle();
          },
          (error: unknown) => {
            this.#options.logger.warn({ err: error, sessionId: job.sessionId, clip: job.view.id }, 'could not make a clip');
            job.settle(error instanceof Error ? error : new Error(String(error)));
          },
        )
        .finally(() => {
          this.#running--;
          this.#pump();
        });
    }
  }

  /** Runs ffmpeg, reporting the media seconds written so far; rejects on a failure or the timeout. */
  #ffmpeg(args: string[], onSeconds: (seconds: number) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.#options.ffmpegPath, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1', '-y', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.#children.add(child);
      let stderr = '';
      let pending = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const m = /^out_time_us=(\d+)/.exec(line);
          if (m) onSeconds(Number(m[1]) / 1e6);
        }
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        if (stderr.length < 4000) stderr += chunk;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), this.#options.timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        this.#children.delete(child);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.#children.delete(child);
        if (code === 0) resolve();
        else reject(new Error(signal ? `ffmpeg was stopped (${signal}${signal === 'SIGKILL' ? ', timed out or shut down' : ''})` : `ffmpeg failed (${code}): ${stderr.trim().slice(0, 500)}`));
      });
    });
  }

  async #readMeta(sessionId: string, id: string): Promise<ClipView | undefined> {
    const file = path.join(this.#options.sessionDir(sessionId), CLIPS_DIR, `${id}.json`);
    const meta = await fs.readFile(file, 'utf8').then((t) => JSON.parse(t) as Meta, () => undefined);
    if (!meta || typeof meta.bytes !== 'number') return undefined;
    return { id, start: meta.start, end: meta.end, state: 'done', progress: 1, bytes: meta.bytes, duration: meta.duration };
  }
}

const round = (seconds: number): number => Math.round(seconds * 1000) / 1000;
