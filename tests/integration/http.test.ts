import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server';

describe('health and metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MEDIA_WORKERS: '2', MEDIA_RESPAWN_DELAY_MS: '1500' });
  });
  afterAll(() => server.stop());

  test('GET /healthz reports every worker alive and the data dir writable', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { ok: boolean; checks: { workers: { alive: number; total: number }; dataDir: { ok: boolean } } };
    expect(body.ok).toBe(true);
    expect(body.checks.workers).toMatchObject({ alive: 2, total: 2 });
    expect(body.checks.dataDir.ok).toBe(true);
  });

  test('GET /metrics serves Prometheus text with the platform gauges', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^chunfeng_media_workers_alive 2$/m);
    expect(text).toMatch(/^chunfeng_stages_live 0$/m);
    expect(text).toContain('# TYPE chunfeng_process_cpu_user_seconds_total counter');
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
    expect(await during.json()).toMatchObject({ ok: false, checks: { workers: { ok: false, alive: 1, total: 2 } } });
    await replaced;
    const after = await fetch(`${server.url}/healthz`);
    expect(after.status).toBe(200);
  });
});
