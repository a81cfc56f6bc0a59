import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, TEST_METRICS_TOKEN, type TestServer } from '../harness/server';

// The files are written here the way the encoder writes them; what is under test is how the node
// serves them, so no encoder runs.
const LIVE = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:4', '#EXTINF:2.0,', 'seg_00004.ts', '#EXTINF:2.0,', 'seg_00005.ts', ''].join('\n');
const ENDED = `${LIVE}#EXT-X-ENDLIST\n`;

describe('HLS is served the way a CDN can hold it', () => {
  let server: TestServer;
  let dir: string;
  // fetch adds `Cache-Control: no-cache` to a conditional request unless told otherwise, and a
  // server must answer no-cache in full; nginx revalidating sends none.
  const get = (p: string, headers: Record<string, string> = {}) => fetch(`${server.url}/hls/${p}`, { headers: { 'cache-control': 'max-age=0', ...headers } });
  const write = (p: string, text: string | Buffer, ageSeconds = 0): void => {
    const file = path.join(dir, p);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    const t = new Date(Date.now() - ageSeconds * 1000);
    fs.utimesSync(file, t, t);
  };

  beforeAll(async () => {
    // 4-second segments: a live playlist may then be held 2 s.
    server = await startTestServer({ HLS_ENABLED: 'true', HLS_SEGMENT_SECONDS: '4' });
    dir = server.hls!.dir;
    write('s1/master.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n360p/index.m3u8\n');
    write('s1/replay.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n360p/vod.m3u8\n');
    write('s1/360p/index.m3u8', LIVE);
    write('s1/360p/vod.m3u8', LIVE);
    write('s1/360p/seg_00004.ts', Buffer.alloc(188 * 10, 0x47));
    write('s2/360p/index.m3u8', ENDED, 60);
    write('s2/360p/vod.m3u8', ENDED, 60);
    write('s3/360p/vod.m3u8', ENDED, 0);
    write('s2/captions.vtt', 'WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\n你好\n');
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('a live media playlist may be cached for about half a segment, with an ETag and Last-Modified', async () => {
    const res = await get('s1/360p/index.m3u8');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=2');
    expect(res.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
    expect(res.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    expect(new Date(res.headers.get('last-modified')!).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await res.text()).toBe(LIVE);
  });

  test('a playlist is answered 304 to its ETag or its date, and 200 with a new ETag once it changes', async () => {
    const first = await get('s1/360p/index.m3u8');
    const etag = first.headers.get('etag')!;
    const byTag = await get('s1/360p/index.m3u8', { 'if-none-match': etag });
    expect(byTag.status).toBe(304);
    expect(byTag.headers.get('cache-control')).toBe('public, max-age=2');
    expect((await get('s1/360p/index.m3u8', { 'if-modified-since': first.headers.get('last-modified')! })).status).toBe(304);
    write('s1/360p/index.m3u8', `${LIVE}#EXTINF:2.0,\nseg_00006.ts\n`);
    const changed = await get('s1/360p/index.m3u8', { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    write('s1/360p/index.m3u8', LIVE);
  });

  test('master and replay playlists have a short max-age', async () => {
    for (const p of ['s1/master.m3u8', 's1/replay.m3u8']) {
      const res = await get(p);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=5');
    }
  });

  test('a replay playlist is cached like a live one while it grows, for a day once its ENDLIST has stood still', async () => {
    expect((await get('s1/360p/vod.m3u8')).headers.get('cache-control')).toBe('public, max-age=2');
    expect((await get('s2/360p/vod.m3u8')).headers.get('cache-control')).toBe('public, max-age=86400');
    expect((await get('s2/360p/index.m3u8')).headers.get('cache-control')).toBe('public, max-age=86400');
    // An ENDLIST written a moment ago may be an encoder stopping to restart.
    expect((await get('s3/360p/vod.m3u8')).headers.get('cache-control')).toBe('public, max-age=2');
  });

  test('segments are public, immutable for a year, and answer 304 to their ETag', async () => {
    const res = await get('s1/360p/seg_00004.ts');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toBe('video/mp2t');
    expect((await res.arrayBuffer()).byteLength).toBe(1880);
    expect((await get('s1/360p/seg_00004.ts', { 'if-none-match': res.headers.get('etag')! })).status).toBe(304);
  });

  test('captions are text/vtt for a minute', async () => {
    const res = await get('s2/captions.vtt');
    expect(res.headers.get('content-type')).toContain('text/vtt');
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
  });

  test('a playlist or segment not written yet is a 404 cached for one second only', async () => {
    for (const p of ['s9/master.m3u8', 's9/360p/index.m3u8', 's1/360p/seg_00099.ts', 's1/360p/vod.m3u8x', 's1/360p']) {
      const res = await get(p);
      expect(res.status, p).toBe(404);
      if (!p.endsWith('x') && p.includes('.')) expect(res.headers.get('cache-control'), p).toBe('public, max-age=1');
    }
  });

  test('paths that can never be served stay refused, any origin may read the rest, and the CSP is kept', async () => {
    write('s1/session.json', '{}');
    expect((await get('s1/session.json')).status).toBe(404);
    expect((await get('s1/input%2esdp')).status).toBe(404);
    const res = await get('s1/360p/index.m3u8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('content-security-policy')).toBeTruthy();
  });

  test('a refused spelling of a real file (./, //, x/../, %2e/) is stored by no cache: a cache that normalises the path would keep it under the real name', async () => {
    // fetch normalises these paths itself; a raw request sends them as an attacker would.
    const raw = (p: string) =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        const { hostname, port } = new URL(server.url);
        const req = http.get({ hostname, port, path: `/hls/${p}` }, (res) => {
          res.resume();
          resolve(res);
        });
        req.on('error', reject);
      });
    for (const p of ['s1/360p/./seg_00004.ts', 's1//360p/seg_00004.ts', 's1/x/../360p/seg_00004.ts', 's1/360p/%2e/seg_00004.ts', 's1/./master.m3u8', 's1/.//replay.m3u8', 's1/session.json']) {
      const res = await raw(p);
      expect(res.statusCode, p).toBe(404);
      expect(res.headers['cache-control'], p).toBe('no-store');
    }
    expect((await get('s1/360p/seg_00004.ts')).status).toBe(200);
  });

  test('a separator hidden in a segment (%2f) is refused too: s1%2f360p/index.m3u8 would be served as a master playlist, held 5 s instead of 2', async () => {
    const raw = (p: string) =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        const { hostname, port } = new URL(server.url);
        const req = http.get({ hostname, port, path: `/hls/${p}` }, (res) => {
          res.resume();
          resolve(res);
        });
        req.on('error', reject);
      });
    for (const p of ['s1%2f360p/index.m3u8', 's1/360p%2Findex.m3u8', 's1%2F360p%2Fseg_00004.ts', 's1%2fmaster.m3u8', 's1/360p%5cseg_00004.ts']) {
      const res = await raw(p);
      expect(res.statusCode, p).toBe(404);
      expect(res.headers['cache-control'], p).toBe('no-store');
    }
    expect((await raw('s1/360p/index.m3u8')).headers['cache-control']).toBe('public, max-age=2');
  });

  test('the node counts what it served under /hls, by kind and status', async () => {
    await get('s1/360p/index.m3u8');
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text();
    expect(text).toMatch(/chunfeng_hls_requests_total\{kind="live",status="200"\} [1-9]/);
    expect(text).toMatch(/chunfeng_hls_requests_total\{kind="live",status="304"\} [1-9]/);
    expect(text).toMatch(/chunfeng_hls_requests_total\{kind="segment",status="404"\} [1-9]/);
  });
});
