import { fork } from 'node:child_process';

/**
 * Runs a load generator (a bench/load/*.ts file) as its own process: sends it `input`, resolves with
 * the one message it answers with, and rejects if it exits without answering.
 */
export function runLoad<I, O>(file: string | URL, input: I, { timeoutMs = 600_000, nodeFlags = [] }: { timeoutMs?: number; nodeFlags?: string[] } = {}): Promise<O> {
  const child = fork(file, [], { execArgv: ['--import', 'tsx', ...nodeFlags], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<O>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${String(file)} gave no result within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as O);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${String(file)} exited (${String(code)}) without a result`));
    });
    child.send(input as object);
  });
}

/** A load generator's side of runLoad: waits for its input, answers with what `run` returns, exits. */
export function serveLoad<I, O>(run: (input: I) => Promise<O>): void {
  process.once('message', (input) => {
    void run(input as I).then(
      (output) => process.send!(output as object, () => process.exit(0)),
      (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
      },
    );
  });
}
