// What the audience benchmarks share: load generator processes opening socket.io viewers (see
// bench/load/audienceViewers.ts), spoken to over IPC, and the measuring of pins at those viewers.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { clockOffset, sleep, wallNow } from './clock';
import { percentile, progress } from './result';
import type { ApplicantCommand } from '../load/applicants';
import type { ViewerCommand, ViewerMode, ViewerReport } from '../load/audienceViewers';

const benchDir = path.resolve(import.meta.dirname, '..');

export interface Memory {
  rss: number;
  heapUsed: number;
}

/** Asks a process that loaded memoryProbe.mjs for its memory after a full GC. */
export async function probeMemory(child: ChildProcess, lines: string[]): Promise<Memory> {
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

/** One load generator process (a bench/load script), spoken to over IPC. */
export class Generator {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<string, { resolve: (report: never) => void; reject: (error: Error) => void }>();
  /** How far its clock is ahead of this process's (see syncClock). */
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

export interface Audience {
  generators: Generator[];
  joinMs: number[];
  /** Viewers joined by each generator (generator g connects to urls[g % urls.length]). */
  joinedBy: number[];
  /** Distinct reasons joins failed (a few per generator), empty when every viewer joined first time. */
  failures: string[];
  /** What one more viewer costs the server (when a memory probe was given). */
  perViewer?: Memory;
}

export interface AudienceOptions {
  /** Where each generator's viewers connect: generator g uses urls[g % urls.length]. */
  urls: string[];
  mode: ViewerMode;
  sessionId: string;
  viewers: number;
  generators: number;
  /** The server's memory after GC: when given, the audience opens in two halves and the second half is measured. */
  memory?: () => Promise<Memory>;
  /**
   * The share of the viewers that must join, else openAudience stops its generators and throws
   * (default 0.99). With 0 it returns whatever joined, for a caller that reports joins itself.
   */
  required?: number;
}

/**
 * Opens the audience, `viewers` spread evenly over the generators. With a memory probe it opens in
 * two halves and measures the server's memory after each (after GC): what the second half added,
 * per viewer, is the cost of one more viewer. The first half also pays the process's one-time growth
 * under load (V8's young generation, compiled code, caches), which the full delta would spread over
 * the viewers.
 */
export async function openAudience({ urls, mode, sessionId, viewers, generators: count, memory, required = 0.99 }: AudienceOptions): Promise<Audience> {
  const generators = Array.from({ length: count }, () => new Generator('audienceViewers.ts'));
  const perGenerator = Math.ceil(viewers / count);
  const joinMs: number[] = [];
  const joinedBy = generators.map(() => 0);
  const failures = new Set<string>();
  const open = async (from: number, n: number): Promise<number> => {
    const started = performance.now();
    const ready = await Promise.all(
      generators.map((g, generator) =>
        g.ask<Extract<ViewerReport, { type: 'ready' }>>({ type: 'start', url: urls[generator % urls.length]!, mode, sessionId, from, count: n, generator, concurrency: 10 }, 'ready'),
      ),
    );
    const joined = ready.reduce((sum, r) => sum + r.joined, 0);
    const failed = [...new Set(ready.flatMap((r) => r.failures))];
    for (const [g, r] of ready.entries()) joinedBy[g]! += r.joined;
    for (const f of failed) failures.add(f);
    joinMs.push(...ready.flatMap((r) => r.joinMs));
    progress(`  ${joined} ${mode} viewers joined in ${((performance.now() - started) / 1000).toFixed(1)} s${failed.length ? `; failures: ${failed.join('; ')}` : ''}`);
    if (joined < n * count * required) throw new Error(`only ${joined} of ${n * count} viewers joined: ${failed.join('; ')}`);
    // Let the roster updates of the arrivals go out before anything is measured.
    await sleep(3000);
    return joined;
  };
  let perViewer: Memory | undefined;
  try {
    if (memory) {
      const half = Math.floor(perGenerator / 2);
      await open(0, half);
      const before = await memory();
      const added = await open(half, perGenerator - half);
      const after = await memory();
      perViewer = { rss: (after.rss - before.rss) / added, heapUsed: (after.heapUsed - before.heapUsed) / added };
    } else {
      await open(0, perGenerator);
    }
    for (const g of generators) await g.syncClock();
  } catch (error) {
    // The caller never sees these generators: they are not left running with their sockets open.
    await stopGenerators(generators);
    throw error;
  }
  progress(`  generator clocks: ${generators.map((g) => `${g.offset.toFixed(2)} ms`).join(', ')}`);
  return { generators, joinMs, joinedBy, failures: [...failures], ...(perViewer ? { perViewer } : {}) };
}

/** Every receipt of the pin keyed `key` since the last collect, as latencies from `sentAt`, by generator. */
async function collect(audience: Audience, key: string, sentAt: number): Promise<{ byGenerator: number[][]; bytes: number }> {
  const reports = await Promise.all(audience.generators.map((g) => g.ask<Extract<ViewerReport, { type: 'receipts' }>>({ type: 'collect' }, 'receipts').then((r) => ({ r, g }))));
  const byGenerator = reports.map(({ r, g }) => (r.receipts[key] ?? []).map((t) => t - g.offset - sentAt));
  return { byGenerator, bytes: Math.max(...reports.map(({ r }) => r.bytes)) };
}

export interface PinRun {
  latencies: number[];
  /** The same latencies, by the generator whose viewers received them. */
  byGenerator: number[][];
  /** Each measured pin's own p95: how much the run varied from pin to pin. */
  pinP95: number[];
  /** Receipts short of one per viewer per measured pin. */
  missed: number;
  /** The largest pin event a viewer received. */
  bytes: number;
}

/** Measures `pins` pins of `pin()` at `intervalMs` each, after one warm-up pin, at `viewers` viewers. */
export async function measurePins(audience: Audience, { pins, intervalMs, viewers }: { pins: number; intervalMs: number; viewers: number }, pin: (k: number) => { key: string; done: Promise<unknown> }): Promise<PinRun> {
  const latencies: number[] = [];
  const byGenerator: number[][] = audience.generators.map(() => []);
  const pinP95: number[] = [];
  let missed = 0;
  let bytes = 0;
  for (let k = 0; k <= pins; k += 1) {
    const sentAt = wallNow();
    const { key, done } = pin(k);
    await done;
    await sleep(intervalMs);
    const got = await collect(audience, key, sentAt);
    const all = got.byGenerator.flat();
    bytes = Math.max(bytes, got.bytes);
    progress(`  pin ${k}${k === 0 ? ' (warm-up)' : ''}: ${all.length} receipts, p50 ${percentile(all, 50).toFixed(0)} ms, p95 ${percentile(all, 95).toFixed(0)} ms, max ${percentile(all, 100).toFixed(0)} ms`);
    if (k === 0) continue;
    latencies.push(...all);
    pinP95.push(percentile(all, 95));
    for (const [g, values] of got.byGenerator.entries()) byGenerator[g]!.push(...values);
    missed += Math.max(0, viewers - all.length);
  }
  return { latencies, byGenerator, pinP95, missed, bytes };
}

/** Stops every generator given (those of an audience, and any other). */
export async function stopGenerators(generators: Array<Generator | undefined>): Promise<void> {
  await Promise.all(generators.flatMap((g) => (g ? [g.stop()] : [])));
}
