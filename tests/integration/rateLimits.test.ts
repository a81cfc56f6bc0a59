import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { blockRateLimiter, FlexibleRateLimiter } from '../../server/src/store/rateLimiters';
import { apiClient } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';

describe('rate-limit backends', () => {
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  // A Redis limiter refuses at once while its connection is not ready: connect first.
  beforeAll(() => redis.ping());
  afterAll(() => redis.quit());

  test('on the Redis backend two nodes spend one budget', async () => {
    const name = `shared-${crypto.randomUUID()}`;
    const nodeA = new FlexibleRateLimiter({ name, points: 3, seconds: 60, backend: { kind: 'redis', client: redis } });
    const nodeB = new FlexibleRateLimiter({ name, points: 3, seconds: 60, backend: { kind: 'redis', client: redis } });
    expect([await nodeA.take('phone:13800000000'), await nodeB.take('phone:13800000000'), await nodeA.take('phone:13800000000')]).toEqual([0, 0, 0]);
    const wait = await nodeB.take('phone:13800000000');
    expect(wait).toBeGreaterThan(55_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(await nodeB.take('phone:13900000000')).toBe(0);
  });

  test('on the Redis backend a Redis out of reach is UNAVAILABLE with a retry hint, neither a pass nor a crash', async () => {
    const away = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
    away.on('error', () => undefined);
    const limiter = new FlexibleRateLimiter({ name: 'away', points: 3, seconds: 60, backend: { kind: 'redis', client: away } });
    await expect(limiter.take('phone:13800000000')).rejects.toMatchObject({ code: 'UNAVAILABLE', retryAfterSeconds: 2 });
    away.disconnect();
  });

  test('a per-block budget that must stay open without Redis (new connections) counts on this node alone while Redis is out of reach, never unlimited', async () => {
    const away = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
    away.on('error', () => undefined);
    const limiter = blockRateLimiter({ name: 'away-connect', perMinute: 3, burst: 0, backend: { kind: 'redis', client: away }, perNodeWhileDown: true });
    const waits = [];
    for (let i = 0; i < 4; i += 1) waits.push(await limiter.take('10.1.2.0/24'));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThan(55_000);
    away.disconnect();
  });

  test('on the memory backend each node counts alone', async () => {
    const nodeA = new FlexibleRateLimiter({ name: 'alone', points: 1, seconds: 60 });
    const nodeB = new FlexibleRateLimiter({ name: 'alone', points: 1, seconds: 60 });
    expect([await nodeA.take('k'), await nodeB.take('k')]).toEqual([0, 0]);
    expect(await nodeA.take('k')).toBeGreaterThan(0);
  });
});

describe('chat budget at the edge (real server)', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.stop();
  });

  async function join(role: 'host' | 'viewer', device?: string): Promise<TestSocket> {
    const s = await connect(server.url, device ? { device } : {});
    sockets.push(s);
    const token = role === 'host' ? await server.tokens.issue({ sid: 'demo', role: 'host', sub: 'chief' }) : undefined;
    await requestOk(s, 'stage:join', { sessionId: 'demo', role, ...(token ? { token } : {}) });
    return s;
  }
  const device = async (): Promise<string> => (await apiClient(server.url).post<{ token: string }>('/device')).body.token;

  test('a device may post five chat messages in ten seconds, even from a new connection; the host is never limited', async () => {
    const host = await join('host');
    const token = await device();
    const viewer = await join('viewer', token);
    for (let i = 1; i <= 5; i += 1) await requestOk(viewer, 'chat:send', { text: `第${i}条`, displayName: '求职者' });
    const sixth = await request(viewer, 'chat:send', { text: '第6条', displayName: '求职者' });
    expect(sixth).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', message: expect.stringMatching(/wait \d+ seconds/) as string } });
    // Reconnecting with the same device token does not reset the budget.
    const again = await join('viewer', token);
    expect(await request(again, 'chat:send', { text: '换个连接', displayName: '求职者' })).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    for (let i = 1; i <= 8; i += 1) await requestOk(host, 'chat:send', { text: `主持人第${i}条`, displayName: '主持人' });
  });
});
