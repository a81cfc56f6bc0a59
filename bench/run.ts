/**
 * Runs the benchmark suites (bench/suites/*.ts), each in its own process, and records what they
 * measured: bench/results/<time>.json for the run, bench/results/latest.json (the newest result of
 * every suite) and the table between the bench markers in README.md.
 *
 *   npm run bench                 every suite
 *   npm run bench -- audience     only the named suites
 *   BENCH_QUICK=1 npm run bench   the small version of each (a smoke run; README left alone)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { suiteResult } from './lib/result';
import { renderTable, type Recorded } from './lib/table';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(benchDir);
const suitesDir = path.join(benchDir, 'suites');
const quick = process.env.BENCH_QUICK === '1';
const resultsDir = path.resolve(process.env.BENCH_RESULTS_DIR ?? path.join(benchDir, 'results'));
/** Suites that need longer than the default: the cluster suite starts two clusters and opens its audience four times; the statistics and scale suites seed a million applications on each store. */
const longerSeconds: Record<string, { quick: number; full: number }> = { cluster: { quick: 300, full: 3600 }, 'store-statistics': { quick: 180, full: 7200 }, 'store-scale': { quick: 180, full: 7200 } };
const suiteTimeoutMs = (name: string): number =>
  Number(process.env.BENCH_SUITE_TIMEOUT_SECONDS ?? longerSeconds[name]?.[quick ? 'quick' : 'full'] ?? (quick ? 180 : 1200)) * 1000;
const readmeMarkers = ['<!-- bench:start -->', '<!-- bench:end -->'] as const;

function machine(): Recorded['machine'] {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function listSuites(): string[] {
  if (!fs.existsSync(suitesDir)) return [];
  return fs
    .readdirSync(suitesDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Runs one suite as its own process; its stderr is shown line by line under its name. */
async function runSuite(name: string): Promise<Recorded> {
  const resultFile = path.join(os.tmpdir(), `chunfeng-bench-${process.pid}-${name}.json`);
  fs.rmSync(resultFile, { force: true });
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(suitesDir, `${name}.ts`)], {
    cwd: root,
    env: { ...process.env, BENCH_RESULT: resultFile },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  readline.createInterface({ input: child.stderr }).on('line', (line) => process.stderr.write(`[${name}] ${line}\n`));
  const timeoutMs = suiteTimeoutMs(name);
  const timer = setTimeout(() => {
    process.stderr.write(`[${name}] no result after ${timeoutMs / 1000} s: stopping it\n`);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c, signal) => resolve(signal ? -1 : c)));
  clearTimeout(timer);
  const base = { finishedAt: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 100) / 10, quick, machine: machine() };
  try {
    if (code !== 0) throw new Error(`exited with ${String(code)}`);
    const parsed = suiteResult.parse(JSON.parse(fs.readFileSync(resultFile, 'utf8')));
    return { ...parsed, ...base };
  } catch (error) {
    return { suite: name, title: name, rows: [], ...base, error: error instanceof Error ? error.message : String(error) };
  } finally {
    fs.rmSync(resultFile, { force: true });
  }
}

function updateReadme(table: string): void {
  const readme = path.join(root, 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  const start = text.indexOf(readmeMarkers[0]);
  const end = text.indexOf(readmeMarkers[1]);
  if (start < 0 || end < start) {
    process.stderr.write('README.md has no bench markers; table not written there\n');
    return;
  }
  fs.writeFileSync(readme, `${text.slice(0, start + readmeMarkers[0].length)}\n${table}\n${text.slice(end)}`);
}

async function main(): Promise<void> {
  const all = listSuites();
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length > 0) {
    process.stderr.write(`unknown suite(s): ${unknown.join(', ')}; suites: ${all.join(', ') || '(none)'}\n`);
    process.exit(2);
  }
  const suites = wanted.length > 0 ? wanted : all;
  fs.mkdirSync(resultsDir, { recursive: true });
  const run: Recorded[] = [];
  for (const [i, name] of suites.entries()) {
    process.stderr.write(`── suite ${i + 1}/${suites.length}: ${name}${quick ? ' (quick)' : ''}\n`);
    const result = await runSuite(name);
    run.push(result);
    process.stderr.write(result.error ? `── ${name} FAILED: ${result.error} (${result.seconds} s)\n` : `── ${name} done (${result.seconds} s)\n`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(resultsDir, `${stamp}${quick ? '-quick' : ''}.json`), `${JSON.stringify(run, null, 2)}\n`);
  // The newest result of every suite; a quick run never replaces a full one.
  const latestFile = path.join(resultsDir, quick ? 'latest-quick.json' : 'latest.json');
  const latest = new Map<string, Recorded>();
  if (fs.existsSync(latestFile)) {
    try {
      for (const r of JSON.parse(fs.readFileSync(latestFile, 'utf8')) as Recorded[]) latest.set(r.suite, r);
    } catch {
      process.stderr.write(`${latestFile} unreadable; starting it again\n`);
    }
  }
  for (const r of run) latest.set(r.suite, r);
  const ordered = [...latest.values()].filter((r) => all.includes(r.suite)).sort((a, b) => a.suite.localeCompare(b.suite));
  fs.writeFileSync(latestFile, `${JSON.stringify(ordered, null, 2)}\n`);
  const table = renderTable(ordered);
  fs.writeFileSync(path.join(resultsDir, quick ? 'latest-quick.md' : 'latest.md'), `${table}\n`);
  if (!quick && process.env.BENCH_NO_README !== '1') updateReadme(table);
  process.stdout.write(`${renderTable(run)}\n`);
  const failed = run.filter((r) => r.error);
  if (failed.length > 0) {
    process.stderr.write(`failed suites: ${failed.map((r) => r.suite).join(', ')}\n`);
    process.exit(1);
  }
}

await main();
