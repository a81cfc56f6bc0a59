import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteResult, type SuiteResult } from '../../bench/lib/result';
import { repoRoot } from '../harness/server';

const suites = fs
  .readdirSync(path.join(repoRoot, 'bench/suites'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));


/** What particular suites must report beyond figures with baselines. */
const suiteChecks: Record<string, (result: SuiteResult) => void> = {
  cluster(result) {
    const row = (name: string) => result.rows.find((r) => r.name === name);
    const has = (name: string) => expect(row(name), `row "${name}"`).toBeDefined();
    expect(row('platform, 1 node: viewers joined')?.pass, row('platform, 1 node: viewers joined')?.note).toBe(true);
    for (const p of [50, 95, 99]) expect(row(`1 node: pin → receipt p${p}`)?.baseline, `1 node p${p} against the bare node`).toBeGreaterThan(0);
    has('1 node: pins missed by a viewer');
    has('bare socket.io: pin → receipt p95, 3 nodes (baseline: 1 node)');
    has("bare socket.io, 3 nodes: p95 at the other nodes' sockets (baseline: the broadcasting node's)");
    const three = row('platform, 3 nodes: viewers joined');
    expect(three?.note, 'the 3-node joins are reported per node').toMatch(/node 1 \(stage\): \d+, node 2: \d+, node 3: \d+/);
    // Viewers join through every node: all of them in, and the 3-node figures reported.
    expect(three?.pass, three?.note).toBe(true);
    for (const p of [50, 95, 99]) expect(row(`3 nodes: pin → receipt p${p}`)?.baseline, `3 nodes p${p} against the bare cluster`).toBeGreaterThan(0);
    has('3 nodes: pins missed by a viewer');
    expect(row('platform: pin → receipt p95, 3 nodes (baseline: 1 node)')).toMatchObject({ target: '≤ 1.3×', pass: expect.any(Boolean) as unknown });
    has("platform, 3 nodes: p95 at the other nodes' viewers (baseline: the stage node's)");
  },
  'store-scale'(result) {
    for (const store of ['embedded (SQLite)', 'Redis']) {
      const row = (start: string) => result.rows.find((r) => r.name.startsWith(`${store}: ${start}`));
      expect(row("an employer's applicants, page 100 (following next), p50")?.baseline, `${store}: page 100 against the first page`).toBeGreaterThan(0);
      expect(row("an employer's applicants at interview, page")?.baseline, `${store}: a deep page by status against its first`).toBeGreaterThan(0);
      expect(row('CSV export of all')?.value, `${store}: the export ran`).toBeGreaterThan(0);
      expect(row("CSV export of all 600 applications: the server's RSS growth"), `${store}: the export's memory`).toMatchObject({ target: '≤ 50 MB', pass: expect.any(Boolean) as unknown });
      expect(row('durable applies/s over HTTP'), `${store}: applies against the empty store`).toMatchObject({ target: '≥ 0.8×', baseline: expect.any(Number) as unknown });
    }
  },
  'glass-to-glass'(result) {
    const row = (name: string) => result.rows.find((r) => r.name === name);
    const idle = row('glass-to-glass p50, idle');
    // The clock read back over WebRTC: a real latency, not a misread or a clock from the future.
    expect(idle?.value, 'idle p50').toBeGreaterThan(0);
    expect(idle?.value, 'idle p50').toBeLessThan(5000);
    expect(row('glass-to-glass p95, idle')).toBeDefined();
    for (const p of [50, 95]) {
      const loaded = row(`glass-to-glass p${p}, fan-out on the core (baseline: idle)`);
      expect(loaded, `loaded p${p}`).toMatchObject({ target: '≤ 1.2×', pass: expect.any(Boolean) as unknown });
      expect(loaded?.baseline, `loaded p${p} against the idle p${p}`).toBe(row(`glass-to-glass p${p}, idle`)?.value);
    }
    expect(row('glass-to-glass p50, fan-out on the core (baseline: idle)')?.baseline, 'the idle p50 as the baseline').toBeGreaterThan(0);
    expect(row("fan-out worker's CPU on the shared core, loaded windows")?.value, 'the fan-out ran').toBeGreaterThan(0);
    expect(row('frames whose clock read, idle / loaded')?.value, 'the clock reads on most frames').toBeGreaterThanOrEqual(50);
  },
  'media-fanout'(result) {
    const row = (prefix: string) => result.rows.find((r) => r.name.startsWith(prefix));
    const perCore = row('platform: 720p video consumers per worker core');
    expect(perCore?.baseline, 'consumers per core against bare mediasoup').toBeGreaterThan(0);
    expect(perCore?.target).toBe('≥ 300');
    expect(row('platform: largest N measured under')?.baseline, 'largest N against bare mediasoup').toBeGreaterThan(0);
    expect(row('worker CPU per packet delivered to a consumer')?.baseline, 'CPU per packet against bare mediasoup').toBeGreaterThan(0);
    // The quick form runs 1 and 2 workers: 2 against 1, through the edge relay.
    expect(row('relay scaling: consumers served at < 0.5 % loss, 2 workers')?.baseline, '2 workers against 1').toBeGreaterThan(0);
    expect(row('relay scaling: consumers per core of worker CPU, 2 workers')?.baseline).toBeGreaterThan(0);
    expect(row("loss at the sinks' own sockets")).toBeDefined();
  },
};

