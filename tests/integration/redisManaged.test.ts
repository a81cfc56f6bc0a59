import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { applyBody } from '../harness/api';
import { startRedis, type TestRedis } from '../harness/redis';
import { TEST_ADMIN_PASSWORD } from '../harness/server';
import { spawnServer, type ServerProcess } from '../harness/serverProcess';

/**
 * Managed Redis services (cloud offerings) forbid CONFIG: the server cannot read whether writes are
 * fsynced. It says so once, and works: it does not refuse to start or call Redis down.
 */
describe('a Redis where CONFIG is not allowed', () => {
  let redis: TestRedis | undefined;
  let server: ServerProcess | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-managed-'));
  afterAll(async () => {
    await server?.kill('SIGTERM');
    await redis?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('the server starts, warns once that it cannot read durability, stays healthy and stores applications', async () => {
    redis = await startRedis({ args: ['--rename-command', 'CONFIG', ''] });
    server = await spawnServer({ REDIS_URL: redis.url, DATA_DIR: dataDir, DEMO_DATA: 'true', HLS_ENABLED: 'false', BUREAU_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const vacancies = (await (await fetch(`${server.url}/api/public/sessions/demo`)).json()) as { vacancies: Array<{ id: string }> };
    const applied = await fetch(`${server.url}/api/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify(applyBody(vacancies.vacancies[0]!.id)),
    });
    expect(applied.status).toBe(202);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const warnings = server.output.filter((line) => line.includes('cannot read whether Redis fsyncs each write'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('CONFIG GET is not allowed here');
  });
});
