import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { repoRoot } from '../harness/server';
import { spawnServer, type ServerProcess } from '../harness/serverProcess';

const PAGE = '<!doctype html><html lang="zh-CN"><head><script type="module" src="/assets/app-1a2b3c.js"></script></head><body><div id="root"></div></body></html>';

/**
 * The project installed under a hidden directory (a checkout under ~/.cache/… or ~/.local/…): its
 * code linked in, its built client, data and HLS files really there.
 */
describe('installed under a hidden directory', () => {
  let tmp: string;
  let app: string;
  let server: ServerProcess;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-install-'));
    app = path.join(tmp, '.cache', 'chunfeng-live', 'app');
    fs.mkdirSync(path.join(app, 'client', 'dist', 'assets'), { recursive: true });
    for (const entry of ['server', 'shared', 'node_modules', 'package.json', 'tsconfig.json', 'tsconfig.base.json']) {
      fs.symlinkSync(path.join(repoRoot, entry), path.join(app, entry));
    }
    fs.writeFileSync(path.join(app, 'client', 'dist', 'index.html'), PAGE);
    fs.writeFileSync(path.join(app, 'client', 'dist', 'assets', 'app-1a2b3c.js'), 'console.log("春风");\n');
    fs.writeFileSync(path.join(app, 'client', 'dist', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const segments = path.join(app, 'data', 'hls', 'hidden-demo', '360p');
    fs.mkdirSync(segments, { recursive: true });
    fs.writeFileSync(path.join(segments, 'index.m3u8'), '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nseg0.ts\n');
    fs.writeFileSync(path.join(segments, 'seg0.ts'), Buffer.alloc(188, 0x47));
    server = await spawnServer(
      { CLIENT_DIST: path.join(app, 'client', 'dist'), DATA_DIR: path.join(app, 'data'), DEMO_DATA: 'true' },
      { root: app },
    );
  }, 60_000);
  afterAll(async () => {
    await server?.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('every page answers 200 with the page shell, cacheable only after revalidation, and 304 when unchanged', async () => {
    for (const page of ['/', '/watch/demo', '/host/demo?token=x', '/admin', '/replay/demo', '/employer']) {
      const res = await fetch(`${server.url}${page}`);
      expect(res.status, page).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(PAGE);
    }
    const etag = (await fetch(`${server.url}/watch/demo`)).headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/);
    expect((await fetch(`${server.url}/watch/other`, { headers: { 'if-none-match': etag! } })).status).toBe(304);
  });

  test('assets, files at the root of the client and HLS playlists and segments are served', async () => {
    const asset = await fetch(`${server.url}/assets/app-1a2b3c.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toContain('春风');
    expect((await fetch(`${server.url}/favicon.svg`)).status).toBe(200);
    // A missing asset is a 404, never the page shell served as a script (an old tab after a deploy).
    const missing = await fetch(`${server.url}/assets/index-gone.js`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toBe(PAGE);
    const playlist = await fetch(`${server.url}/hls/hidden-demo/360p/index.m3u8`);
    expect(playlist.status).toBe(200);
    expect(await playlist.text()).toContain('seg0.ts');
    const segment = await fetch(`${server.url}/hls/hidden-demo/360p/seg0.ts`);
    expect(segment.status).toBe(200);
    expect((await segment.arrayBuffer()).byteLength).toBe(188);
    expect((await fetch(`${server.url}/api/public/sessions/demo`)).status).toBe(200);
  });

  test('the server logged no error serving them', () => {
    const errors = server.output.filter((line) => /"level":(50|60)/.test(line));
    expect(errors).toEqual([]);
  });
});