/** A quick run's outcome: the runner's exit code, the end of its stderr and what it recorded. */
interface QuickRun {
  code: number | null;
  stderr: string;
  recorded: unknown[] | undefined;
}

/** One quick run through the same runner as `npm run bench`, into a scratch results directory. */
async function runQuick(suite: string): Promise<QuickRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-bench-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', suite], {
      cwd: repoRoot,
      env: { ...process.env, BENCH_QUICK: '1', BENCH_RESULTS_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-6000)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const file = path.join(dir, 'latest-quick.json');
    const recorded = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as unknown[]) : undefined;
    return { code, stderr, recorded };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The quick runs go two at a time, longest first (seconds each in a clean-clone run): they check that
 * each suite still works and reports its figures, not the figures themselves, so sharing the machine
 * with one other suite costs them nothing they check, and the file takes about half as long.
 */
const LANES = 2;
const usualSeconds: Record<string, number> = {
  cluster: 58, 'durable-applies': 48, audience: 31, 'hls-nginx': 31, 'glass-to-glass': 30, 'media-fanout': 20, 'rate-limit': 20, 'public-session': 17, 'store-statistics': 12, 'store-scale': 40,
};
const inOrder = [...suites].sort((a, b) => (usualSeconds[b] ?? 60) - (usualSeconds[a] ?? 60));

/** Each suite's first run, queued when the file starts; a retried test runs its suite again. */
const firstRuns = new Map<string, Promise<QuickRun>>();
function startFirstRuns(): void {
  const queued = inOrder.map((suite) => {
    let start!: () => void;
    const run = new Promise<void>((resolve) => (start = resolve)).then(() => runQuick(suite));
    firstRuns.set(suite, run);
    return { start, run };
  });
  const lane = async (): Promise<void> => {
    for (let next = queued.shift(); next; next = queued.shift()) {
      next.start();
      await next.run.catch(() => undefined);
    }
  };
  for (let i = 0; i < LANES; i++) void lane();
}

/** Every benchmark suite still runs: the small version of each (BENCH_QUICK=1); the README's table is left alone. */
describe('benchmark suites', () => {
  beforeAll(startFirstRuns);

  it('there are suites to run', () => {
    expect(suites.length).toBeGreaterThan(0);
  });

  // The runner stops a quick suite after 180 s (the cluster suite after 300 s); a test may also wait
  // for its lane: it outlasts both, to report why.
  it.each(inOrder)('%s runs in its quick form and reports figures with their baselines', async (suite) => {
    const first = firstRuns.get(suite);
    firstRuns.delete(suite);
    const { code, stderr, recorded } = await (first ?? runQuick(suite));
    expect(code, stderr).toBe(0);
    expect(recorded, stderr).toHaveLength(1);
    const result = suiteResult.parse(recorded![0]);
    expect(result.suite).toBe(suite);
    expect(result.rows.length).toBeGreaterThan(0);
    for (const row of result.rows) expect(Number.isFinite(row.value), `${row.name} is a number`).toBe(true);
    // A suite compares with a bare baseline measured in the same run.
    expect(result.rows.some((r) => r.baseline !== undefined), 'some row has a baseline').toBe(true);
    expect(fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8')).toContain('<!-- bench:start -->');
    suiteChecks[suite]?.(result);
  }, 600_000);
});
