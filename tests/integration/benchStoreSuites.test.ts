import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { suiteResult } from '../../bench/lib/result';
import { repoRoot } from '../harness/server';

/** Runs a suite's quick version as `npm run bench` would, and returns its parsed result. */
async function runQuick(suite: string) {
  const file = path.join(os.tmpdir(), `chunfeng-bench-test-${process.pid}-${suite}.json`);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench/suites', `${suite}.ts`)], {
    cwd: repoRoot,
    env: { ...process.env, BENCH_QUICK: '1', BENCH_RESULT: file },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code, stderr).toBe(0);
  try {
    return suiteResult.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } finally {
    fs.rmSync(file, { force: true });
  }
}

describe('the store benchmarks still run (quick versions)', () => {
  test('durable-applies measures both stores at concurrency 16 and 64 against the raw store', { timeout: 300_000 }, async () => {
    const result = await runQuick('durable-applies');
    for (const store of ['embedded', 'redis']) {
      for (const c of [16, 64]) {
        const rate = result.rows.find((r) => r.name === `${store} c${c}: durable applies/s (vs raw store)`);
        expect(rate?.value).toBeGreaterThan(0);
        expect(rate?.baseline).toBeGreaterThan(0);
        expect(result.rows.find((r) => r.name === `${store} c${c}: pin broadcast p95 during the burst (vs quiet)`)?.value).toBeGreaterThan(0);
      }
    }
  });

  test('rate-limit compares many phones with few, and with the limiter it replaced', { timeout: 120_000 }, async () => {
    const result = await runQuick('rate-limit');
    expect(result.rows).toHaveLength(4);
    for (const row of result.rows) expect(row.value).toBeGreaterThan(0);
  });
});
