import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { Application, VacancyCard } from '@chunfeng/shared/recruitment';
import { apiClient, bureauClient } from '../harness/api';
import type { TestPage } from '../harness/browser';
import { e2eFixture } from './fixture';

const PHONE = { width: 360, height: 640 };

/** The page's POSTs to /api/applications itself (not /applications/mine), as they leave the browser. */
function applicationPosts(page: Page): string[] {
  const posts: string[] = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && new URL(req.url()).pathname === '/api/applications') posts.push(req.postData() ?? '');
  });
  return posts;
}

async function apply(page: Page, vacancyId: string, { name, phone }: { name: string; phone: string }): Promise<void> {
  await page.getByRole('region', { name: /本场岗位/ }).locator(`li[data-vacancy="${vacancyId}"]`).getByRole('button', { name: '一键报名' }).click();
  const sheet = page.getByRole('dialog');
  await sheet.getByLabel('姓名', { exact: true }).fill(name);
  await sheet.getByLabel('手机号', { exact: true }).fill(phone);
  await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
  await sheet.getByRole('button', { name: '提交报名' }).click();
  await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor({ timeout: 15_000 });
}

describe('the viewer page applies over the socket it already holds', () => {
  const fx = e2eFixture({ MEDIA_WORKERS: '1' });

  async function vacancyAndEmployer(): Promise<{ vacancy: VacancyCard; employer: ReturnType<typeof apiClient> }> {
    const { vacancies } = (await apiClient(fx.server.url).get<{ vacancies: VacancyCard[] }>('/public/sessions/demo')).body;
    const vacancy = vacancies[3]!;
    const bureau = await bureauClient(fx.server.url);
    const invite = await bureau.post<{ token: string }>(`/employers/${vacancy.employer.id}/invite`);
    return { vacancy, employer: apiClient(fx.server.url, invite.body.token) };
  }

  const storedFor = async (employer: ReturnType<typeof apiClient>, phone: string): Promise<Application[]> =>
    (await employer.get<{ applications: Application[] }>('/applications')).body.applications.filter((a) => a.phone === phone);

  test('connected: the application goes over the socket — no POST /api/applications — and is in the employer’s list', async () => {
    const { vacancy, employer } = await vacancyAndEmployer();
    const viewer: TestPage = await fx.browser.open('about:blank', { viewport: PHONE });
    const { page } = viewer;
    const posts = applicationPosts(page);
    const sent: string[] = [];
    const connected = page.waitForEvent('websocket').then(async (ws) => {
      ws.on('framesent', (frame) => sent.push(String(frame.payload)));
      // socket.io's CONNECT answer: the page's socket is connected.
      await ws.waitForEvent('framereceived', { predicate: (frame) => String(frame.payload).startsWith('40') });
    });
    await page.goto(`${fx.server.url}/watch/demo`);
    await connected;

    await apply(page, vacancy.id, { name: '周春雨', phone: '13712345601' });
    expect(posts).toEqual([]);
    expect(sent.filter((f) => f.includes('"application:submit"'))).toHaveLength(1);
    expect(await storedFor(employer, '13712345601')).toMatchObject([{ name: '周春雨', vacancyId: vacancy.id }]);
    expect(viewer.errors).toEqual([]);
    await viewer.close();
  });

  test('socket down: the page applies over HTTP instead', async () => {
    const { vacancy, employer } = await vacancyAndEmployer();
    const viewer = await fx.browser.open('about:blank', { viewport: PHONE });
    const { page, context } = viewer;
    // Neither of socket.io's transports gets through: the page keeps reconnecting.
    await context.routeWebSocket(/\/socket\.io\//, (ws) => ws.close());
    await context.route(/\/socket\.io\//, (route) => route.abort());
    const posts = applicationPosts(page);
    await page.goto(`${fx.server.url}/watch/demo`);

    await apply(page, vacancy.id, { name: '吴秋实', phone: '13712345602' });
    expect(posts).toHaveLength(1);
    expect(await storedFor(employer, '13712345602')).toMatchObject([{ name: '吴秋实', vacancyId: vacancy.id }]);
    await viewer.close();
  });

  test('socket connected but the acknowledgement never comes: after a few seconds the same tap (same key) goes over HTTP, stored once', async () => {
    const { vacancy, employer } = await vacancyAndEmployer();
    const viewer = await fx.browser.open('about:blank', { viewport: PHONE });
    const { page, context } = viewer;
    const swallowed: string[] = [];
    let connected: () => void = () => undefined;
    const socketConnected = new Promise<void>((resolve) => (connected = resolve));
    // A proxy that passes everything both ways except the page's application:submit (it reaches the
    // server, which stores it, but its acknowledgement is dropped on the way back).
    await context.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      const acks = new Set<string>();
      ws.onMessage((message) => {
        const text = String(message);
        const submit = /^42(\d+)\["application:submit"/.exec(text);
        if (submit) {
          swallowed.push(text);
          acks.add(submit[1]!);
        }
        server.send(message);
      });
      server.onMessage((message) => {
        if (String(message).startsWith('40')) connected();
        const ack = /^43(\d+)\[/.exec(String(message));
        if (ack && acks.has(ack[1]!)) return;
        ws.send(message);
      });
    });
    const posts = applicationPosts(page);
    await page.goto(`${fx.server.url}/watch/demo`);
    await socketConnected;

    const tapped = Date.now();
    await apply(page, vacancy.id, { name: '郑冬青', phone: '13712345603' });
    const tookMs = Date.now() - tapped;
    expect(swallowed).toHaveLength(1);
    expect(posts).toHaveLength(1);
    const key = (JSON.parse(posts[0]!) as { idempotencyKey: string }).idempotencyKey;
    expect(swallowed[0]).toContain(key);
    expect(tookMs).toBeGreaterThan(5000);
    expect(await storedFor(employer, '13712345603')).toHaveLength(1);
    console.log(`[measure] no acknowledgement over the socket → answered over HTTP with the same key after ${tookMs} ms`);
    await viewer.close();
  });
});
