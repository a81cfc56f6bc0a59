import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { allApplications, apiClient, applyBody, bureauClient } from '../harness/api';
import { startRedis, type TestRedis } from '../harness/redis';
import { startTestServer, TEST_METRICS_TOKEN, type TestServer } from '../harness/server';
import { request } from '../harness/socketClient';
import { StageDriver } from '../harness/stage';

interface Health {
  ok: boolean;
  down: string[];
  checks: Record<string, { ok: boolean }>;
}

/** Every answer the server gave while Redis was away, to check that none was a 500. */
const statuses: number[] = [];

async function apply(url: string, body: Record<string, unknown>): Promise<{ status: number; retryAfter: string | null; body: { error?: { code: string; retryAfterSeconds?: number } } }> {
  const res = await fetch(`${url}/api/applications`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify(body) });
  statuses.push(res.status);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as never };
}

async function health(url: string): Promise<{ status: number; body: Health }> {
  const res = await fetch(`${url}/healthz`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
  return { status: res.status, body: (await res.json()) as Health };
}

describe('while Redis is unreachable, writes are answered UNAVAILABLE (not 500) and nothing acknowledged is lost', () => {
  let redis: TestRedis;
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    redis = await startRedis();
    server = await startTestServer({ REDIS_URL: redis.url, DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    driver = new StageDriver(server);
  });
  afterAll(async () => {
    driver.closeAll();
    await server.stop();
    await redis.stop();
  });

  test('Redis killed mid-session: apply → 503 UNAVAILABLE with Retry-After within seconds, a question, a chat line, a caption, a card event and a pin over socket.io get a typed ack error, a new device token and a catalog edit 503, /healthz names redis; Redis back on the same data: the retry with the same key is accepted and every earlier acknowledged application is there', { timeout: 90_000 }, async () => {
    const bureau = await bureauClient(server.url);
    const vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    const host = await driver.join('demo', 'host');
    const lineup = (await server.store.get('session', 'demo'))!.lineup.filter((l) => l.kind === 'vacancy');
    const viewer = await driver.audience('demo', { device: await driver.device() });

    const acknowledged: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const body = applyBody(vacancies[i % vacancies.length]!.id);
      const res = await apiClient(server.url).post('/applications', body);
      expect(res.status).toBe(202);
      acknowledged.push(body.phone);
    }
    expect((await health(server.url)).body).toMatchObject({ ok: true, down: [] });

    await redis.kill();
    const pending = applyBody(vacancies[0]!.id);
    const started = Date.now();
    const refused = await apply(server.url, pending);
    const took = Date.now() - started;
    console.log(`[measure] apply while Redis is down answered ${refused.status} in ${took} ms`);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'UNAVAILABLE', retryAfterSeconds: 2 });
    expect(refused.retryAfter).toBe('2');
    expect(took).toBeLessThan(8000);

    // More of the same, at once: each answered, none hangs, none is a 500.
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => apply(server.url, applyBody(vacancies[i % vacancies.length]!.id))));
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(503));
    // Retrying the same key while Redis is still away: the same typed answer (and no rate limit spent).
    for (let i = 0; i < 3; i += 1) expect((await apply(server.url, pending)).status).toBe(503);

    // A write over socket.io: a typed acknowledgement, not INTERNAL.
    const asked = await request(viewer.socket, 'question:ask', { text: '请问包住吗？' }, 15_000);
    expect(asked).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', retryAfterSeconds: 2 } });
    // Budgets counted only in Redis: chat (nothing else is written) and a new device token are
    // answered UNAVAILABLE, neither a 500 nor let through uncounted.
    const chatted = await request(viewer.socket, 'chat:send', { text: '你好', displayName: '求职者' }, 15_000);
    expect(chatted).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', retryAfterSeconds: 2 } });
    // A caption (stored before it is sent) and a funnel count: typed too.
    expect(await request(host.socket, 'caption:send', { text: '欢迎' }, 15_000)).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', retryAfterSeconds: 2 } });
    expect(await request(viewer.socket, 'card:event', { vacancyId: lineup[0]!.id, step: 'shown' }, 15_000)).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', retryAfterSeconds: 2 } });
    const device = await fetch(`${server.url}/api/device`, { method: 'POST', headers: { origin: server.url } });
    statuses.push(device.status);
    expect(device.status).toBe(503);
    expect(((await device.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');

    // The host pinning a vacancy: a typed acknowledgement too.
    const pinned = await request(host.socket, 'vacancy:pin', { vacancyId: lineup[0]!.id }, 15_000);
    expect(pinned).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', retryAfterSeconds: 2 } });
    // A catalog edit by the bureau: 503 with Retry-After.
    const edit = await bureau.post<{ error: { code: string } }>('/employers', { name: '新雇主有限公司', industry: '制造', district: '城关区', verified: false });
    statuses.push(edit.status);
    expect(edit.status).toBe(503);
    expect(edit.body.error.code).toBe('UNAVAILABLE');

    const down = await health(server.url);
    expect(down.status).toBe(503);
    expect(down.body.down).toEqual(['redis']);
    expect(down.body.checks['store']).toMatchObject({ ok: false });
    expect(down.body.checks['workers']).toMatchObject({ ok: true });
    expect(down.body.checks['dataDir']).toMatchObject({ ok: true });

    redis = await startRedis({ port: redis.port, dir: redis.dir });
    // The client's retry with the same key, until the store answers again (its connection backs off up to 1 s).
    const deadline = Date.now() + 15_000;
    let retried = await apply(server.url, pending);
    while (retried.status === 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      retried = await apply(server.url, pending);
    }
    expect(retried.status).toBe(202);
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);

    const stored = await allApplications(bureau);
    const phones = new Set(stored.map((a) => a.phone));
    expect(acknowledged.filter((p) => !phones.has(p))).toEqual([]);
    expect(stored.filter((a) => a.phone === pending.phone)).toHaveLength(1);
    // Once more with the same key: still one application.
    expect((await apply(server.url, pending)).status).toBe(202);
    expect((await allApplications(bureau)).filter((a) => a.phone === pending.phone)).toHaveLength(1);
    // The bus's own connection backs off up to 2 s between reconnects: healthy again within that.
    const healthyBy = Date.now() + 5000;
    let after = await health(server.url);
    while (!after.body.ok && Date.now() < healthyBy) {
      await new Promise((r) => setTimeout(r, 200));
      after = await health(server.url);
    }
    expect(after.body).toMatchObject({ ok: true, down: [] });
  });
});
