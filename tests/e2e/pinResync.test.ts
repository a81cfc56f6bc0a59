import { describe, expect, test } from 'vitest';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../harness/api';
import { e2eFixture } from './fixture';
import { hostGoesLive } from './pages';

describe('a phone that drops while the host pins (Chromium)', () => {
  const fx = e2eFixture();

  test('shows the vacancy pinned while it was offline as soon as it is back, with no new pin', async () => {
    const bureau = await bureauClient(fx.server.url);
    const vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    const [first, next] = [vacancies[1]!, vacancies[6]!];
    const hostLink = await bureau.post<{ path: string }>('/sessions/demo/host-link');
    const host = await hostGoesLive(fx.browser, `${fx.server.url}${hostLink.body.path}`);
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo?mode=hls`, { viewport: { width: 360, height: 640 } });
    await viewer.page.getByRole('status').filter({ hasText: '直播中' }).waitFor({ timeout: 15_000 });

    await host.page.getByRole('button', { name: `置顶 ${first.title}` }).click();
    await viewer.page.locator(`article.pinned-card[data-vacancy="${first.id}"]`).waitFor({ timeout: 5000 });

    // The phone loses its network (a tunnel, a dead cell): its connection is cut and it cannot reconnect.
    await viewer.context.setOffline(true);
    const hostSockets = new Set((await fx.server.io.in('stage-host:demo').fetchSockets()).map((s) => s.id));
    for (const socket of fx.server.io.sockets.sockets.values()) if (!hostSockets.has(socket.id)) socket.conn.close();

    await host.page.getByRole('button', { name: `置顶 ${next.title}` }).click();
    await expect.poll(async () => (await fx.server.service.pinsNow('demo')).vacancy?.id).toBe(next.id);
    const { seq } = await fx.server.service.pinsNow('demo');
    // Still the old card: the event went out while the phone was away.
    expect(await viewer.page.locator(`article.pinned-card[data-vacancy="${first.id}"]`).count()).toBe(1);

    const back = Date.now();
    await viewer.context.setOffline(false);
    await viewer.page.locator(`article.pinned-card[data-vacancy="${next.id}"]`).waitFor({ timeout: 15_000 });
    console.log(`[measure] phone back online → the pin it missed on screen: ${Date.now() - back} ms`);
    expect((await fx.server.service.pinsNow('demo')).seq).toBe(seq);
    expect(host.errors).toEqual([]);
  });
});
