import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from '../logger';

export interface WorkerPoolOptions {
  size: number;
  listenIp: string;
  announcedAddress?: string | undefined;
  /** Worker i listens on port + i for both UDP and TCP; 0 lets the OS pick. */
  rtcPort: number;
  /** Wait before replacing a dead worker, so a crash loop does not spin a core. */
  respawnDelayMs?: number;
  logger: Logger;
}

/** One mediasoup worker and the WebRtcServer through which all its WebRTC transports run. */
export interface PooledWorker {
  readonly index: number;
  readonly worker: types.Worker;
  readonly webRtcServer: types.WebRtcServer;
  /** Consumers plus producers placed on this worker; used to pick the least loaded. */
  load: number;
}

export interface WorkerPoolEvents {
  /** A worker died and was replaced; everything on it is gone. */
  workerReplaced: [dead: PooledWorker, replacement: PooledWorker];
  workerLost: [dead: PooledWorker, error: Error];
}

/** A worker per core, each with one UDP and one TCP port, replaced when it dies. */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #options: WorkerPoolOptions;
  readonly #workers: (PooledWorker | undefined)[];
  #closed = false;

  private constructor(options: WorkerPoolOptions) {
    super();
    this.#options = options;
    this.#workers = new Array<PooledWorker | undefined>(options.size).fill(undefined);
  }

  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    try {
      await Promise.all(pool.#workers.map((_, i) => pool.#spawn(i)));
    } catch (error) {
      pool.close();
      throw error;
    }
    options.logger.info({ workers: options.size }, 'mediasoup worker pool started');
    return pool;
  }

  get workers(): readonly PooledWorker[] {
    return this.#workers.filter((w): w is PooledWorker => w !== undefined);
  }

  get size(): number {
    return this.#options.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The live worker with the least load, optionally avoiding some (to spread one session). */
  leastLoaded(exclude: ReadonlySet<number> = new Set()): PooledWorker {
    const live = this.workers.filter((w) => !w.worker.closed);
    const candidates = live.filter((w) => !exclude.has(w.index));
    const pick = (candidates.length > 0 ? candidates : live).reduce<PooledWorker | undefined>(
      (best, w) => (best === undefined || w.load < best.load ? w : best),
      undefined,
    );
    if (!pick) throw new Error('no mediasoup worker is alive');
    return pick;
  }

  async #spawn(index: number): Promise<PooledWorker> {
    const { listenIp, announcedAddress, rtcPort, logger } = this.#options;
    const worker = await mediasoup.createWorker({ logLevel: 'warn', appData: { index } });
    const port = rtcPort > 0 ? rtcPort + index : undefined;
    const listen = (protocol: 'udp' | 'tcp'): types.TransportListenInfo => ({
      protocol,
      ip: listenIp,
      ...(announcedAddress ? { announcedAddress } : {}),
      ...(port !== undefined ? { port } : {}),
    });
    let webRtcServer: types.WebRtcServer;
    try {
      webRtcServer = await worker.createWebRtcServer({ listenInfos: [listen('udp'), listen('tcp')] });
    } catch (error) {
      worker.close();
      throw new Error(`worker ${index}: cannot listen for WebRTC on ${listenIp}:${port ?? 'any'}: ${String(error)}`);
    }
    const entry: PooledWorker = { index, worker, webRtcServer, load: 0 };
    this.#workers[index] = entry;
    worker.on('died', (error) => void this.#onDied(entry, error));
    logger.info({ worker: index, pid: worker.pid, port: port ?? 'random' }, 'mediasoup worker up');
    return entry;
  }

  async #onDied(dead: PooledWorker, error: Error): Promise<void> {
    const { logger } = this.#options;
    logger.error({ worker: dead.index, pid: dead.worker.pid, err: error }, 'mediasoup worker died');
    this.#workers[dead.index] = undefined;
    this.emit('workerLost', dead, error);
    await new Promise((resolve) => setTimeout(resolve, this.#options.respawnDelayMs ?? 1000));
    if (this.#closed) return;
    try {
      const replacement = await this.#spawn(dead.index);
      if (this.#closed) {
        replacement.worker.close();
        return;
      }
      this.emit('workerReplaced', dead, replacement);
    } catch (spawnError) {
      logger.fatal({ worker: dead.index, err: spawnError }, 'could not replace a dead mediasoup worker');
    }
  }

  /**
   * The least loaded live worker, or when every one is dead the next the pool brings back; rejects
   * if none is back within `timeoutMs`.
   */
  liveWorker(timeoutMs: number, exclude: ReadonlySet<number> = new Set()): Promise<PooledWorker> {
    if (this.workers.some((w) => !w.worker.closed)) return Promise.resolve(this.leastLoaded(exclude));
    return new Promise<PooledWorker>((resolve, reject) => {
      const onReplaced = (_dead: PooledWorker, replacement: PooledWorker): void => {
        clearTimeout(timer);
        resolve(replacement);
      };
      const timer = setTimeout(() => {
        this.off('workerReplaced', onReplaced);
        reject(new Error('no mediasoup worker came back'));
      }, timeoutMs);
      this.once('workerReplaced', onReplaced);
    });
  }

  /** Health of each worker slot: alive, and its resource usage where alive. */
  health(): Array<{ index: number; alive: boolean; pid?: number; load?: number }> {
    return this.#workers.map((w, index) =>
      w && !w.worker.closed ? { index, alive: true, pid: w.worker.pid, load: w.load } : { index, alive: false },
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#workers) w?.worker.close();
  }
}
