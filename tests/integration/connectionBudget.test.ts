import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { io } from 'socket.io-client';
import { startTestServer, type TestServer } from '../harness/server';
import { request, type TestSocket } from '../harness/socketClient';

type Attempt = { connected: true; socket: TestSocket } | { connected: false; reason: string };

/** A socket.io connection as a browser opens it (websocket), from a chosen local address (127/8 reaches the server). */
function connectFrom(url: string, localAddress: string): Promise<Attempt> {
  // engine.io-client hands `localAddress` to the websocket in Node, though its option types omit it.
  const options = { transports: ['websocket'], reconnection: false, forceNew: true, localAddress };
  const socket: TestSocket = io(url, options);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true, socket }));
    socket.once('connect_error', (err: Error & { description?: unknown }) => {
      socket.close();
      const description = err.description instanceof Error || (typeof err.description === 'object' && err.description !== null) ? String((err.description as { message?: unknown }).message) : String(err.description);
      resolve({ connected: false, reason: `${err.message}: ${description}` });
    });
  });
}

/** socket.io's handshake as a bare HTTP request (the polling transport's first GET), to read the refusal itself. */
function handshakeFrom(url: string, localAddress: string, forwardedFor?: string): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, path: '/socket.io/?EIO=4&transport=polling', localAddress, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('new connections per address block', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer({ MEDIA_WORKERS: '1', SOCKET_CONNECTIONS_PER_MINUTE: '20', SOCKET_CONNECTION_BURST: '10' });
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await server.stop();
  });

  test('a reconnect loop from one /24 is refused past its budget with 429 RATE_LIMITED; another /24 still connects', async () => {
    const kept = await connectFrom(server.url, '127.0.5.1');
    if (!kept.connected) throw new Error(kept.reason);
    sockets.push(kept.socket);
    // Connect, close, connect again, hopping addresses inside the /24: 20 + a burst of 10 in all.
    const outcomes: string[] = [];
    for (let i = 0; i < 45; i++) {
      const attempt = await connectFrom(server.url, `127.0.5.${2 + (i % 200)}`);
      if (attempt.connected) attempt.socket.close();
      outcomes.push(attempt.connected ? 'connected' : attempt.reason);
    }
    expect(outcomes.filter((o) => o === 'connected')).toHaveLength(29);
    expect(outcomes.slice(29)).toEqual(Array(16).fill('websocket error: Unexpected server response: 429'));
    console.log(`[measure] reconnect loop from 127.0.5.0/24 (budget 20/min + burst 10): ${outcomes.filter((o) => o === 'connected').length + 1} connected, ${outcomes.filter((o) => o !== 'connected').length} refused with 429`);

    // What a polling client (or a proxy's log) reads: a typed refusal with the wait.
    const refused = await handshakeFrom(server.url, '127.0.5.77');
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(refused.body)).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringContaining('too many new connections') as unknown, retryAfterSeconds: Number(refused.retryAfter) } });

    // The budget gates new connections only: the socket already open keeps working.
    expect(await request(kept.socket, 'caption:history', {})).toMatchObject({ ok: false, error: { code: 'NOT_JOINED' } });
    // Another block is not bothered.
    const neighbour = await connectFrom(server.url, '127.0.6.1');
    if (!neighbour.connected) throw new Error(neighbour.reason);
    sockets.push(neighbour.socket);
    expect(await request(neighbour.socket, 'caption:history', {})).toMatchObject({ ok: false, error: { code: 'NOT_JOINED' } });
  });

  test('X-Forwarded-For is not believed from a peer TRUST_PROXY does not trust', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await handshakeFrom(server.url, '127.0.8.1', `203.0.${i}.1`)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.slice(30)).toEqual(Array(5).fill(429));
  });
});

describe('behind a trusted proxy (TRUST_PROXY=loopback)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ MEDIA_WORKERS: '1', TRUST_PROXY: 'loopback', SOCKET_CONNECTIONS_PER_MINUTE: '3', SOCKET_CONNECTION_BURST: '0' });
  });
  afterAll(async () => {
    await server.stop();
  });

  test('the block is the one X-Forwarded-For names, so one network behind the proxy does not use up the others', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await handshakeFrom(server.url, '127.0.0.1', `198.51.100.${10 + i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect((await handshakeFrom(server.url, '127.0.0.1', '203.0.113.9')).status).toBe(200);
  });
});
