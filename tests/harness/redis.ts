import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports';

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** Stops it and removes its data dir. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), keeping its data dir, as a crash would; `startRedis({ port, dir })` brings it back. */
  kill(): Promise<void>;
  /**
   * Stops it with the signal (SIGKILL: a crash), waits `downMs`, and starts it again on the same port
   * and data dir (it reloads its append-only file); this object then drives the new process.
   */
  restart(options?: { signal?: NodeJS.Signals; downMs?: number }): Promise<void>;
}

interface Launched {
  child: ChildProcess;
  exited: Promise<void>;
}

async function launch(bin: string, port: number, dir: string, args: readonly string[]): Promise<Launched> {
  const child: ChildProcess = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', ...args],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForPort(port),
      exited.then(() => {
        throw new Error(`redis-server exited at start: ${stderr || 'is it installed? run npm run setup'}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { child, exited };
}

async function halt({ child, exited }: Launched, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  await exited;
}

/**
 * Starts Debian's redis-server on a free loopback port with its own data dir, configured as the
 * platform expects in production (append-only file, fsync before every reply). Given the `port` and
 * `dir` of one that was killed, it starts again on them with its data.
 */
export async function startRedis({
  bin = 'redis-server',
  port: wanted,
  dir: existing,
  args = [],
}: {
  bin?: string;
  port?: number;
  dir?: string;
  /** More of redis-server's options (e.g. `--rename-command CONFIG ""`, as managed services do). */
  args?: readonly string[];
} = {}): Promise<TestRedis> {
  const port = wanted ?? (await freePort());
  const dir = existing ?? fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-redis-'));
  let current: Launched;
  try {
    current = await launch(bin, port, dir, args);
  } catch (error) {
    if (!existing) fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      await halt(current, 'SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      await halt(current, 'SIGKILL');
    },
    async restart({ signal = 'SIGTERM', downMs = 0 } = {}) {
      await halt(current, signal);
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      current = await launch(bin, port, dir, args);
    },
  };
}
