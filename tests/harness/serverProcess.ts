import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { repoRoot, TEST_ADMIN_PASSWORD } from './server';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Every line the process has written to stdout so far. */
  output: string[];
  /** Ends the process with the signal and waits until it is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Runs the real server as its own process (as `npm start` does), for crash and restart tests. `root`
 * runs it from another place the project is installed at (a copy or links), as its working directory.
 * A variable given as undefined is left out of the process's environment (e.g. BUREAU_ADMIN_PASSWORD).
 */
export async function spawnServer(env: Record<string, string | undefined>, { root = repoRoot }: { root?: string } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'server/src/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      MEDIA_WORKERS: '1',
      RTC_PORT: '0',
      BUREAU_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  const output: string[] = [];
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    // A server that never says it listens is not left running behind the failed test.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 30 s: ${stderr}`));
    }, 30_000);
    void exited.then(() => reject(new Error(`server exited at start: ${stderr}`)));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'Chunfeng Live is listening' && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      } catch {
        // not a log line
      }
    });
  });
  return {
    url,
    child,
    output,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
