import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bureauClient } from '../harness/api';
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from '../harness/server';
import { spawnServer } from '../harness/serverProcess';

/** The directives of a Content-Security-Policy header, by name. */
function csp(header: string | null): Map<string, string[]> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name as string, values]),
  );
}

describe('security headers', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MEDIA_WORKERS: '1' });
  });
  afterAll(() => server.stop());

  test('every response (page, API, error, health) carries a CSP without inline script, frame-ancestors none, nosniff and no-referrer; no HSTS on plain HTTP', async () => {
    // (The pages themselves are checked in Chromium by the e2e CSP test, against the built client.)
    for (const [p, init] of [['/api/public/sessions', {}], ['/api/no-such-route', {}], ['/healthz', {}], ['/api/applications', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }]] as const) {
      const res = await fetch(`${server.url}${p}`, init);
      const policy = csp(res.headers.get('content-security-policy'));
      expect(policy.get('default-src'), p).toEqual(["'self'"]);
      expect(policy.get('script-src'), p).toEqual(["'self'"]);
      expect(policy.get('style-src'), p).toEqual(["'self'"]);
      expect(policy.get('object-src'), p).toEqual(["'none'"]);
      expect(policy.get('frame-ancestors'), p).toEqual(["'none'"]);
      expect(res.headers.get('content-security-policy'), p).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(res.headers.get('x-content-type-options'), p).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), p).toBe('no-referrer');
      expect(res.headers.get('x-frame-options'), p).toBe('DENY');
      expect(res.headers.get('strict-transport-security'), p).toBeNull();
      expect(res.headers.get('x-powered-by'), p).toBeNull();
    }
  });

  test('the CSP lets the app work: blob: media and workers for hls.js, data: and blob: images, WebSockets to the same origin', async () => {
    const policy = csp((await fetch(`${server.url}/healthz`)).headers.get('content-security-policy'));
    expect(policy.get('media-src')).toEqual(["'self'", 'blob:']);
    expect(policy.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(policy.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
  });

  test('with SECURE_COOKIES on, HSTS is sent and requests are upgraded to HTTPS', async () => {
    const secure = await startTestServer({ MEDIA_WORKERS: '1', SECURE_COOKIES: 'true' });
    try {
      const res = await fetch(`${secure.url}/healthz`);
      expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=31536000/);
      expect(csp(res.headers.get('content-security-policy')).has('upgrade-insecure-requests')).toBe(true);
    } finally {
      await secure.stop();
    }
  });
});

describe('HLS files', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MEDIA_WORKERS: '1', HLS_ENABLED: 'true' });
    const hlsDir = server.hls?.dir;
    if (!hlsDir) throw new Error('HLS is off');
    const dir = path.join(hlsDir, 'hls-paths');
    fs.mkdirSync(path.join(dir, '360p'), { recursive: true });
    for (const [file, text] of Object.entries({
      'master.m3u8': '#EXTM3U\n',
      '360p/index.m3u8': '#EXTM3U\n',
      '360p/seg_00000.ts': 'segment',
      'captions.vtt': 'WEBVTT\n',
      'session.json': '{"secret":true}',
      'input.sdp': 'v=0',
    })) {
      fs.writeFileSync(path.join(dir, file), text);
    }
  });
  afterAll(() => server.stop());

  test('playlists, segments and captions under a session are served; session.json and input.sdp are refused however the path is encoded', async () => {
    for (const ok of ['master.m3u8', '360p/index.m3u8', '360p/seg_00000.ts', 'captions.vtt', 'master%2em3u8']) {
      expect((await fetch(`${server.url}/hls/hls-paths/${ok}`)).status, ok).toBe(200);
    }
    for (const refused of ['session.json', 'session%2ejson', 'session%2Ejson', 'input.sdp', 'input%2esdp', '360p/%2e%2e/session.json', '360p%2f..%2fsession.json', '%2e%2e/hls-paths/session.json', 'session.json%00.m3u8']) {
      const res = await fetch(`${server.url}/hls/hls-paths/${refused}`);
      expect(res.status, refused).toBe(404);
      expect(await res.text(), refused).not.toContain('secret');
    }
  });
});

describe('credentials in the log', () => {
  test('a server started without demo data logs no credential (no demo host link); with demo data it prints that link, recorded and withdrawable like any host link', async () => {
    for (const demo of ['false', 'true']) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-log-'));
      const server = await spawnServer({ DATA_DIR: dataDir, DEMO_DATA: demo, HLS_ENABLED: 'false', BUREAU_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD });
      try {
        // The demo link is logged right after "listening"; a request answered means startup is over.
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 200));
        const invites = await (await bureauClient(server.url)).get<{ invites: { kind: string; subject: string }[] }>('/invites');
        expect(invites.body.invites.filter((i) => i.kind === 'host' && i.subject === 'demo')).toHaveLength(demo === 'true' ? 1 : 0);
      } finally {
        await server.kill('SIGTERM');
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
      const log = server.output.join('\n');
      expect(log).toContain('Chunfeng Live is listening');
      if (demo === 'false') {
        expect(log).not.toMatch(/token=|demo stage links/);
      } else {
        expect(log).toContain('demo stage links');
        expect(log).toMatch(/\/host\/demo\?token=/);
      }
    }
  });
});

describe('requests under the socket.io path', () => {
  test('anonymous requests under /socket.io/ are answered by socket.io alone: the log holds no error and no warning for them', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-log-'));
    const server = await spawnServer({ DATA_DIR: dataDir, HLS_ENABLED: 'false' });
    const statuses: Record<string, number | string> = {};
    try {
      for (const p of ['/socket.io/x', '/socket.io/socket.io.js', '/socket.io/?EIO=4&transport=polling&sid=nope', '/socket.io/?EIO=1']) {
        // A connection both handlers wrote to can end mid-answer: that is recorded, not thrown.
        statuses[p] = await fetch(`${server.url}${p}`).then(
          async (res) => (await res.arrayBuffer(), res.status),
          (err: Error) => String((err.cause as Error | undefined)?.message ?? err.message),
        );
      }
      // A request after them is answered only once they are all through the process.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await server.kill('SIGTERM');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    const levels = server.output.map((line) => {
      try {
        return (JSON.parse(line) as { level?: number }).level ?? 0;
      } catch {
        return 0;
      }
    });
    // pino: 40 warn, 50 error.
    expect(server.output.filter((_, i) => levels[i]! >= 40)).toEqual([]);
    expect(Object.values(statuses)).toEqual([400, 400, 400, 400]);
  });
});
