import { describe, expect, it } from 'vitest';
import { percentile, ratioRow, suiteResult } from '../../bench/lib/result';
import { renderTable, type Recorded } from '../../bench/lib/table';

const machine = { cpu: 'Test CPU', cores: 2, memoryGiB: 4, os: 'Linux', node: 'v20.19.0', loadAverage: [0, 0, 0] };

describe('benchmark results', () => {
  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('computes a ratio against the bare baseline and judges it', () => {
    const row = ratioRow({ name: 'pin → receipt p95', value: 26, unit: 'ms', baseline: 20, target: '≤ 1.3×' }, (r) => r <= 1.3);
    expect(row.ratio).toBe(1.3);
    expect(row.pass).toBe(true);
    expect(ratioRow({ name: 'x', value: 3, unit: 'ms', baseline: 2 }, (r) => r <= 1.3).pass).toBe(false);
  });

  it('a zero baseline (a latency under a millisecond) gives no ratio, a row the schema takes, and an unmet target', () => {
    for (const value of [0, 2]) {
      const row = ratioRow({ name: 'playlist fetch p95', value, unit: 'ms', baseline: 0 }, (r) => r <= 1.3);
      expect(row.ratio).toBeUndefined();
      expect(row.pass).toBe(false);
      expect(suiteResult.safeParse({ suite: 's', title: 't', rows: [row] }).success).toBe(true);
    }
  });

  it('renders every suite with its machine, baseline, ratio and verdict, and a failed suite as failed', () => {
    const ok: Recorded = {
      suite: 'audience',
      title: '5,000 viewers',
      rows: [{ name: 'pin → receipt p95', value: 26, unit: 'ms', baseline: 20, ratio: 1.3, target: '≤ 1.3×', pass: true }],
      finishedAt: '2026-12-02T13:00:00.000Z',
      seconds: 100,
      quick: false,
      machine,
    };
    const failed: Recorded = { ...ok, suite: 'hls-nginx', title: 'HLS through nginx', rows: [], error: 'exited with 1' };
    const table = renderTable([ok, failed]);
    expect(table).toContain('**5,000 viewers** (`audience`, 2026-12-02, 2 × Test CPU, Node v20.19.0)');
    expect(table).toContain('| pin → receipt p95 | 26.0 ms | 20.0 ms | 1.3× | ≤ 1.3× | yes |');
    expect(table).toContain('Failed: exited with 1');
  });
});
