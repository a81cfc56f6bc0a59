import fs from 'node:fs';
import path from 'node:path';
import { StartupError } from '../startupError';

/** What stops the data directory from taking writes; each is something an operator can act on. */
export type StorageProblem = 'disk-full' | 'read-only' | 'io';

export interface ProbeResult {
  ok: boolean;
  dir: string;
  problem?: StorageProblem;
  /** The errno code the file system answered with. */
  code?: string;
  /** What the file system said (an errno code and its message), or how long the probe took. */
  detail: string;
  /** When the probe that gave this answer started (ms since the epoch). */
  checkedAt: number;
}

export interface StorageProbeOptions {
  dir: string;
  /** A fresh probe at most this often: /healthz polled every 100 ms must not write 10 files a second. */
  minIntervalMs?: number;
  /** A probe that has not finished by then is reported as an I/O problem (a hung mount). */
  timeoutMs?: number;
  clock?: () => number;
}

const PROBE_BYTES = Buffer.alloc(4096, 0x2e);

/** The errno codes the file system answers with, mapped to what an operator should know. */
export function storageProblemOf(code: string | undefined): StorageProblem {
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'disk-full';
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'read-only';
  return 'io';
}

const WHAT: Record<StorageProblem, { is: string; todo: string }> = {
  'disk-full': { is: 'is on a full disk', todo: 'free space on it, or point DATA_DIR at a disk with room' },
  'read-only': { is: 'is read-only or not writable by this user', todo: 'remount it read-write or fix its owner and permissions, or point DATA_DIR at a writable directory' },
  io: { is: 'fails to write', todo: 'check the disk and the kernel log (dmesg), or point DATA_DIR at another disk' },
};

/** The one line printed when the data directory stops the server at start: where, what is wrong, what to do. */
export function dataDirRefusal(dir: string, problem: StorageProblem, code: string): string {
  return `DATA_DIR ${dir} ${WHAT[problem].is} (${code}): ${WHAT[problem].todo}`;
}

/**
 * mkdir -p that says why it failed: Node's recursive mkdir answers ENOENT when a missing level
 * cannot be made on a read-only file system, so the missing levels are made one at a time.
 */
async function makeDirectory(dir: string): Promise<void> {
  if (fs.existsSync(dir)) return;
  const missing: string[] = [];
  for (let level = dir; !fs.existsSync(level) && path.dirname(level) !== level; level = path.dirname(level)) missing.unshift(level);
  for (const level of missing) await fs.promises.mkdir(level);
}

/**
 * Creates the data directory if needed and checks it takes a durable write, before anything else
 * writes there; a StartupError with one line otherwise (rather than "unable to open database file").
 */
export async function checkDataDirAtStart(probe: StorageProbe): Promise<void> {
  try {
    await makeDirectory(probe.dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new StartupError(dataDirRefusal(probe.dir, storageProblemOf(code), code), { cause: error });
  }
  const result = await probe.check(0);
  if (!result.ok) throw new StartupError(dataDirRefusal(probe.dir, result.problem ?? 'io', result.code ?? 'no answer'));
}

/**
 * Whether the data directory takes a durable write now: creates a new probe file of one page, writes
 * and fsyncs it, and removes it, off the event loop. A new file each time, because rewriting one in
 * place reuses its blocks and succeeds on a full disk. At most one probe runs at a time and a fresh
 * one starts at most every `minIntervalMs`; callers in between share the last answer (with its age).
 * A probe still running after `timeoutMs` is answered as an I/O problem, and no new one is started
 * behind it (each would hold one of libuv's four file-system threads).
 */
export class StorageProbe {
  readonly dir: string;
  readonly #minIntervalMs: number;
  readonly #timeoutMs: number;
  readonly #clock: () => number;
  #last: ProbeResult | undefined;
  #running: { startedAt: number; done: Promise<ProbeResult> } | undefined;
  #count = 0;

  constructor({ dir, minIntervalMs = 1000, timeoutMs = 5000, clock = Date.now }: StorageProbeOptions) {
    this.dir = dir;
    this.#minIntervalMs = minIntervalMs;
    this.#timeoutMs = timeoutMs;
    this.#clock = clock;
  }

  /** The last answer, if any probe has finished. */
  get last(): ProbeResult | undefined {
    return this.#last;
  }

  /**
   * The answer of a probe at most `maxAgeMs` old (by default `minIntervalMs`), running one if needed.
   * A write that just failed asks with a short age, to name what went wrong now.
   */
  check(maxAgeMs = this.#minIntervalMs): Promise<ProbeResult & { ageMs: number }> {
    const now = this.#clock();
    if (this.#last && now - this.#last.checkedAt < maxAgeMs) return Promise.resolve(this.#aged(this.#last));
    return this.#probe().then((result) => this.#aged(result));
  }

  #aged(result: ProbeResult): ProbeResult & { ageMs: number } {
    return { ...result, ageMs: Math.max(0, this.#clock() - result.checkedAt) };
  }

  #probe(): Promise<ProbeResult> {
    const running = this.#running;
    if (running) {
      const waited = this.#clock() - running.startedAt;
      if (waited < this.#timeoutMs) return running.done;
      return Promise.resolve({ ok: false, dir: this.dir, problem: 'io', detail: `a probe write has not finished after ${waited} ms`, checkedAt: running.startedAt });
    }
    const startedAt = this.#clock();
    const done = this.#write(startedAt).then((result) => {
      this.#running = undefined;
      this.#last = result;
      return result;
    });
    this.#running = { startedAt, done };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<ProbeResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, dir: this.dir, problem: 'io', detail: `a probe write has not finished after ${this.#timeoutMs} ms`, checkedAt: startedAt }), this.#timeoutMs);
      timer.unref();
    });
    return Promise.race([done, late]).finally(() => clearTimeout(timer));
  }

  async #write(startedAt: number): Promise<ProbeResult> {
    this.#count += 1;
    const file = path.join(this.dir, `.probe-${process.pid}-${this.#count}`);
    let handle: fs.promises.FileHandle | undefined;
    try {
      handle = await fs.promises.open(file, 'w');
      await handle.writeFile(PROBE_BYTES);
      await handle.sync();
      return { ok: true, dir: this.dir, detail: `wrote and fsynced ${PROBE_BYTES.length} bytes in ${this.#clock() - startedAt} ms`, checkedAt: startedAt };
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      return { ok: false, dir: this.dir, problem: storageProblemOf(code), ...(code ? { code } : {}), detail: message, checkedAt: startedAt };
    } finally {
      await handle?.close().catch(() => undefined);
      await fs.promises.rm(file, { force: true }).catch(() => undefined);
    }
  }
}
