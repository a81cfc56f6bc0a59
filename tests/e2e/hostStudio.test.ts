import type { Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import type { TestPage } from '../harness/browser';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';
import { screenshot } from './screenshots';

const LAPTOP = { width: 1366, height: 768 };

/** Whether the document itself scrolls (the studio's columns may scroll inside themselves). */
const pageScrolls = (page: Page): Promise<boolean> =>
  page.evaluate(() => document.scrollingElement!.scrollHeight > window.innerHeight + 1 || window.scrollY > 0);

/** The element's box when it lies wholly inside the viewport, else a description of where it is. */
async function placement(locator: Locator, viewport: { width: number; height: number }): Promise<string> {
  await locator.waitFor();
  const box = await locator.boundingBox();
  if (!box) return 'not rendered';
  const inside = box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width + 0.5 && box.y + box.height <= viewport.height + 0.5;
  return inside ? 'inside' : `outside: ${JSON.stringify(box)}`;
}

/** mm:ss or h:mm:ss as seconds. */
const seconds = (text: string): number => text.split(':').reduce((total, part) => total * 60 + Number(part), 0);

describe('the host studio on a 1366 × 768 laptop', () => {
  const fx = e2eFixture();
  let host: TestPage;

  const lineup = (): Locator => host.page.getByRole('region', { name: '岗位清单' });
  const elapsed = async (): Promise<number> => seconds(await host.page.getByRole('timer').locator('.clock-elapsed').innerText());

  test('everything the host needs is on one screen without the page scrolling, with a running session clock', async () => {
    const token = await fx.server.tokens.issue({ sid: 'demo', role: 'host', sub: 'e2e-host-studio' });
    host = await fx.browser.open(`${fx.server.url}/host/demo?token=${token}`, { viewport: LAPTOP });
    const clock = host.page.getByRole('timer');
    await host.page.getByLabel('本地预览').waitFor();
    expect(await clock.locator('.clock-elapsed').innerText()).toBe('00:00');
    // Before going live the host can see which session this link opens.
    await host.page.locator('.studio-session').getByText('春风行动 · 人社局长直播带岗（第一场）').waitFor();

    await host.page.getByRole('button', { name: '开始直播' }).click();
    await host.page.getByRole('status').filter({ hasText: '直播中' }).waitFor({ timeout: 15_000 });
    const first = lineup().locator('li[data-vacancy]').first();
    await first.getByRole('button', { name: /^置顶 / }).click();
    await first.and(host.page.locator('[data-pinned="true"]')).waitFor({ timeout: 5000 });
    await host.page.getByRole('heading', { name: '观众提问' }).waitFor();

    expect(await pageScrolls(host.page)).toBe(false);
    const pinButtons = lineup().getByRole('button', { name: /置顶 / });
    const where = {
      preview: await placement(host.page.getByLabel('本地预览'), LAPTOP),
      'first pin button': await placement(pinButtons.nth(0), LAPTOP),
      'second pin button': await placement(pinButtons.nth(1), LAPTOP),
      'third pin button': await placement(pinButtons.nth(2), LAPTOP),
      'applications in the last minute': await placement(lineup().getByText(/近一分钟报名 \d+/).first(), LAPTOP),
      'viewer counter': await placement(host.page.getByText(/^观众 \d+ 人$/), LAPTOP),
      'question queue heading': await placement(host.page.getByRole('heading', { name: '观众提问' }), LAPTOP),
      'chat heading': await placement(host.page.getByRole('heading', { name: '聊天' }), LAPTOP),
      'end button': await placement(host.page.getByRole('button', { name: '结束直播' }), LAPTOP),
      clock: await placement(clock, LAPTOP),
    };
    expect(where).toEqual(Object.fromEntries(Object.keys(where).map((k) => [k, 'inside'])));

    // The clock counts time on air, silently, next to the local time.
    expect(await clock.getAttribute('aria-live')).toBe('off');
    expect(await clock.locator('.clock-local').innerText()).toMatch(/\d{1,2}:\d{2}/);
    const before = await elapsed();
    await host.page.waitForTimeout(2200);
    expect(await elapsed()).toBeGreaterThan(before);
    expect(await clock.locator('.clock-elapsed').innerText()).toMatch(/^\d{2}:\d{2}$/);

    expect(await seriousViolations(host.page)).toEqual([]);
    await screenshot(host.page, 'host-studio-desktop');
  });

  test('with the keyboard alone the host tabs to a pin button and pins with Enter, then the next with Space', async () => {
    const items = lineup().locator('li[data-vacancy]');
    const second = items.nth(1).getByRole('button');
    for (let i = 0; i < 80 && !(await second.evaluate((el) => el === document.activeElement)); i += 1) await host.page.keyboard.press('Tab');
    expect(await second.evaluate((el) => el === document.activeElement)).toBe(true);
    // Focus is visible, and the panel scrolled it into view rather than the page.
    expect(await second.evaluate((el) => el.matches(':focus-visible') && getComputedStyle(el).outlineStyle !== 'none')).toBe(true);
    expect(await placement(second, LAPTOP)).toBe('inside');

    await host.page.keyboard.press('Enter');
    await items.nth(1).and(host.page.locator('[data-pinned="true"]')).waitFor({ timeout: 5000 });
    expect(await second.getAttribute('aria-pressed')).toBe('true');
    expect(await items.first().getAttribute('data-pinned')).toBe('false');
    // Pinning keeps the focus where it was, so the next vacancy is one Tab away.
    expect(await second.evaluate((el) => el === document.activeElement)).toBe(true);

    await host.page.keyboard.press('Tab');
    const third = items.nth(2).getByRole('button');
    expect(await third.evaluate((el) => el === document.activeElement)).toBe(true);
    await host.page.keyboard.press('Space');
    await items.nth(2).and(host.page.locator('[data-pinned="true"]')).waitFor({ timeout: 5000 });
    const title = await items.nth(2).locator('strong').first().innerText();
    expect(await lineup().locator('.lineup-now').innerText()).toContain(title);
    expect(await pageScrolls(host.page)).toBe(false);
  });

  test('on a phone the studio is one column and the page scrolls instead', async () => {
    await host.page.setViewportSize({ width: 390, height: 844 });
    try {
      const preview = (await host.page.getByLabel('本地预览').boundingBox())!;
      const list = (await lineup().boundingBox())!;
      const queue = (await host.page.getByRole('region', { name: '观众提问' }).boundingBox())!;
      expect(list.y).toBeGreaterThanOrEqual(preview.y + preview.height);
      expect(queue.y).toBeGreaterThanOrEqual(list.y + list.height);
      expect(await pageScrolls(host.page)).toBe(true);
      expect(await host.page.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth)).toBe(true);
    } finally {
      await host.page.setViewportSize(LAPTOP);
      await host.page.evaluate(() => window.scrollTo(0, 0));
    }
  });

  test('ending (by keyboard) asks for confirmation with the safe choice focused; then the studio is over: no going live again, the camera off, the clock stopped at the session length', async () => {
    // The preview's camera and microphone tracks, to see that ending lets them go.
    await host.page.evaluate(() => {
      const video = document.querySelector<HTMLVideoElement>('video[aria-label="本地预览"]');
      (window as unknown as { previewTracks: MediaStreamTrack[] }).previewTracks = (video?.srcObject as MediaStream).getTracks();
    });
    expect(await host.page.evaluate(() => (window as unknown as { previewTracks: MediaStreamTrack[] }).previewTracks.map((t) => t.readyState))).toEqual(['live', 'live']);
    await host.page.getByRole('button', { name: '结束直播' }).focus();
    await host.page.keyboard.press('Enter');
    const confirm = host.page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await placement(confirm, LAPTOP)).toBe('inside');
    expect(await host.page.evaluate(() => document.activeElement?.textContent)).toBe('取消');
    // Escape backs out, focus returns to the end button; then end for real.
    await host.page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    expect(await host.page.evaluate(() => document.activeElement?.textContent)).toBe('结束直播');
    await host.page.keyboard.press('Enter');
    await confirm.waitFor();
    await host.page.keyboard.press('Shift+Tab');
    expect(await host.page.evaluate(() => document.activeElement?.textContent)).toBe('确认结束');
    await host.page.keyboard.press('Enter');
    await host.page.getByRole('status').filter({ hasText: '主播已结束本场直播' }).waitFor({ timeout: 10_000 });
    const stopped = await elapsed();
    expect(stopped).toBeGreaterThan(0);
    await host.page.getByLabel('本地预览').waitFor({ state: 'detached', timeout: 5000 });
    expect(await host.page.evaluate(() => (window as unknown as { previewTracks: MediaStreamTrack[] }).previewTracks.map((t) => t.readyState))).toEqual(['ended', 'ended']);
    await host.page.waitForTimeout(1500);
    expect(await elapsed()).toBe(stopped);
    expect(await host.page.getByRole('button', { name: '开始直播' }).count()).toBe(0);
    expect(await host.page.getByRole('button', { name: '结束直播' }).count()).toBe(0);
    expect(host.errors).toEqual([]);
  });

  test('the host link of an ended session opened again: going live says the session has ended, and lets the camera go', async () => {
    const token = await fx.server.tokens.issue({ sid: 'demo', role: 'host', sub: 'e2e-host-studio' });
    const again = await fx.browser.open(`${fx.server.url}/host/demo?token=${token}`, { viewport: LAPTOP });
    await again.page.getByLabel('本地预览').waitFor();
    await again.page.getByRole('button', { name: '开始直播' }).click();
    await again.page.getByRole('status').filter({ hasText: '直播已经结束' }).waitFor({ timeout: 10_000 });
    expect(await again.page.getByText('服务器出错了').count()).toBe(0);
    await again.page.getByLabel('本地预览').waitFor({ state: 'detached', timeout: 5000 });
    expect(await again.page.getByRole('button', { name: '开始直播' }).count()).toBe(0);
    expect(await again.page.getByRole('timer').getAttribute('data-running')).toBe('false');
    expect(await fx.server.service.sessionStatus('demo')).toBe('ended');
    expect(again.errors).toEqual([]);

    // A viewer arriving now sees the ended session, not an error and not a wait for ever.
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 390, height: 844 } });
    await viewer.page.getByRole('status').filter({ hasText: '直播已结束' }).waitFor({ timeout: 10_000 });
    expect(await viewer.page.getByText('服务器出错了').count()).toBe(0);
    expect(viewer.errors).toEqual([]);
  });
});
