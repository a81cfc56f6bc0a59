import { describe, expect, test } from 'vitest';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../harness/api';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';
import { framesDecodedOver, mediaStats, waitForFirstFrame } from './pages';

/** A phone held upright (入企探岗: the host walks a factory floor with it). */
const PHONE = { width: 390, height: 844 };

describe('the host studio on a phone held upright', () => {
  const fx = e2eFixture();

  test('the phone host goes live and pins; the uplink is shown; lowered layers and a 3 s signalling blip keep viewers decoding', async () => {
    const bureau = await bureauClient(fx.server.url);
    const vacancy = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
    const hostLink = await bureau.post<{ path: string }>('/sessions/demo/host-link');

    const host = await fx.browser.open(`${fx.server.url}${hostLink.body.path}`, { viewport: PHONE });
    await host.page.locator('video').first().waitFor();
    await host.page.getByRole('button', { name: '开始直播' }).click();
    await host.page.getByRole('status').filter({ hasText: '直播中' }).waitFor({ timeout: 15_000 });

    // One-hand controls: at phone width the end button sits within the screen, at least 44 px high.
    const end = host.page.getByRole('button', { name: '结束直播' });
    const endBox = (await end.boundingBox())!;
    expect(endBox.height).toBeGreaterThanOrEqual(44);
    expect(endBox.y + endBox.height).toBeLessThanOrEqual(PHONE.height + 0.5);

    await host.page.getByRole('button', { name: `置顶 ${vacancy.title}` }).click();
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 360, height: 740 } });
    await viewer.page.locator(`article.pinned-card[data-vacancy="${vacancy.id}"]`).waitFor({ timeout: 15_000 });
    await waitForFirstFrame(viewer.page);
    /** The height of the picture the viewer is decoding (its largest video). */
    const pictureHeight = (): Promise<number> =>
      viewer.page.evaluate(() => Math.max(0, ...[...document.querySelectorAll('video')].map((v) => v.videoHeight)));

    // A portrait picture is shown whole (letterboxed), never cropped to fill the tile.
    expect(await viewer.page.locator('.tile video').first().evaluate((v) => getComputedStyle(v).objectFit)).toBe('contain');

    // The uplink monitor samples the camera sender every 2 s; on the test machine's loopback it is good.
    const uplink = host.page.locator('.uplink');
    expect(await uplink.getAttribute('aria-live')).toBe('polite');
    await uplink.filter({ hasText: /上行网络：(良好|较弱|很差)/ }).waitFor({ timeout: 10_000 });

    // What a bad uplink makes the studio do, forced here (a real cap on the media path is not made in
    // this test: Chromium's network emulation does not reach WebRTC media): only the smallest layer
    // goes out, on the same producer, and the viewer keeps decoding; then everything is restored.
    // The quarter is of the camera's own picture (the host's preview), not of the layer the viewer
    // happened to decode: a viewer 360 px wide is often on the middle layer already.
    const fullHeight = await host.page.evaluate(() => Math.max(0, ...[...document.querySelectorAll('video')].map((v) => v.videoHeight)));
    expect(fullHeight).toBeGreaterThan(0);
    await host.page.evaluate(() => window.chunfengStage!.adaptUplink('bad'));
    await expect.poll(pictureHeight, { timeout: 15_000 }).toBeLessThanOrEqual(fullHeight / 4);
    expect(await framesDecodedOver(viewer.page, 3000)).toBeGreaterThan(10);
    await host.page.evaluate(() => window.chunfengStage!.adaptUplink('good'));
    await expect.poll(pictureHeight, { timeout: 15_000 }).toBeGreaterThan(fullHeight / 4);
    expect(await framesDecodedOver(viewer.page, 3000)).toBeGreaterThan(10);

    // Switching to the rear camera replaces the track on the same producer: the viewer's frames keep
    // counting on the producer it already decodes (Chromium's fake capture has one camera to give).
    const producersBefore = (await mediaStats(viewer.page)).framesByProducer;
    await host.page.getByRole('button', { name: '切换到后置摄像头' }).click();
    await host.page.getByRole('button', { name: '切换到前置摄像头' }).waitFor();
    expect(await framesDecodedOver(viewer.page, 3000)).toBeGreaterThan(10);
    const producersAfter = (await mediaStats(viewer.page)).framesByProducer;
    expect(Object.keys(producersAfter)).toEqual(Object.keys(producersBefore));
    for (const [id, frames] of Object.entries(producersBefore)) expect(producersAfter[id]).toBeGreaterThan(frames);

    // The browser says the network changed (a phone moving from Wi-Fi to 4G fires the connection's
    // change, or online): the studio restarts ICE on its transports at once, and the viewer keeps
    // decoding through it. The restarts are seen in the frames the host's socket sends (read through
    // DevTools: the socket was opened before this listener could be).
    const restarts: string[] = [];
    const cdp = await host.context.newCDPSession(host.page);
    await cdp.send('Network.enable');
    cdp.on('Network.webSocketFrameSent', ({ response }) => void (response.payloadData.includes('"transport:restartIce"') && restarts.push(response.payloadData)));
    await host.page.evaluate(() => window.dispatchEvent(new Event('online')));
    await expect.poll(() => restarts.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect(await framesDecodedOver(viewer.page, 3000)).toBeGreaterThan(10);

    // A 3 s offline blip on the host (DevTools network emulation: it cuts the signalling socket and
    // HTTP; the WebRTC media path is not cut by it). The session stays live and the viewer decodes.
    await host.context.setOffline(true);
    await host.page.waitForTimeout(3000);
    await host.context.setOffline(false);
    await host.page.getByRole('status').filter({ hasText: '直播中' }).waitFor({ timeout: 20_000 });
    await viewer.page.locator(`article.pinned-card[data-vacancy="${vacancy.id}"]`).waitFor();
    expect(await framesDecodedOver(viewer.page, 3000)).toBeGreaterThan(10);

    expect(await seriousViolations(host.page)).toEqual([]);
    // Only the errors the blip itself causes (requests made while offline) are expected.
    expect(host.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
    expect(viewer.errors).toEqual([]);
  }, 90_000);
});
