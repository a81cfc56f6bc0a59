import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { suiteResult } from '../../bench/lib/result';
import { repoRoot } from '../harness/server';

const suites = fs
  .readdirSync(path.join(repoRoot, 'bench/suites'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));

/**
 * Every benchmark suite still runs: the small version of each (BENCH_QUICK=1) through the same runner
 * as `npm run bench`, into a scratch results directory (the README's table is left alone).
 */
describe('benchmark suites', () => {
  it('there are suites to run', () => {
    expect(suites.length).toBeGreaterThan(0);
  });

  it.each(suites)('%s runs in its quick form and reports figures with their baselines', async (suite) => {
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
      expect(code, stderr).toBe(0);
      const recorded = JSON.parse(fs.readFileSync(path.join(dir, 'latest-quick.json'), 'utf8')) as unknown[];
      expect(recorded).toHaveLength(1);
      const result = suiteResult.parse(recorded[0]);
      expect(result.suite).toBe(suite);
      expect(result.rows.length).toBeGreaterThan(0);
      for (const row of result.rows) expect(Number.isFinite(row.value), `${row.name} is a number`).toBe(true);
      // A suite compares with a bare baseline measured in the same run.
      expect(result.rows.some((r) => r.baseline !== undefined), 'some row has a baseline').toBe(true);
      expect(fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8')).toContain('<!-- bench:start -->');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
