// Load generator: job seekers applying through the real server's HTTP API, `concurrency` at a time,
// for `durationMs`. Runs as its own process (see bench/lib/child.ts). It speaks node:http over
// `concurrency` kept-alive sockets, not fetch: on this 2-core machine the client shares the CPU with
// the server, and fetch (undici) spent more of it per request than the server's whole apply path.
import http from 'node:http';
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

function post(agent: http.Agent, url: URL, origin: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), origin } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

serveLoad<AppliesInput, AppliesOutput>(async ({ url, vacancyIds, concurrency, durationMs }) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL('/api/applications', url);
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
          const status = await post(agent, target, url, body);
          if (status === 202) latencies.push(performance.now() - sent);
          else refused[status] = (refused[status] ?? 0) + 1;
        } catch {
          refused['error'] = (refused['error'] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return { latencies, elapsedMs, refused };
});
