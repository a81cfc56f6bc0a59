// Campaign statistics at a province's scale: one campaign of 1,000 sessions, 10,000 vacancies and
// 1,000,000 applications on each store, seeded through the store's raw write path in a process of
// its own; then the campaign's statistics page as the server computes it (the tallies the store
// keeps, Statistics.campaign) read in a fresh process, against the way it was computed before
// (every application read and tallied in JavaScript) in the same run. The figures must agree.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis } from '../../tests/harness/redis';
import { runLoad } from '../lib/child';
import { percentile, progress, quick, ratioRow, report, type BenchRow } from '../lib/result';
import type { SeedInput, SeedOutput, SeedShape } from '../load/seedStatistics';
import type { StatisticsReadInput, StatisticsReadOutput } from '../load/statisticsRead';

const shape: SeedShape = quick
  ? { campaignId: 'bench-campaign', sessions: 20, employers: 10, vacancies: 100, applications: 2_000 }
  : { campaignId: 'bench-campaign', sessions: 1_000, employers: 2_000, vacancies: 10_000, applications: 1_000_000 };
const repeats = quick ? 2 : 5;
const seedFile = new URL('../load/seedStatistics.ts', import.meta.url);
const readFile = new URL('../load/statisticsRead.ts', import.meta.url);
const HOUR = 3_600_000;
const n = (x: number): string => x.toLocaleString('en');
const round = (ms: number): number => Math.round(ms * 10) / 10;

async function measure(name: string, seed: SeedInput, read: StatisticsReadInput): Promise<BenchRow[]> {
  progress(`${name}: seeding ${n(shape.sessions)} sessions, ${n(shape.vacancies)} vacancies, ${n(shape.applications)} applications`);
  const { seededMs } = await runLoad<SeedInput, SeedOutput>(seedFile, seed, { timeoutMs: HOUR });
  progress(`${name}: seeded in ${(seededMs / 1000).toFixed(1)} s; reading the campaign's statistics`);
  // The recount holds every application in memory at once.
  const result = await runLoad<StatisticsReadInput, StatisticsReadOutput>(readFile, read, { timeoutMs: HOUR, nodeFlags: ['--max-old-space-size=8192'] });
  progress(`${name}: first ${result.firstMs.toFixed(0)} ms, then ${result.repeatMs.map((ms) => ms.toFixed(0)).join(', ')} ms; recount ${result.recountMs.toFixed(0)} ms; agree: ${result.agree}`);
  if (!result.agree) throw new Error(`${name}: the statistics from the tallies differ from the recount`);
  if (result.applications !== shape.applications || result.sessions !== shape.sessions) throw new Error(`${name}: ${result.applications} applications in ${result.sessions} sessions, not what was seeded`);
  const scale = `${n(shape.sessions)} sessions, ${n(shape.applications)} applications`;
  const median = percentile(result.repeatMs, 50);
  return [
    ratioRow(
      { name: `${name}: campaign statistics, ${scale} (baseline: every application read and tallied)`, value: round(median), unit: 'ms', baseline: round(result.recountMs), target: '< 1000 ms', note: `median of ${repeats}; the figures equal the recount` },
      () => median < 1000,
    ),
    { name: `${name}: campaign statistics, first read after start, ${scale}`, value: round(result.firstMs), unit: 'ms', target: '< 1000 ms', pass: result.firstMs < 1000 },
    { name: `${name}: seeding ${n(shape.applications)} applications through the raw write path`, value: round(seededMs / 1000), unit: 's' },
  ];
}

const rows: BenchRow[] = [];
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-bench-stats-'));
try {
  rows.push(...(await measure('embedded (SQLite)', { kind: 'sqlite', dataDir, ...shape }, { kind: 'sqlite', dataDir, campaignId: shape.campaignId, repeats })));
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
const redis = await startRedis();
try {
  const target = { kind: 'redis' as const, url: redis.url, prefix: 'cf:' };
  rows.push(...(await measure('Redis', { ...target, ...shape }, { ...target, campaignId: shape.campaignId, repeats })));
} finally {
  await redis.stop();
}
report({ suite: 'store-statistics', title: `Campaign statistics from the store's tallies: ${n(shape.sessions)} sessions, ${n(shape.applications)} applications`, rows });
