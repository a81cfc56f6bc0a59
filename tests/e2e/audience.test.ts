import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import type { SessionId } from '@chunfeng/shared/ids';
import { bureauClient } from '../harness/api';
import type { TestPage } from '../harness/browser';
import { e2eFixture } from './fixture';
import { hostGoesLive, waitForStats } from './pages';

const PHONE = { width: 360, height: 640 };

/** What a phone's page did on the wire and with WebRTC, counted from before its first request. */
interface Wire {
  page: Page;
  context: BrowserContext;
  /** socket.io requests the page sent, by name. */
  sent: (name: string) => number;
  /** WebSocket connections the page opened. */
  sockets: () => number;
  /** RTCPeerConnections the page created (mediasoup-client's Device makes one to load). */
  peerConnections: () => Promise<number>;
}

async function openCounted(fx: ReturnType<typeof e2eFixture>, url: string): Promise<Wire> {
  const context = await fx.browser.browser.newContext({ viewport: PHONE });
  await context.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const counted = { made: 0 };
    (window as unknown as { peerConnectionsMade: typeof counted }).peerConnectionsMade = counted;
    window.RTCPeerConnection = class extends Native {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        counted.made += 1;
      }
    };
  });
  const page = await context.newPage();
  const counts = new Map<string, number>();
  let sockets = 0;
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/socket.io/')) return;
    sockets += 1;
    ws.on('framesent', ({ payload }) => {
      // socket.io packets: 42<ack id>["name",{...}]
      const name = /^42\d*\["([^"]+)"/.exec(String(payload))?.[1];
      if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
    });
  });
  await page.goto(url);
  return {
    page,
    context,
    sent: (name) => counts.get(name) ?? 0,
    sockets: () => sockets,
    peerConnections: () => page.evaluate(() => (window as unknown as { peerConnectionsMade: { made: number } }).peerConnectionsMade.made),
  };
}

const phaseOf = (page: Page): Promise<string | undefined> => page.evaluate(() => window.chunfengStage?.phase);
const modeOf = (page: Page): Promise<string | undefined> => page.evaluate(() => window.chunfengStage?.mode);

/** The host's grace period in this file's server: how long a host page gone without ending is waited for. */
const GRACE_MS = 6000;

