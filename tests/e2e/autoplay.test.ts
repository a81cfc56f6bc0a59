import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bureauClient } from '../harness/api';
import { launchBrowser, type TestBrowser } from '../harness/browser';
import { startTestServer, type TestServer } from '../harness/server';
import { hostGoesLive } from './pages';

const PHONE = { width: 360, height: 640 };

/** The stage's media elements on a page: whether each plays, with sound or not, and how far it got. */
const media = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLMediaElement>('.stage-wrap video, .stage-wrap audio')].map((m) => ({ kind: m.tagName.toLowerCase(), paused: m.paused, muted: m.muted, t: m.currentTime })),
  );

/** The stage's picture plays (not paused, its clock moving). */
async function pictureMoves(page: Page): Promise<boolean> {
  const before = (await media(page)).find((m) => m.kind === 'video');
  await page.waitForTimeout(500);
  const after = (await media(page)).find((m) => m.kind === 'video');
  return Boolean(before && after && !after.paused && after.t > before.t);
}

describe("a phone's autoplay rule (sound only after a tap): the stage starts at once, without sound, and one tap turns the sound on", () => {
  let server: TestServer;
  let browser: TestBrowser;
  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', HLS_ENABLED: 'true', HLS_RENDITIONS: '360p,audio', INTERACTIVE_SEATS: '1' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('on WebRTC (the one interactive seat) and on HLS (the next phone), opened from a link with no tap', async () => {
    const hostLink = await (await bureauClient(server.url)).post<{ path: string }>('/sessions/demo/host-link');
    await hostGoesLive(browser, `${server.url}${hostLink.body.path}`);
    for (const mode of ['webrtc', 'hls'] as const) {
      const context = await browser.browser.newContext({ viewport: PHONE });
      // Headless Chromium does not apply its autoplay rule (and reports the page as activated), so the
      // page gets the rule as browsers define it: media with sound starts only once the person has
      // activated the page (a real tap, click or key), a muted one at once.
      await context.addInitScript(() => {
        let activated = false;
        for (const type of ['pointerdown', 'mousedown', 'keydown', 'touchend']) {
          window.addEventListener(type, (e) => (activated ||= e.isTrusted), { capture: true });
        }
        const play = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'play')!.value as (this: HTMLMediaElement) => Promise<void>;
        HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
          if (!this.muted && !activated) {
            return Promise.reject(new DOMException("play() failed because the user didn't interact with the document first.", 'NotAllowedError'));
          }
          return play.call(this);
        };
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${server.url}/watch/demo`);
      await expect.poll(() => page.evaluate(() => window.chunfengStage?.phase), { timeout: 20_000 }).toBe('live');
      expect(await page.evaluate(() => window.chunfengStage?.mode)).toBe(mode);
      // The picture plays before any tap.
      await expect.poll(() => pictureMoves(page), { timeout: 30_000 }).toBe(true);
      // The sound was refused: the page offers it, and one tap turns it on.
      const sound = page.getByRole('button', { name: '🔊 轻触开启声音' });
      await sound.waitFor({ timeout: 10_000 });
      await sound.click();
      await expect.poll(() => sound.count(), { timeout: 5_000 }).toBe(0);
      // Every element of the stage plays, and the one carrying sound is not muted.
      await expect.poll(async () => (await media(page)).every((m) => !m.paused), { timeout: 10_000 }).toBe(true);
      const elements = await media(page);
      const withSound = mode === 'hls' ? elements.filter((m) => m.kind === 'video') : elements.filter((m) => m.kind === 'audio');
      expect(withSound.length).toBeGreaterThan(0);
      expect(withSound.every((m) => !m.muted)).toBe(true);
      expect(await pictureMoves(page)).toBe(true);
      expect(errors).toEqual([]);
      // The first phone keeps its seat: the next one watches HLS.
      if (mode === 'hls') await context.close();
    }
  }, 120_000);
});
