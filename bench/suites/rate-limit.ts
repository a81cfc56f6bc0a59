// The apply rate limit with 100,000 distinct phones in a minute against 100 phones making the same
// number of applications: CPU per take (net of the loop) and memory, each run in a fresh process,
// side by side and repeated; rate-limiter-flexible's memory limiter, which the platform used before,
// measured the same way in the same run.
import { runLoad } from '../lib/child';
import { percentile, progress, quick, ratioRow, report, type BenchRow } from '../lib/result';
import type { RateLimitInput, RateLimitOutput } from '../load/rateLimit';

const many = quick ? 10_000 : 100_000;
const few = 100;
const takes = many;
const rounds = quick ? 1 : 3;
const load = new URL('../load/rateLimit.ts', import.meta.url);
const LIMITERS = ['platform', 'flexible-memory'] as const;
type Limiter = (typeof LIMITERS)[number];

const runs = new Map<string, RateLimitOutput[]>();
for (let round = 0; round < rounds; round += 1) {
  for (const limiter of LIMITERS) {
    for (const phones of [few, many]) {
      const result = await runLoad<RateLimitInput, RateLimitOutput>(load, { phones, takes, limiter }, { nodeFlags: ['--expose-gc'] });
      runs.set(`${limiter}/${phones}`, [...(runs.get(`${limiter}/${phones}`) ?? []), result]);
      progress(
        `round ${round + 1}, ${limiter}: ${phones} phones, ${takes} takes: ${result.cpuMicrosPerTake.toFixed(2)} µs CPU/take (the loop alone ${result.loopMicrosPerTake.toFixed(2)}), memory ${Math.round(result.heapBytes / 1024)} kB, ${result.allowed} allowed`,
      );
    }
  }
}

const median = (limiter: Limiter, phones: number, pick: (r: RateLimitOutput) => number): number => percentile((runs.get(`${limiter}/${phones}`) ?? []).map(pick), 50);
// Never 0 (a ratio against it would be no number): the resolution is 0.01 µs.
const cpu = (limiter: Limiter, phones: number): number => Math.max(0.01, Math.round(median(limiter, phones, (r) => r.cpuMicrosPerTake) * 100) / 100);
const bytesPerPhone = (limiter: Limiter): number => Math.round(median(limiter, many, (r) => r.heapBytes) / many);
const M = many.toLocaleString('en');
const rows: BenchRow[] = [
  ratioRow({ name: `apply limit: CPU per take, ${M} phones (vs ${few} phones)`, value: cpu('platform', many), unit: 'µs', baseline: cpu('platform', few), target: '≤ 1×', note: `before (rate-limiter-flexible memory): ${cpu('flexible-memory', many)} µs vs ${cpu('flexible-memory', few)} µs` }, (r) => r <= 1),
  ratioRow({ name: `apply limit: CPU per take with ${M} phones, vs the limiter it replaced`, value: cpu('platform', many), unit: 'µs', baseline: cpu('flexible-memory', many), target: '< 1×' }, (r) => r < 1),
  ratioRow({ name: `apply limit: CPU per take with ${M} phones, vs the limiter it replaced with ${few}`, value: cpu('platform', many), unit: 'µs', baseline: cpu('flexible-memory', few), target: '≤ 1×' }, (r) => r <= 1),
  ratioRow({ name: `apply limit: memory per distinct phone for the window, vs the limiter it replaced`, value: bytesPerPhone('platform'), unit: 'B', baseline: bytesPerPhone('flexible-memory'), target: '< 1×' }, (r) => r < 1),
];
report({ suite: 'rate-limit', title: `Apply rate limit: ${M} distinct phones in a minute vs ${few}, CPU per take and memory`, rows });
