import type { Page } from 'playwright-core';
// For the type of window.chunfengStage inside page.evaluate().
import type {} from '../../client/src/media/diagnostics';

/** Reads the page's inbound video totals from its stage client (see client/src/media/diagnostics.ts). */
export async function inboundVideo(page: Page): Promise<{ framesDecoded: number; bytesReceived: number }> {
  return page.evaluate(() => {
    const stage = window.chunfengStage;
    return stage ? stage.inboundVideoStats() : Promise.resolve({ framesDecoded: 0, bytesReceived: 0 });
  });
}

/** Polls until the page has decoded its first video frame; returns the milliseconds it took. */
export async function waitForFirstFrame(page: Page, { since = Date.now(), timeoutMs = 20_000 } = {}): Promise<number> {
  const deadline = since + timeoutMs;
  for (;;) {
    const { framesDecoded } = await inboundVideo(page);
    if (framesDecoded > 0) return Date.now() - since;
    if (Date.now() > deadline) throw new Error(`no video frame decoded within ${timeoutMs} ms`);
    await page.waitForTimeout(100);
  }
}

/** Frames decoded by the page over `ms` milliseconds. */
export async function framesDecodedOver(page: Page, ms: number): Promise<number> {
  const before = await inboundVideo(page);
  await page.waitForTimeout(ms);
  const after = await inboundVideo(page);
  return after.framesDecoded - before.framesDecoded;
}
