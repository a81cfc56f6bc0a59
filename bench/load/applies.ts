// Load generator: job seekers applying through one of the real server's two doors, `concurrency` at
// a time, for `durationMs`. Runs as its own process (see bench/lib/child.ts).
// - `http`: POST /api/applications over node:http on `concurrency` kept-alive sockets, not fetch: on
//   this 2-core machine the client shares the CPU with the server, and fetch (undici) spent more of
//   it per request than the server's whole apply path.
// - `socket`: as viewer pages do, each worker holds one socket.io connection (websocket) with a
//   device token of its own in the handshake and sends `application:submit` one after another.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { Ack } from '@chunfeng/shared/ack';
import { applyBody } from '../../tests/harness/api';
import { serveLoad } from '../lib/child';

export type ApplyDoor = 'http' | 'socket';

export interface AppliesInput {
  url: string;
  vacancyIds: string[];
  concurrency: number;
  durationMs: number;
  /** Which door the applicants use (HTTP by default). */
  door?: ApplyDoor;
  /** Over the socket: each applicant's page has a device token (POST /api/device; the bare server has none). */
  devices?: boolean;
  /** The session applied in ('demo' by default); its lineup must hold the vacancies. */
  sessionId?: string;
}

export interface AppliesOutput {
  /** Milliseconds from sending to the 202 (the application on disk), one per acknowledged apply. */
  latencies: number[];
  elapsedMs: number;
  /** Answers other than 202, by status (by error code over the socket; "error" for a failed request). */
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

/** A device token for one applicant's page (the bench server lifts the issuance limit). */
async function deviceToken(url: string): Promise<string | undefined> {
  const res = await fetch(new URL('/api/device', url), { method: 'POST', headers: { origin: url } });
  return res.ok ? ((await res.json()) as { token: string }).token : undefined;
}

async function connect(url: string, device: string | undefined): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...(device ? { auth: { device } } : {}) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

function submit(socket: Socket, body: unknown): Promise<Ack<unknown>> {
  return socket.timeout(30_000).emitWithAck('application:submit', body) as Promise<Ack<unknown>>;
}

/** The socket door: connections are made (and tokens issued) before the clock starts. */
async function overSockets({ url, vacancyIds, concurrency, durationMs, devices = true, sessionId = 'demo' }: AppliesInput): Promise<AppliesOutput> {
  const sockets = await Promise.all(Array.from({ length: concurrency }, async () => connect(url, devices ? await deviceToken(url) : undefined)));
  const latencies: number[] = [];
  const refused: Record<string, number> = {};
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    sockets.map(async (socket, worker) => {
      for (let i = worker; performance.now() < end; i += concurrency) {
        const body = applyBody(vacancyIds[i % vacancyIds.length]!, { sessionId });
        const sent = performance.now();
        try {
          const ack = await submit(socket, body);
          if (ack.ok) latencies.push(performance.now() - sent);
          else refused[ack.error.code] = (refused[ack.error.code] ?? 0) + 1;
        } catch {
          refused['error'] = (refused['error'] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  for (const socket of sockets) socket.close();
  return { latencies, elapsedMs, refused };
}

serveLoad<AppliesInput, AppliesOutput>(async (input) => {
  if (input.door === 'socket') return overSockets(input);
  const { url, vacancyIds, concurrency, durationMs, sessionId = 'demo' } = input;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL('/api/applications', url);
  const latencies: number[] = [];
  const refused: Record<string, number> = {};
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; performance.now() < end; i += concurrency) {
        const body = JSON.stringify(applyBody(vacancyIds[i % vacancyIds.length]!, { sessionId }));
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
