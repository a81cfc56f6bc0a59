import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../harness/server';
import { e2eFixture } from './fixture';
import { framesDecodedOver, hostGoesLive, waitForFirstFrame } from './pages';

/** Starts recording the page's Content-Security-Policy violations (and reloads so none is missed). */
async function recordViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`));
  });
  await page.reload();
  return () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

describe('the Content-Security-Policy lets the app work in Chromium', () => {
  const fx = e2eFixture({ HLS_ENABLED: 'true', HLS_RENDITIONS: '360p,audio' });

  test('the built client has no inline script or style for the CSP to refuse', () => {
    const html = fs.readFileSync(path.join(repoRoot, 'client/dist/index.html'), 'utf8');
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc=/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });

  test('a host goes live, a WebRTC viewer and an HLS viewer (hls.js, blob: media) both play, with no CSP violation on any page', async () => {
    const token = await fx.server.tokens.issue({ sid: 'demo', role: 'host', sub: 'csp-host' });
    // The host page is not reloaded (that would take it off air): Chromium reports every violation
    // on the console too, and the page's console errors are recorded from the start.
    const host = await hostGoesLive(fx.browser, `${fx.server.url}/host/demo?token=${token}`);
    await host.page.getByRole('status').filter({ hasText: '直播中' }).waitFor({ timeout: 15_000 });

    const rtc = await fx.browser.open(`${fx.server.url}/watch/demo?mode=webrtc`, { viewport: { width: 360, height: 640 } });
    const rtcViolations = await recordViolations(rtc.page);
    await waitForFirstFrame(rtc.page);
    expect(await framesDecodedOver(rtc.page, 1000)).toBeGreaterThan(5);

    const hls = await fx.browser.open(`${fx.server.url}/watch/demo?mode=hls`, { viewport: { width: 360, height: 640 } });
    const hlsViolations = await recordViolations(hls.page);
    await hls.page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0, undefined, { timeout: 30_000 });
    expect(await hls.page.evaluate(() => document.querySelector('video')?.src ?? '')).toMatch(/^blob:/);

    const landing = await fx.browser.open(`${fx.server.url}/`);
    const landingViolations = await recordViolations(landing.page);
    await landing.page.waitForLoadState('networkidle');

    for (const [name, violations] of [['webrtc viewer', rtcViolations], ['hls viewer', hlsViolations], ['landing', landingViolations]] as const) {
      expect(await violations(), name).toEqual([]);
    }
    for (const [name, page] of [['host', host], ['webrtc viewer', rtc], ['hls viewer', hls], ['landing', landing]] as const) {
      expect(page.errors.filter((e) => /Content Security Policy/i.test(e)), name).toEqual([]);
    }
  });
});
