/**
 * The benchmark's own processes and the machine's counters: children driven over IPC, CPU time and
 * run-queue waits from /proc, pinning (taskset) and priority, UDP socket drops, and closing mediasoup
 * workers so that none outlives a run.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { types } from 'mediasoup';
import type { WorkerPool } from '../../server/src/media/workerPool';

const TICKS_PER_SECOND = 100;

/** A child process spoken to over IPC: a request waits for the answer of the type it names. */
export class IpcChild<C extends { type: string }, R extends { type: string }> {
  readonly child: ChildProcess;
  readonly name: string;
  #exited: string | undefined;
  readonly #waiting = new Set<{ type: string; resolve: (r: R) => void; reject: (e: Error) => void }>();

  constructor(file: string, name: string, execArgv: string[] = ['--import', 'tsx']) {
    this.name = name;
    this.child = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: R) => {
      for (const w of [...this.#waiting]) {
        if (message.type === 'error') w.reject(new Error(`${name}: ${(message as unknown as { message: string }).message}`));
        else if (message.type === w.type) w.resolve(message);
        else continue;
        this.#waiting.delete(w);
        if (message.type !== 'error') break;
      }
    });
    this.child.once('exit', (code, signal) => {
      this.#exited = `${name} exited (${signal ?? String(code)})`;
      for (const w of this.#waiting) w.reject(new Error(this.#exited));
      this.#waiting.clear();
    });
    this.child.on('error', () => {});
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.#exited === undefined;
  }

  /** Sends `command` and waits for the answer of type `answer` (an `error` message rejects). */
  request<T extends R['type']>(command: C, answer: T, timeoutMs = 30_000): Promise<Extract<R, { type: T }>> {
    const answered = this.waitFor(answer, timeoutMs);
    if (this.alive) this.child.send(command);
    return answered;
  }

  /** The next message of type `type` (an `error` message, or the process exiting, rejects). */
  waitFor<T extends R['type']>(type: T, timeoutMs = 30_000): Promise<Extract<R, { type: T }>> {
    if (this.#exited) return Promise.reject(new Error(this.#exited));
    return new Promise((resolve, reject) => {
      const entry = {
        type: type as string,
        resolve: (r: R) => {
          clearTimeout(timer);
          resolve(r as Extract<R, { type: T }>);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.#waiting.delete(entry);
        reject(new Error(`${this.name}: no '${type}' within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.#waiting.add(entry);
    });
  }

  /** Asks it to stop, then kills it if it has not within `graceMs`. */
  async stop(command?: C, graceMs = 2000): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      if (command && this.child.connected) this.child.send(command);
      else this.child.kill('SIGTERM');
    } catch {
      this.child.kill('SIGTERM');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** CPU time (user + system, seconds) of a whole process, threads included. */
export function processCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Closes a mediasoup worker and waits (up to `waitMs`) for its process to be gone, SIGKILLing it at the end. */
export async function closeWorker(worker: types.Worker, waitMs = 3000): Promise<void> {
  const pid = worker.pid;
  worker.close();
  const deadline = Date.now() + waitMs;
  while (fs.existsSync(`/proc/${pid}`) && !isZombie(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * Raises a process's main thread's priority (nice −10) where allowed, so that the worker being
 * measured and the publisher feeding it come before the sinks and the driving process on a shared
 * core: a starved publisher sends what it owes at once, which can overflow the worker's socket as loss
 * the worker did not cause. With autogroup scheduling (Debian's default) nice orders the processes of
 * one session only: other sessions' work still takes its share (see runQueueWaitSeconds).
 * Whether it could (false: not permitted; the run goes on at the default priority).
 */
export function prioritize(pid: number): boolean {
  try {
    os.setPriority(pid, -10);
    return true;
  } catch {
    return false;
  }
}

/** Pins a process and all its threads to `cores` (taskset). */
export function pinProcess(pid: number, cores: readonly number[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('taskset', ['-a', '-cp', cores.join(','), String(pid)], (error, _stdout, stderr) => (error ? reject(new Error(`taskset ${pid}: ${stderr || error.message}`)) : resolve()));
  });
}

/**
 * Seconds a process's main thread has waited, runnable, for a core (/proc/<pid>/schedstat's second
 * field): high when the machine's other work has the core, whatever this process's priority (with
 * autogroup scheduling, nice only orders the processes of one session).
 */
export function runQueueWaitSeconds(pid: number): number {
  return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
}

/** Busy time (everything but idle and iowait) of each core so far, seconds, from /proc/stat. */
export function coreBusySeconds(): number[] {
  return fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d+ /.test(l))
    .map((l) => {
      const f = l.split(/\s+/).slice(1).map(Number);
      // user nice system idle iowait irq softirq steal (guest time is counted in user already)
      return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / TICKS_PER_SECOND;
    });
}

/** Kernel drops of the UDP sockets bound to 127.0.0.1 on `ports` (/proc/net/udp's last column), summed. */
export function udpDrops(ports: Iterable<number>): number {
  const wanted = new Set(ports);
  let total = 0;
  for (const line of fs.readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 13) continue;
    const [ip, portHex] = cols[1]!.split(':');
    if (ip !== '0100007F' || !wanted.has(parseInt(portHex!, 16))) continue;
    total += Number(cols[cols.length - 1]);
  }
  return total;
}

/** Whether a process still runs (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !isZombie(pid);
}

/** Closes a worker pool and waits (up to 3 s) until its workers' processes are gone: none outlives a run. */
export async function closePool(pool: WorkerPool): Promise<void> {
  const pids = pool.workers.map((w) => w.worker.pid);
  pool.close();
  for (let i = 0; i < 60 && pids.some((pid) => alive(pid)); i++) await new Promise((r) => setTimeout(r, 50));
}
