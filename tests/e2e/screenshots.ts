import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** Where screenshots go: $SCREENSHOT_DIR, else test-results/screenshots (not committed). */
export const screenshotDir = path.resolve(process.env['SCREENSHOT_DIR'] ?? path.join(repoRoot, 'test-results', 'screenshots'));

let announced = false;

/**
 * Saves a screenshot as `<dir>/<name>.png` for a person to look at (the full page unless
 * `fullPage: false`, for a modal sheet over the viewport), and names the folder in the test output
 * the first time. Returns the file's path.
 */
export async function screenshot(page: Page, name: string, { fullPage = true }: { fullPage?: boolean } = {}): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  if (!announced) {
    announced = true;
    console.log(`screenshots: ${screenshotDir}`);
  }
  const file = path.join(screenshotDir, `${name}.png`);
  // Finished animations: a sheet or card mid-slide is not what a person sees.
  await page.screenshot({ path: file, fullPage, animations: 'disabled' });
  return file;
}
