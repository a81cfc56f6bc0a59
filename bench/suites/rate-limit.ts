// The apply rate limit with 100,000 distinct phones in a minute against 100 phones making the same
// number of applications: CPU per take (net of the loop) and memory, each run in a fresh process,
// side by side and repeated; rate-limiter-flexible's memory limiter, which the platform used before,
// measured the same way in the same run. Then what the issue asks, per apply: the server's CPU for
// one application through the real server (its event loop, measured here under load) plus the
// limiter's takes of one apply at 100,000 phones, against the same with 100 phones.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../../tests/harness/api';
import { spawnServer } from '../../tests/harness/serverProcess';
import { runLoad } from '../lib/child';
import { percentile, progress, quick, ratioRow, report, type BenchRow } from '../lib/result';
import { mainThreadCpuMs } from '../lib/threadCpu';
import type { AppliesInput, AppliesOutput } from '../load/applies';
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

/** The real server's event-loop CPU per acknowledged application, under 16 concurrent applicants. */
async function serverCpuPerApply(): Promise<number> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-bench-limit-'));
  const server = await spawnServer({ DEMO_DATA: 'true', DATA_DIR: scratch, APPLY_LIMIT_PER_BLOCK: '1000000' });
  try {
    const bureau = await bureauClient(server.url);
    const vacancyIds = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies.map((v) => v.id);
    const applies = new URL('../load/applies.ts', import.meta.url);
    // A warm-up, so the measured run is compiled code.
    await runLoad<AppliesInput, AppliesOutput>(applies, { url: server.url, vacancyIds, concurrency: 16, durationMs: 2_000 });
    const before = mainThreadCpuMs(server.child.pid!);
    const result = await runLoad<AppliesInput, AppliesOutput>(applies, { url: server.url, vacancyIds, concurrency: 16, durationMs: quick ? 2_000 : 8_000 });
    return ((mainThreadCpuMs(server.child.pid!) - before) * 1000) / result.latencies.length;
  } finally {
    await server.kill('SIGTERM');
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

const median = (limiter: Limiter, phones: number, pick: (r: RateLimitOutput) => number): number => percentile((runs.get(`${limiter}/${phones}`) ?? []).map(pick), 50);
// Never 0 (a ratio against it would be no number): the resolution is 0.01 µs.
const cpu = (limiter: Limiter, phones: number): number => Math.max(0.01, Math.round(median(limiter, phones, (r) => r.cpuMicrosPerTake) * 100) / 100);
const bytesPerPhone = (limiter: Limiter): number => Math.round(median(limiter, many, (r) => r.heapBytes) / many);
const M = many.toLocaleString('en');
const applyMicros = await serverCpuPerApply();
progress(`the server's event loop: ${applyMicros.toFixed(0)} µs CPU per application`);
// An application takes from the phone's budget and the address block's (and the device's, when it
// has one): the bench's applicants have no device token, so two takes; both are counted at the
// size measured, the conservative side.
const TAKES_PER_APPLY = 2;
const perApply = (phones: number): number => Math.round((applyMicros + TAKES_PER_APPLY * cpu('platform', phones)) * 100) / 100;
const rows: BenchRow[] = [
  ratioRow(
    { name: `apply: server CPU per application with the limiter at ${M} phones (vs ${few})`, value: perApply(many), unit: 'µs', baseline: perApply(few), target: '≤ 1.01×', note: `${Math.round(applyMicros)} µs through the real server's event loop + ${TAKES_PER_APPLY} takes at each size` },
    (r) => r <= 1.01,
  ),
  ratioRow({ name: `apply limit: CPU per take, ${M} phones (vs ${few} phones)`, value: cpu('platform', many), unit: 'µs', baseline: cpu('platform', few), note: `a larger map costs cache misses; before (rate-limiter-flexible memory): ${cpu('flexible-memory', many)} µs vs ${cpu('flexible-memory', few)} µs` }),
  ratioRow({ name: `apply limit: CPU per take with ${M} phones, vs the limiter it replaced`, value: cpu('platform', many), unit: 'µs', baseline: cpu('flexible-memory', many), target: '< 1×' }, (r) => r < 1),
  ratioRow({ name: `apply limit: CPU per take with ${M} phones, vs the limiter it replaced with ${few}`, value: cpu('platform', many), unit: 'µs', baseline: cpu('flexible-memory', few), target: '≤ 1×' }, (r) => r <= 1),
  ratioRow({ name: `apply limit: memory per distinct phone for the window, vs the limiter it replaced`, value: bytesPerPhone('platform'), unit: 'B', baseline: bytesPerPhone('flexible-memory'), target: '< 1×' }, (r) => r < 1),
];
report({ suite: 'rate-limit', title: `Apply rate limit: ${M} distinct phones in a minute vs ${few}, CPU per take and memory`, rows });
