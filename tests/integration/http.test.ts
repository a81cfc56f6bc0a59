import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, TEST_ADMIN_PASSWORD, TEST_METRICS_TOKEN, type TestServer } from '../harness/server';

const scraper = { authorization: `Bearer ${TEST_METRICS_TOKEN}` };

describe('health and metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MEDIA_WORKERS: '2', MEDIA_RESPAWN_DELAY_MS: '1500' });
  });
  afterAll(() => server.stop());

  test('GET /healthz tells anyone only whether the node is ok (and, when not, what is down): { ok } and the status code, no paths, pids or workers', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ ok: true });
  });

  test('GET /healthz with the metrics token reports every worker alive and the data dir writable', async () => {
    const res = await fetch(`${server.url}/healthz`, { headers: scraper });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; checks: { workers: { alive: number; total: number }; dataDir: { ok: boolean; path: string } } };
    expect(body.ok).toBe(true);
    expect(body.checks.workers).toMatchObject({ alive: 2, total: 2 });
    expect(body.checks.dataDir).toMatchObject({ ok: true, path: server.dataDir });
  });

  test('GET /metrics needs the metrics token or a bureau staff sign-in: 401 UNAUTHORIZED otherwise', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: `Bearer ${TEST_METRICS_TOKEN}x` }] as Array<Record<string, string>>) {
      const res = await fetch(`${server.url}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    }
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    });
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    expect(cookie).toMatch(/^cf_session=/);
    const signedIn = await fetch(`${server.url}/metrics`, { headers: { cookie } });
    expect(signedIn.status).toBe(200);
    expect(((await (await fetch(`${server.url}/healthz`, { headers: { cookie } })).json()) as { checks?: unknown }).checks).toBeDefined();
  });

  test('GET /metrics with the metrics token serves Prometheus text with the platform gauges', async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: scraper });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^chunfeng_media_workers_alive 2$/m);
    expect(text).toMatch(/^chunfeng_stages_live 0$/m);
    expect(text).toContain('# TYPE chunfeng_process_cpu_user_seconds_total counter');
    // Per media worker: the CPU it used (read from the worker as the scrape asks) and what it carries.
    for (const worker of ['0', '1']) {
      expect(Number(new RegExp(`^chunfeng_media_worker_cpu_seconds\\{worker="${worker}"\\} (\\S+)$`, 'm').exec(text)?.[1])).toBeGreaterThan(0);
      expect(text).toMatch(new RegExp(`^chunfeng_media_worker_load\\{worker="${worker}"\\} 0$`, 'm'));
    }
    expect(text).toMatch(/^chunfeng_relay_pipes 0$/m);
  });

  test('/healthz turns 503 while a worker is dead, and 200 again once it is replaced', async () => {
    const victim = server.pool.workers[1];
    if (!victim) throw new Error('no worker');
    const replaced = new Promise<void>((resolve) => server.pool.once('workerReplaced', () => resolve()));
    const lost = new Promise<void>((resolve) => server.pool.once('workerLost', () => resolve()));
    process.kill(victim.worker.pid, 'SIGKILL');
    await lost;
    const during = await fetch(`${server.url}/healthz`);
    expect(during.status).toBe(503);
    // Anyone is told what is down by name, nothing more.
    expect(await during.json()).toEqual({ ok: false, down: ['media-workers'] });
    const detailed = await fetch(`${server.url}/healthz`, { headers: scraper });
    expect(await detailed.json()).toMatchObject({ ok: false, checks: { workers: { ok: false, alive: 1, total: 2 } } });
    await replaced;
    const after = await fetch(`${server.url}/healthz`);
    expect(after.status).toBe(200);
  });
});
