import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { startTestServer, testStore, type TestServer } from '../harness/server';

// The harness itself, run under both integration projects: `integration` puts its servers on the
// embedded store, `integration-redis` (TEST_STORE=redis) on Redis, each server's data its own.
describe(`the harness's servers (${testStore})`, () => {
  const started: TestServer[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-harness-'));
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const start = async (env: Record<string, string> = {}): Promise<TestServer> => {
    const server = await startTestServer({ MEDIA_WORKERS: '1', ...env });
    started.push(server);
    return server;
  };
  const campaign = { startsOn: '2025-01-01', endsOn: '2099-12-31', description: '' };

  test('run on the store the project names', async () => {
    const server = await start();
    expect(server.store.kind).toBe(testStore === 'redis' ? 'redis' : 'embedded');
  });

  test('two servers side by side never see each other’s data', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    await a.service.createCampaign({ name: '只在甲', ...campaign });
    expect((await a.store.list('campaign')).map((c) => c.name)).toContain('只在甲');
    expect((await b.store.list('campaign')).map((c) => c.name)).not.toContain('只在甲');
  });

  test('a server started again on the same DATA_DIR finds its data', async () => {
    const first = await startTestServer({ MEDIA_WORKERS: '1', DATA_DIR: dataDir });
    const { id } = await first.service.createCampaign({ name: '重启后还在', ...campaign });
    await first.stop();
    const again = await start({ DATA_DIR: dataDir });
    expect((await again.store.get('campaign', id))?.name).toBe('重启后还在');
  });
});
