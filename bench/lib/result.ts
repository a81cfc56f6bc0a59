import fs from 'node:fs';
import { z } from 'zod';

/** One measured figure of a suite, with its bare baseline from the same run where there is one. */
export const benchRow = z.object({
  name: z.string().min(1),
  value: z.number(),
  unit: z.string(),
  baseline: z.number().optional(),
  ratio: z.number().optional(),
  target: z.string().optional(),
  pass: z.boolean().optional(),
  note: z.string().optional(),
});
export type BenchRow = z.infer<typeof benchRow>;

/** What a suite writes to the file named by BENCH_RESULT (or prints when run by hand). */
export const suiteResult = z.object({
  suite: z.string().min(1),
  title: z.string(),
  rows: z.array(benchRow),
});
export type SuiteResult = z.infer<typeof suiteResult>;

/** Whether the suite runs its small version (for the test that keeps suites working). */
export const quick = process.env.BENCH_QUICK === '1';

/** Ends a suite: writes its result where the runner asked for it, else prints it. */
export function report(result: SuiteResult): void {
  const checked = suiteResult.parse(result);
  const text = `${JSON.stringify(checked, null, 2)}\n`;
  const file = process.env.BENCH_RESULT;
  if (file) fs.writeFileSync(file, text);
  else process.stdout.write(text);
}

/** Progress for a person watching the run (stderr; stdout is left to the result). */
export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The p-th percentile (0–100) of the values, nearest rank; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** A row comparing a value with its baseline: ratio = value / baseline. */
export function ratioRow(row: Omit<BenchRow, 'ratio' | 'pass'> & { baseline: number }, passes?: (ratio: number) => boolean): BenchRow {
  // A zero baseline (a latency under the clock's millisecond) has no ratio: the row keeps both
  // figures and no ratio, and a target on it is not met.
  const ratio = row.baseline === 0 ? Number.NaN : row.value / row.baseline;
  return { ...row, ...(Number.isFinite(ratio) ? { ratio: Math.round(ratio * 100) / 100 } : {}), ...(passes ? { pass: passes(ratio) } : {}) };
}
