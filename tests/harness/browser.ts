import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags for headless Debian Chromium on a closed network, with a fake camera and microphone. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  // Every page is someone's foreground phone: no throttling of pages Chromium thinks are hidden.
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
];

export interface TestBrowser {
  browser: Browser;
  /**
   * Opens a page in its own context (own storage, like a separate phone) and records its console
   * errors. `initScript` (JavaScript source) runs in every document of the page before its own scripts.
   * `touch` makes it a touch screen (CSS `pointer: coarse`), as a phone's.
   */
  open(url: string, options?: { viewport?: { width: number; height: number }; initScript?: string; touch?: boolean }): Promise<TestPage>;
  close(): Promise<void>;
}

export interface TestPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}; run npm run setup (installs Debian's chromium)`);
  }
  const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-chromium-'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, downloadsPath: downloads });
  return {
    browser,
    async open(url, { viewport = { width: 1280, height: 800 }, initScript, touch = false } = {}) {
      const context = await browser.newContext({ viewport, hasTouch: touch, permissions: ['camera', 'microphone'] });
      if (initScript !== undefined) await context.addInitScript({ content: initScript });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(url);
      return { page, context, errors, close: () => context.close() };
    },
    async close() {
      await browser.close();
      fs.rmSync(downloads, { recursive: true, force: true });
    },
  };
}
