import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Application } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../harness/api';
import { launchBrowser, type TestBrowser } from '../harness/browser';
import { startRedis, type TestRedis } from '../harness/redis';
import { startTestServer, type TestServer } from '../harness/server';

describe('the apply sheet while the job store is away', () => {
  let redis: TestRedis;
  let server: TestServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    redis = await startRedis();
    server = await startTestServer({ REDIS_URL: redis.url, DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await redis?.stop();
  });

  test('Redis down when the job seeker sends: the sheet says it retries by itself, and once Redis is back the application is stored once without another tap', async () => {
    const bureau = await bureauClient(server.url);
    const viewer = await browser.open(`${server.url}/watch/demo`, { viewport: { width: 360, height: 640 } });
    await viewer.page.getByRole('button', { name: '一键报名' }).first().click();
    const sheet = viewer.page.getByRole('dialog');
    await sheet.getByLabel('姓名', { exact: true }).fill('李春花');
    await sheet.getByLabel('手机号', { exact: true }).fill('137 0013 7000');
    await sheet.getByRole('checkbox', { name: /^我同意/ }).check();

    await redis.kill();
    await sheet.getByRole('button', { name: '提交报名' }).click();
    await sheet.getByRole('status').filter({ hasText: '自动重试' }).waitFor({ timeout: 15_000 });
    // No error to act on: the sheet waits and tries again by itself.
    expect(await sheet.getByRole('alert').count()).toBe(0);

    redis = await startRedis({ port: redis.port, dir: redis.dir });
    const backAt = Date.now();
    await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor({ timeout: 30_000 });
    console.log(`[measure] Redis back → the sheet's own retry stored the application: ${Date.now() - backAt} ms`);
    const stored = (await bureau.get<{ applications: Application[] }>('/applications')).body.applications.filter((a) => a.phone === '13700137000');
    expect(stored).toHaveLength(1);
    // The browser reports each 503 it was answered as a console error; nothing else may appear.
    expect(viewer.errors.filter((e) => !e.includes('503'))).toEqual([]);
  });
});
