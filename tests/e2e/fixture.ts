import { afterAll, beforeAll } from 'vitest';
import { launchBrowser, type TestBrowser } from '../harness/browser';
import { startTestServer, type TestServer } from '../harness/server';

/** A real server (with the demo fair) and Debian's Chromium for one e2e file, stopped after it. */
export function e2eFixture(env: Record<string, string> = {}): { readonly server: TestServer; readonly browser: TestBrowser } {
  let server: TestServer | undefined;
  let browser: TestBrowser | undefined;
  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', ...env });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('the e2e server is not started yet');
      return server;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not launched yet');
      return browser;
    },
  };
}