describe('the audience in Chromium: the lobby, one seat, HLS without a Device, switching on one socket', () => {
  // One interactive seat; rejoins after go-live spread over 2 s; a host page gone is waited for GRACE_MS.
  const fx = e2eFixture({ HLS_ENABLED: 'true', HLS_RENDITIONS: '360p,audio', INTERACTIVE_SEATS: '1', LOBBY_SPREAD_MS: '2000', STAGE_GRACE_MS: String(GRACE_MS) });
  let first: Wire;
  let host: TestPage;

  test('a viewer waiting before go-live sends one stage:join (one more after a dropped connection), is told when it goes live, and joins within the spread window', async () => {
    first = await openCounted(fx, `${fx.server.url}/watch/demo`);
    await first.page.getByRole('status').filter({ hasText: '直播尚未开始' }).waitFor({ timeout: 10_000 });
    // The page used to ask again every 3 s: in 7 s of waiting that would be three more joins.
    await first.page.waitForTimeout(7000);
    expect(first.sent('stage:join')).toBe(1);
    // The connection drops while waiting: the new one has left the lobby with the old, so it joins once more.
    await first.page.evaluate(() => window.chunfengSignalling?.socket.io.engine.close());
    await expect.poll(() => first.sent('stage:join'), { timeout: 10_000 }).toBe(2);
    await first.page.waitForTimeout(4000);
    expect(first.sent('stage:join')).toBe(2);
    expect(await first.page.getByRole('status').filter({ hasText: '直播尚未开始' }).count()).toBe(1);

    const hostLink = await (await bureauClient(fx.server.url)).post<{ path: string }>('/sessions/demo/host-link');
    host = await hostGoesLive(fx.browser, `${fx.server.url}${hostLink.body.path}`);
    const wentLive = Date.now();
    await expect.poll(() => phaseOf(first.page), { timeout: 2000 + 10_000 }).toBe('live');
    console.log(`[measure] lobby viewer live ${Date.now() - wentLive} ms after go-live (spread window 2000 ms)`);
    expect(first.sent('stage:join')).toBe(3);
    expect(first.sockets()).toBe(2);
    // The only seat was free: it is on WebRTC and decodes the host.
    expect(await modeOf(first.page)).toBe('webrtc');
    await waitForStats(first.page, (s) => s.video.framesDecoded > 0, { what: 'video frames on WebRTC' });
  });

  test('with the seat taken the next viewer watches HLS, says why, and never builds a Device or asks for WebRTC', async () => {
    const second = await openCounted(fx, `${fx.server.url}/watch/demo`);
    await second.page.getByText('互动席位已满').waitFor({ timeout: 15_000 });
    expect(await modeOf(second.page)).toBe('hls');
    await second.page.waitForFunction(() => (document.querySelector<HTMLVideoElement>('figure.tile-hls video')?.currentTime ?? 0) > 0, undefined, { timeout: 30_000 });
    expect(await second.peerConnections()).toBe(0);
    expect(second.sent('stage:watch')).toBe(0);
    expect(second.sent('transport:create')).toBe(0);
    const stage = await fx.server.directory.get('demo' as SessionId);
    expect(stage?.interactive.taken).toBe(1);

    // The seat comes free; the viewer switches to WebRTC: one request on the same socket.
    await first.context.close();
    await expect.poll(() => stage?.interactive.taken, { timeout: 10_000 }).toBe(0);
    await second.page.getByLabel('观看方式').selectOption('webrtc');
    await waitForStats(second.page, (s) => s.video.framesDecoded > 0, { what: 'video frames after switching to WebRTC' });
    expect(second.sent('stage:watch')).toBe(1);
    expect(second.sent('stage:join')).toBe(1);
    expect(second.sockets()).toBe(1);
    expect(stage?.interactive.taken).toBe(1);

    // And back to HLS: one more request, the seat is free again, the player plays.
    await second.page.getByLabel('观看方式').selectOption('hls');
    await second.page.locator('figure.tile-hls video').waitFor({ timeout: 10_000 });
    expect(second.sent('stage:watch')).toBe(2);
    await expect.poll(() => stage?.interactive.taken, { timeout: 5000 }).toBe(0);
    expect(second.sockets()).toBe(1);
    await second.context.close();
    await host.close();
  });

  test('the host page gone without ending: during its grace period the viewer says the host\'s connection dropped, once it is over that the host left and waits for them (not "not started yet"), and plays again when they are back', async () => {
    const hostLink = await (await bureauClient(fx.server.url)).post<{ path: string }>('/sessions/demo/host-link');
    const studio = await hostGoesLive(fx.browser, `${fx.server.url}${hostLink.body.path}`);
    const viewer = await openCounted(fx, `${fx.server.url}/watch/demo?mode=hls`);
    await expect.poll(() => phaseOf(viewer.page), { timeout: 15_000 }).toBe('live');

    await studio.close();
    // Within the host's grace period the picture is frozen and the page says why. The period is long
    // enough here for a loaded machine to show that notice before it is over (with 2 s it was missed).
    await viewer.page.getByRole('status').filter({ hasText: '主播网络不稳定，正在等待主播回来' }).waitFor({ timeout: GRACE_MS });
    await viewer.page.getByRole('status').filter({ hasText: '主播暂时离开' }).waitFor({ timeout: GRACE_MS + 15_000 });
    expect(await viewer.page.getByText('直播尚未开始').count()).toBe(0);

    const back = await hostGoesLive(fx.browser, `${fx.server.url}${hostLink.body.path}`);
    await expect.poll(() => phaseOf(viewer.page), { timeout: 2000 + 15_000 }).toBe('live');
    expect(await viewer.page.getByText('主播暂时离开').count()).toBe(0);
    await viewer.context.close();
    await back.close();
  });
});
