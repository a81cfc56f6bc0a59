import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Invite } from '@chunfeng/shared/admin';
import { bureauClient, signInCookie } from '../harness/api';
import { launchBrowser, type TestBrowser } from '../harness/browser';
import { startTestServer, type TestServer } from '../harness/server';

/**
 * What a page tries with the visitor's cookies: withdraw an invite link with fetch, and subscribe to
 * the bureau's feed of applicants over socket.io (spoken by hand over a WebSocket, as a script
 * would, so the page needs no bundle).
 */
const PROBE_PAGE = `<!doctype html><meta charset="utf-8"><title>probe</title><script>
window.probe = async (target, inviteId) => {
  const out = {};
  try {
    const res = await fetch(target + '/api/invites/' + inviteId + '/revoke', { method: 'POST', credentials: 'include' });
    out.fetch = 'status ' + res.status;
  } catch (e) {
    out.fetch = 'unreadable';
  }
  out.socket = await new Promise((resolve) => {
    const ws = new WebSocket(target.replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket');
    ws.onmessage = (m) => {
      const d = String(m.data);
      if (d === '2') ws.send('3');
      else if (d.startsWith('40')) ws.send('421["console:subscribe",{}]');
      else if (d.startsWith('0')) ws.send('40');
      else if (d.startsWith('431')) { resolve('ack ' + d.slice(3)); ws.close(); }
    };
    ws.onerror = () => resolve('refused');
    ws.onclose = () => resolve('closed');
    setTimeout(() => resolve('timeout'), 5000);
  });
  return out;
};
</script>`;

describe('same-site pages cannot use the bureau cookie (real Chromium)', () => {
  let server: TestServer;
  let browser: TestBrowser;
  const pages: http.Server[] = [];
  let attackerUrl: string;
  let frontUrl: string;
  let cookie: string;

  /** A real second HTTP server on another port of 127.0.0.1 that serves the probe page. */
  async function probeServer(): Promise<string> {
    const other = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PROBE_PAGE));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    pages.push(other);
    return `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    attackerUrl = await probeServer();
    // The control: an origin the deployment configured as its own (a proxy in front of it).
    frontUrl = await probeServer();
    server = await startTestServer({ MEDIA_WORKERS: '1', DEMO_DATA: 'true', ALLOWED_ORIGINS: frontUrl });
    browser = await launchBrowser();
    cookie = await signInCookie(server.url);
  });
  afterAll(async () => {
    await browser.close();
    for (const p of pages) await new Promise((r) => p.close(r));
    await server.stop();
  });

  async function probeFrom(pageUrl: string): Promise<{ fetch: string; socket: string; status: number; revoked: boolean }> {
    const bureau = await bureauClient(server.url);
    const [employer] = (await bureau.get<{ employers: Array<{ id: string }> }>('/employers')).body.employers;
    const link = (await bureau.post<{ invite: Invite }>(`/employers/${employer!.id}/invite`)).body.invite;
    const context = await browser.browser.newContext();
    try {
      // The admin signed in on this browser: the cookie as the server set it.
      await context.addCookies([{ name: 'cf_session', value: cookie.slice('cf_session='.length), url: server.url, httpOnly: true, sameSite: 'Strict' }]);
      const page = await context.newPage();
      await page.goto(pageUrl);
      // What the server answered, seen on the server: the page may not read a cross-origin answer.
      const answered = new Promise<number>((resolve) => {
        const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
          if (!req.url?.endsWith(`/invites/${link.id}/revoke`)) return;
          res.once('finish', () => resolve(res.statusCode));
          server.io.httpServer.off('request', onRequest);
        };
        server.io.httpServer.on('request', onRequest);
      });
      const result = await page.evaluate(([target, id]) => (window as unknown as { probe(t: string, i: string): Promise<{ fetch: string; socket: string }> }).probe(target!, id!), [server.url, link.id]);
      const status = await answered;
      const after = (await bureau.get<{ invites: Invite[] }>('/invites')).body.invites.find((i) => i.id === link.id)!;
      return { ...result, status, revoked: after.revokedAt !== null };
    } finally {
      await context.close();
    }
  }

  test('a page on another port of the same host cannot revoke an invite nor subscribe to the bureau feed with the admin cookie', async () => {
    const attack = await probeFrom(`${attackerUrl}/`);
    // 403, not 401: Chromium did send the cookie (same site), and the server refused it by origin.
    expect(attack.status).toBe(403);
    expect(attack.revoked).toBe(false);
    expect(attack.fetch).toBe('unreadable');
    expect(attack.socket).toMatch(/^(refused|closed)$/);
  });

  test('the same page from an origin configured in ALLOWED_ORIGINS can (the probe itself works)', async () => {
    const own = await probeFrom(`${frontUrl}/`);
    expect(own.status).toBe(200);
    expect(own.revoked).toBe(true);
    expect(own.socket).toMatch(/^ack \[\{"ok":true,"data":\{"scope":"bureau"/);
  });
});
