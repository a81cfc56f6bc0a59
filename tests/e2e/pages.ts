import type { Locator, Page } from 'playwright-core';
import type { TestBrowser, TestPage } from '../harness/browser';
import type { MediaStats } from '../../client/src/media/mediaStats';
// For the type of window.chunfengStage inside page.evaluate().
import type {} from '../../client/src/media/diagnostics';

const none: MediaStats = { video: { framesDecoded: 0, bytesReceived: 0 }, audio: { bytesReceived: 0, packetsReceived: 0 }, framesByPeer: {}, framesByProducer: {} };

/** The page's inbound media totals, read from its stage client (see client/src/media/diagnostics.ts). */
export async function mediaStats(page: Page): Promise<MediaStats> {
  return page.evaluate((empty) => window.chunfengStage?.stats() ?? Promise.resolve(empty), none);
}

/** Polls until `check` holds for the page's stats; returns the milliseconds it took from `since`. */
export async function waitForStats(
  page: Page,
  check: (s: MediaStats) => boolean,
  { since = Date.now(), timeoutMs = 20_000, what = 'media' } = {},
): Promise<number> {
  const deadline = since + timeoutMs;
  for (;;) {
    const s = await mediaStats(page);
    if (check(s)) return Date.now() - since;
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms: ${JSON.stringify(s)}`);
    await page.waitForTimeout(100);
  }
}

export const waitForFirstFrame = (page: Page, options: { since?: number; timeoutMs?: number } = {}) =>
  waitForStats(page, (s) => s.video.framesDecoded > 0, { ...options, what: 'a decoded video frame' });

/** How the page's stats moved over `ms` milliseconds. */
export async function statsOver(page: Page, ms: number): Promise<{ before: MediaStats; after: MediaStats }> {
  const before = await mediaStats(page);
  await page.waitForTimeout(ms);
  return { before, after: await mediaStats(page) };
}

export async function framesDecodedOver(page: Page, ms: number): Promise<number> {
  const { before, after } = await statsOver(page, ms);
  return after.video.framesDecoded - before.video.framesDecoded;
}

export async function peerIdOf(page: Page): Promise<string> {
  const id = await page.evaluate(() => window.chunfengStage?.peerId);
  if (!id) throw new Error('page has not joined a stage');
  return id;
}

/**
 * Glass-to-glass latency: the publisher shows its clock as a pattern (host studio ?pattern=clock);
 * this reads it off the page's video `samples` times and returns the median of now − clock, in ms.
 */
export async function glassToGlass(page: Page, selector: string, samples = 15): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples * 3 && values.length < samples; i += 1) {
    const v = await page.evaluate((sel) => {
      const video = document.querySelector<HTMLVideoElement>(sel);
      const read = window.chunfengReadClock;
      if (!video || !read) return undefined;
      const clock = read(video);
      return clock === undefined ? undefined : Date.now() - clock;
    }, selector);
    // A frame caught mid-blend decodes to nonsense: keep plausible readings only.
    if (v !== undefined && v >= 0 && v < 60_000) values.push(v);
    await page.waitForTimeout(200);
  }
  if (values.length < samples / 2) throw new Error(`the clock pattern could not be read (${values.length} readings)`);
  values.sort((a, b) => a - b);
  if (process.env['DEBUG_LATENCY']) console.log(selector, values.join(' '));
  return values[Math.floor(values.length / 2)]!;
}

/** Opens the host studio at `url`, waits for the camera preview, goes live, and waits until live. */
export async function hostGoesLive(browser: TestBrowser, url: string): Promise<TestPage> {
  const host = await browser.open(url, { viewport: { width: 1366, height: 900 } });
  await host.page.locator('video').first().waitFor();
  await host.page.getByRole('button', { name: '开始直播' }).click();
  await host.page.getByRole('status').filter({ hasText: '直播中' }).waitFor({ timeout: 15_000 });
  return host;
}

/**
 * Picks in one of the bureau console's search-as-you-type pickers (a combobox named `label` within
 * `scope`): types `text`, waits for the server's options, and clicks the first one named exactly so.
 */
export async function pickOption(page: Page, scope: Page | Locator, label: string, text: string): Promise<void> {
  const input = scope.getByRole('combobox', { name: label, exact: true });
  await input.fill(text);
  const listId = await input.getAttribute('aria-controls');
  await page.locator(`[id="${listId}"]`).getByRole('option').filter({ has: page.getByText(text, { exact: true }) }).first().click();
}
