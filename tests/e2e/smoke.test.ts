import { describe, expect, test } from 'vitest';
import { e2eFixture } from './fixture';
import { framesDecodedOver, waitForFirstFrame } from './pages';

describe('smoke: a fake camera through the real mediasoup to a second page', () => {
  const fx = e2eFixture();


  test('the host goes live and a viewer decodes the video', async () => {
    const token = await fx.server.tokens.issue({ sid: 'demo', role: 'host', sub: 'e2e-host' });
    const host = await fx.browser.open(`${fx.server.url}/host/demo?token=${token}`);
    const goLive = host.page.getByRole('button', { name: '开始直播' });
    await goLive.waitFor();
    await host.page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button.button-primary')?.disabled);
    await goLive.click();
    await host.page.getByRole('status').filter({ hasText: '直播中' }).waitFor({ timeout: 15_000 });

    const opened = Date.now();
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`);
    const firstFrameMs = await waitForFirstFrame(viewer.page, { since: opened });
    console.log(`[measure] viewer page open → first decoded frame: ${firstFrameMs} ms`);

    const decoded = await framesDecodedOver(viewer.page, 2000);
    expect(decoded).toBeGreaterThan(10);
    await viewer.page.getByRole('status').filter({ hasText: '直播中' }).waitFor();
    expect(await viewer.page.locator('video').count()).toBe(1);

    expect(host.errors).toEqual([]);
    expect(viewer.errors).toEqual([]);
  });
});
