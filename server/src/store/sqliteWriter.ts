import { Worker } from 'node:worker_threads';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import { StoreError } from './storeError';
import type { FromWriter, ToWriter, WriterData } from './sqliteWriterThread';
import type { WriteOp, WriteOutcome, WriteResults } from './sqliteWrites';

export interface SqliteWriterOptions extends WriterData {
  /** Restarts of a dead writer thread allowed within a minute before the store is marked down. */
  maxRestarts?: number;
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
 * minute the writer is down and every write fails with StoreError('writer-down').
 */
export class SqliteWriter {
  readonly #data: WriterData;
  readonly #maxRestarts: number;
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

  constructor({ maxRestarts = 3, logger, ...data }: SqliteWriterOptions) {
    this.#data = data;
    this.#maxRestarts = maxRestarts;
    this.#logger = logger;
    this.#worker = this.#start();
  }

  /** Queues one durable write; resolves once it is committed to disk. */
  write<O extends WriteOp>(op: O): Promise<WriteResults[O['op']]> {
    if (this.#closed) return Promise.reject(new StoreError('closed', 'the store is closed'));
    if (this.#down) return Promise.reject(this.#down);
    const id = this.#nextId++;
    const settled = new Promise<WriteResults[O['op']]>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    if (this.#pending.size === 1) this.#worker.ref();
    this.#outbox.push({ id, op });
    if (this.#outbox.length === 1) setImmediate(() => this.#send());
    return settled;
  }

  /** Whether writes are being accepted, for the store's health check. */
  health(): { ok: boolean; detail: string } {
    if (this.#down) return { ok: false, detail: this.#down.message };
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
    worker.on('message', (message: FromWriter) => this.#receive(message));
    // An uncaught error in the thread is followed by 'exit', which does the handling.
    worker.on('error', (error) => this.#logger?.error({ err: error }, 'the store writer thread failed'));
    worker.once('exit', (code) => this.#exited(worker, code));
    return worker;
  }

  #receive(message: FromWriter): void {
    if (message.type === 'ready') return;
    if (message.type === 'failed') {
      // The file could not be opened (corrupt, read-only, disk full): restarting will not help.
      this.#fail(rebuild(message.outcome.error) as StoreError);
      return;
    }
    this.#groups += 1;
    this.#writes += message.results.length;
    for (const { id, outcome } of message.results) {
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
    if (this.#down) return;
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
    this.#logger?.error({ reason: error.reason }, error.message);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.#outbox = [];
    void this.#worker.terminate();
  }
}
