// Load generator: job seekers applying through the real server's HTTP API, `concurrency` at a time,
// for `durationMs`. Runs as its own process (see bench/lib/child.ts).
import { performance } from 'node:perf_hooks';
import { applyBody } from '../../tests/harness/api';
import { serveLoad } from '../lib/child';

export interface AppliesInput {
  url: string;
  vacancyIds: string[];
  concurrency: number;
  durationMs: number;
}

export interface AppliesOutput {
  /** Milliseconds from sending to the 202 (the application on disk), one per acknowledged apply. */
  latencies: number[];
  elapsedMs: number;
  /** Answers other than 202, by status ("error" for a failed request). */
  refused: Record<string, number>;
}

serveLoad<AppliesInput, AppliesOutput>(async ({ url, vacancyIds, concurrency, durationMs }) => {
  const latencies: number[] = [];
  const refused: Record<string, number> = {};
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; performance.now() < end; i += concurrency) {
        const body = JSON.stringify(applyBody(vacancyIds[i % vacancyIds.length]!));
        const sent = performance.now();
        try {
          const res = await fetch(`${url}/api/applications`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body });
          await res.arrayBuffer();
          if (res.status === 202) latencies.push(performance.now() - sent);
          else refused[res.status] = (refused[res.status] ?? 0) + 1;
        } catch {
          refused['error'] = (refused['error'] ?? 0) + 1;
        }
      }
    }),
  );
  return { latencies, elapsedMs: performance.now() - started, refused };
});
