import { Worker } from 'node:worker_threads';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import { StoreError } from './storeError';
import type { FromWriter, ToWriter, WriterData } from './sqliteWriterThread';
import type { WriteOp, WriteOutcome, WriteResults } from './sqliteWrites';

export interface SqliteWriterOptions extends WriterData {
  /** Restarts of a dead writer thread allowed within a minute before the store is marked down. */
  maxRestarts?: number;
  /** How long the store stays down before a new thread is tried; doubled while it keeps failing, up to 32×. */
  restartBackoffMs?: number;
  /** Writes waiting for their commit past which a new one is refused at once (queue-full). */
  maxQueued?: number;
  logger?: Pick<Logger, 'warn' | 'error'>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

const THREAD = new URL('./sqliteWriterThread.ts', import.meta.url);

/**
 * Starts the writer thread. The server runs TypeScript through tsx, whose loader a worker does not
 * inherit: a .ts entry is loaded behind a one-line bootstrap that registers tsx first.
 */
function startThread(workerData: WriterData): Worker {
  if (!THREAD.pathname.endsWith('.ts')) return new Worker(THREAD, { workerData });
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

function rebuild(error: Extract<WriteOutcome, { ok: false }>['error']): Error {
  if (error.kind === 'store') return new StoreError(error.reason, error.message);
  if (error.kind === 'domain') return new DomainError(error.code, error.message);
  return new Error(error.message);
}

/**
 * The event loop's handle on the embedded store's writer thread. Writes made in the same turn go to
 * the thread as one message; each promise settles when the thread reports its group committed (on
 * disk) or failed, with a typed StoreError. A thread that dies fails the writes it held (they were
 * never acknowledged, and every write is safe to retry) and is restarted; past `maxRestarts` in a
 * minute (or when the thread cannot open the file) the writer is down: every write fails at once
 * with a StoreError until, after a back-off, a new thread has opened the file. Past `maxQueued`
 * writes awaiting their commit a new one fails at once (queue-full) rather than piling up.
 */
export class SqliteWriter {
  readonly #data: WriterData;
  readonly #maxRestarts: number;
  readonly #baseBackoffMs: number;
  readonly #maxQueued: number;
  #backoffMs: number;
  /** Runs while the writer is down; when it fires a new thread is tried. */
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** Set when the last write failed for want of space (and when); cleared by the next one that commits. */
  #diskFull: { error: StoreError; at: number } | undefined;
  readonly #logger: SqliteWriterOptions['logger'];
  readonly #pending = new Map<number, Pending>();
  #outbox: Array<{ id: number; op: WriteOp }> = [];
  #nextId = 1;
  #worker: Worker;
  #restarts: number[] = [];
  #down: StoreError | undefined;
  #groups = 0;
  #writes = 0;
  #closed: Promise<void> | undefined;

  constructor({ maxRestarts = 3, restartBackoffMs = 10_000, maxQueued = 10_000, logger, ...data }: SqliteWriterOptions) {
    this.#data = data;
    this.#maxRestarts = maxRestarts;
    this.#baseBackoffMs = restartBackoffMs;
    this.#backoffMs = restartBackoffMs;
    this.#maxQueued = maxQueued;
    this.#logger = logger;
    this.#worker = this.#start();
  }

  /** Queues one durable write; resolves once it is committed to disk. */
  write<O extends WriteOp>(op: O): Promise<WriteResults[O['op']]> {
    if (this.#closed) return Promise.reject(new StoreError('closed', 'the store is closed'));
    if (this.#down) return Promise.reject(this.#down);
    if (this.#pending.size >= this.#maxQueued) {
      return Promise.reject(new StoreError('queue-full', `${this.#pending.size} writes are waiting for the disk; try again shortly`));
    }
    const id = this.#nextId++;
    const settled = new Promise<WriteResults[O['op']]>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    if (this.#pending.size === 1) this.#worker.ref();
    this.#outbox.push({ id, op });
    if (this.#outbox.length === 1) setImmediate(() => this.#send());
    return settled;
  }

  /** Whether writes are being accepted and can be stored, for the store's health check. */
  health(): { ok: boolean; detail: string; diskFullSince?: number } {
    if (this.#down) return { ok: false, detail: `${this.#down.message}; ${this.#retry ? 'a new writer thread will be tried' : 'a new writer thread is opening the file'}` };
    if (this.#diskFull) return { ok: false, detail: `the last write failed and none has been stored since: ${this.#diskFull.error.message}`, diskFullSince: this.#diskFull.at };
    return { ok: true, detail: `writer thread ${this.#worker.threadId}, ${this.#restarts.length} restart(s) in the last minute` };
  }

  /** Writes the thread has settled, and in how many groups (one commit round each: one transaction per 512 writes). */
  stats(): { writes: number; groups: number } {
    return { writes: this.#writes, groups: this.#groups };
  }

  /** Stops the thread as a crash would (tests use this to check that a dead writer is survived). */
  async kill(): Promise<void> {
    await this.#worker.terminate();
  }

  /** Commits what was queued, then stops the thread. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      clearTimeout(this.#retry);
      this.#retry = undefined;
      if (this.#down) {
        void this.#worker.terminate().then(() => resolve());
        return;
      }
      this.#send();
      this.#worker.once('exit', () => resolve());
      this.#worker.postMessage({ type: 'close' } satisfies ToWriter);
    });
    return this.#closed;
  }

  #send(): void {
    if (this.#outbox.length === 0) return;
    const batch = this.#outbox;
    this.#outbox = [];
    this.#worker.postMessage({ type: 'write', batch } satisfies ToWriter);
  }

  #start(): Worker {
    const worker = startThread(this.#data);
    if (this.#pending.size === 0) worker.unref();
    worker.on('message', (message: FromWriter) => {
      if (worker === this.#worker) this.#receive(message);
    });
    // An uncaught error in the thread is followed by 'exit', which does the handling.
    worker.on('error', (error) => this.#logger?.error({ err: error }, 'the store writer thread failed'));
    worker.once('exit', (code) => this.#exited(worker, code));
    return worker;
  }

  #receive(message: FromWriter): void {
    if (message.type === 'ready') {
      // A thread tried after a back-off has opened the file: writes are accepted again.
      if (this.#down) {
        this.#logger?.warn({ reason: this.#down.reason }, 'the store writer is back');
        this.#down = undefined;
      }
      return;
    }
    if (message.type === 'failed') {
      // The file could not be opened (corrupt, read-only, disk full): restarting at once will not
      // help, but an operator may fix it; a new thread tries again after the back-off.
      this.#fail(rebuild(message.outcome.error) as StoreError);
      return;
    }
    this.#groups += 1;
    this.#writes += message.results.length;
    this.#backoffMs = this.#baseBackoffMs;
    for (const { id, outcome } of message.results) {
      if (outcome.ok) this.#diskFull = undefined;
      else if (outcome.error.kind === 'store' && outcome.error.reason === 'disk-full') this.#diskFull = { error: rebuild(outcome.error) as StoreError, at: Date.now() };
      const pending = this.#pending.get(id);
      if (!pending) continue;
      this.#pending.delete(id);
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(rebuild(outcome.error));
    }
    if (this.#pending.size === 0) this.#worker.unref();
  }

  #exited(worker: Worker, code: number): void {
    if (worker !== this.#worker || this.#closed) return;
    // Writes the thread held may or may not have been committed: they fail, never acknowledged.
    // Writes still in the outbox were never sent and go to the next thread.
    const lost = new StoreError('writer-down', `the writer thread stopped (exit ${code}); the write was not acknowledged`);
    const unsent = new Set(this.#outbox.map((w) => w.id));
    for (const [id, pending] of this.#pending) {
      if (unsent.has(id)) continue;
      pending.reject(lost);
      this.#pending.delete(id);
    }
    // A thread tried after the back-off stopped before it could open the file: wait and try again.
    if (this.#down) {
      this.#retry ??= this.#scheduleRetry();
      return;
    }
    const now = Date.now();
    this.#restarts = [...this.#restarts.filter((at) => now - at < 60_000), now];
    if (this.#restarts.length > this.#maxRestarts) {
      this.#fail(new StoreError('writer-down', `the writer thread stopped ${this.#restarts.length} times within a minute`));
      return;
    }
    this.#logger?.warn({ exitCode: code }, 'the store writer thread stopped; restarting it');
    this.#worker = this.#start();
    this.#send();
  }

  #fail(error: StoreError): void {
    this.#down = error;
    this.#logger?.error({ reason: error.reason, retryInMs: this.#backoffMs }, error.message);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.#outbox = [];
    void this.#worker.terminate();
    clearTimeout(this.#retry);
    this.#retry = this.#scheduleRetry();
  }

  /** After the back-off a new thread opens the file; until it says so the writer stays down. */
  #scheduleRetry(): ReturnType<typeof setTimeout> {
    const wait = this.#backoffMs;
    this.#backoffMs = Math.min(wait * 2, this.#baseBackoffMs * 32);
    const timer = setTimeout(() => {
      this.#retry = undefined;
      if (this.#closed) return;
      this.#restarts = [];
      this.#worker = this.#start();
    }, wait);
    timer.unref();
    return timer;
  }
}
