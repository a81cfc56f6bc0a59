import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bureauClient } from '../harness/api';
import { debianLayoutWithDeployedConf, startNginx, type NginxProcess } from '../harness/nginx';
import { freePort, waitForPort } from '../harness/ports';
import { repoRoot, startTestServer, type TestServer } from '../harness/server';

// 2-s segments: a live playlist is held 1 s. The files are written the way the encoder writes them;
// what is under test is what nginx, with the shipped file, and the node make of the requests.
const LIVE = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:4', '#EXTINF:2.0,', 'seg_00004.ts', '#EXTINF:2.0,', 'seg_00005.ts', ''].join('\n');
const MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n360p/index.m3u8\n';

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A request sent with its path exactly as given (fetch and URL would normalise `./` and `//` away),
 * optionally from another local address (anything in 127/8 reaches nginx on Linux).
 */
function rawGet(baseUrl: string, requestPath: string, headers: Record<string, string> = {}, { method = 'GET', localAddress }: { method?: string; localAddress?: string } = {}): Promise<RawReply> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: requestPath, method, headers, agent: false, ...(localAddress ? { localAddress } : {}) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('deploy/nginx/chunfeng.conf as shipped, in front of a node', () => {
  let server: TestServer;
  let nginx: NginxProcess;
  const write = (p: string, text: string | Buffer): void => {
    const file = path.join(server.hls!.dir, p);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  };

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', HLS_ENABLED: 'true', HLS_SEGMENT_SECONDS: '2', MEDIA_WORKERS: '1', TRUST_PROXY: '127.0.0.1', DEVICE_TOKENS_PER_MINUTE: '1', DEVICE_TOKEN_BURST: '0' });
    write('s1/master.m3u8', MASTER);
    write('s1/replay.m3u8', MASTER.replace('index', 'vod'));
    write('s1/360p/index.m3u8', LIVE);
    for (const n of [4, 5, 6, 7, 8, 9]) write(`s1/360p/seg_0000${n}.ts`, Buffer.alloc(188 * 10, 0x40 + n));
    nginx = await startNginx({ upstream: new URL(server.url).host });
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await server?.stop();
  });

  test('an odd spelling of an HLS file (./, //, x/../, %2e/) is an uncached 404, and the real file is still 200 for a player afterwards', async () => {
    const attacks: Array<[string, string]> = [
      ['/hls/s1/360p/./seg_00004.ts', '/hls/s1/360p/seg_00004.ts'],
      ['/hls/s1//360p/seg_00005.ts', '/hls/s1/360p/seg_00005.ts'],
      ['/hls/s1/x/../360p/seg_00006.ts', '/hls/s1/360p/seg_00006.ts'],
      ['/hls/s1/360p/%2e/seg_00007.ts', '/hls/s1/360p/seg_00007.ts'],
      ['/hls/s1/360p/seg_0000%38.ts', '/hls/s1/360p/seg_00008.ts'],
      ['/hls/s1/./master.m3u8', '/hls/s1/master.m3u8'],
      ['/hls/s1/.//replay.m3u8', '/hls/s1/replay.m3u8'],
    ];
    for (const [attack, real] of attacks) {
      const refused = await rawGet(nginx.url, attack);
      expect(refused.status, attack).toBe(404);
      expect(refused.headers['cache-control'], attack).toBe('no-store');
      for (let i = 0; i < 2; i++) {
        const res = await rawGet(nginx.url, real);
        expect(res.status, `${real} after ${attack}`).toBe(200);
      }
    }
    // The segments' bytes are their own, not a neighbour's.
    expect((await rawGet(nginx.url, '/hls/s1/360p/seg_00009.ts')).body).toBe('I'.repeat(188 * 10));
  });

  test('a playlist cached, then gone stale, then asked for under an odd spelling: the real playlist is still 200', async () => {
    expect((await rawGet(nginx.url, '/hls/s1/360p/index.m3u8')).status).toBe(200);
    expect((await rawGet(nginx.url, '/hls/s1/360p/index.m3u8')).headers['x-cache-status']).toBe('HIT');
    await sleep(1500);
    for (const attack of ['/hls/s1/360p/.//index.m3u8', '/hls/s1/360p/./index.m3u8?x=1']) expect((await rawGet(nginx.url, attack)).status, attack).toBe(404);
    for (let i = 0; i < 3; i++) {
      const res = await rawGet(nginx.url, '/hls/s1/360p/index.m3u8');
      expect(res.status).toBe(200);
      expect(res.body).toBe(LIVE);
    }
  });

  test('a made-up Host or query string does not walk around the cache: HLS files and the public session document are hits', async () => {
    const first = await rawGet(nginx.url, '/hls/s1/360p/seg_00004.ts');
    expect(first.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const res = await rawGet(nginx.url, `/hls/s1/360p/seg_00004.ts?x=${Math.random()}`, { host: `h${Math.random()}.example` });
      expect(res.status).toBe(200);
      expect(res.headers['x-cache-status']).toBe('HIT');
    }
    expect((await rawGet(nginx.url, '/api/public/sessions/demo')).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const res = await rawGet(nginx.url, `/api/public/sessions/demo?x=${Math.random()}`, { host: `h${Math.random()}.example` });
      expect(res.status).toBe(200);
      expect(res.headers['x-cache-status']).toBe('HIT');
    }
    // The odd spellings are refused there too rather than cached under another key.
    expect((await rawGet(nginx.url, '/api/public/sessions/d%65mo')).status).toBe(404);
  });

  test('the bureau signs in and changes something through nginx on a non-default port, with no ALLOWED_ORIGINS', async () => {
    expect(new URL(nginx.url).port).not.toBe('');
    const bureau = await bureauClient(nginx.url);
    const created = await bureau.post('/staff', { username: 'via.nginx', displayName: '经代理', password: 'long-enough-pw', role: 'staff' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  });

  test('every location names the phone as nginx saw it at the end of X-Forwarded-For: a phone cannot pass for another address block', async () => {
    // Phones at 127.0.0.2 and 127.0.1.2 (two /24 blocks), nginx at 127.0.0.1 the one trusted proxy;
    // one device token a minute per block.
    const device = (from: string, forged: string) => rawGet(nginx.url, '/api/device', { 'x-forwarded-for': forged }, { method: 'POST', localAddress: from });
    expect((await device('127.0.0.2', '10.20.1.5')).status).toBe(201);
    expect((await device('127.0.0.2', '10.20.2.5')).status).toBe(429);
    expect((await device('127.0.1.2', '10.20.1.5')).status).toBe(201);
  });
});

describe('deploy/nginx/chunfeng.conf on Debian 12\'s /etc/nginx', () => {
  test('run beside the enabled default site on one port: requests for its server_name reach the node, others get Debian\'s page', async () => {
    const server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-debian-nginx-'));
    fs.chmodSync(dir, 0o755);
    const port = await freePort();
    const main = debianLayoutWithDeployedConf(dir, { port, upstream: new URL(server.url).host });
    const nginx = spawn('nginx', ['-c', main, '-e', path.join(dir, 'var/log/nginx/error.log'), '-g', 'daemon off;'], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => nginx.once('exit', () => resolve()));
    try {
      await waitForPort(port);
      const serverName = /^\s*server_name (\S+);/m.exec(fs.readFileSync(path.join(repoRoot, 'deploy/nginx/chunfeng.conf'), 'utf8'))![1]!;
      const ours = await rawGet(`http://127.0.0.1:${port}`, '/api/public/sessions/demo', { host: serverName });
      expect(ours.status).toBe(200);
      expect(JSON.parse(ours.body)).toHaveProperty('session');
      const other = await rawGet(`http://127.0.0.1:${port}`, '/api/public/sessions/demo', { host: 'elsewhere.example' });
      expect(other.status).toBe(404);
      expect(other.body).toContain('nginx');
    } finally {
      nginx.kill('SIGQUIT');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
      await server.stop();
    }
  }, 60_000);

  test('added to conf.d next to the enabled default site, it passes `nginx -t` with no warning; its cache and log directories\' parents are Debian nginx\'s own', () => {
    const conf = fs.readFileSync(path.join(repoRoot, 'deploy/nginx/chunfeng.conf'), 'utf8');
    const cachePath = /^proxy_cache_path (\S+) /m.exec(conf)![1]!;
    const logPath = /access_log (\S+) /.exec(conf)![1]!;
    for (const p of [cachePath, logPath]) expect(fs.statSync(path.dirname(p)).isDirectory(), p).toBe(true);
    expect(fs.existsSync('/etc/nginx/sites-enabled/default')).toBe(true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-debian-nginx-'));
    try {
      const main = debianLayoutWithDeployedConf(dir);
      const checked = spawnSync('nginx', ['-t', '-c', main, '-e', path.join(dir, 'var/log/nginx/error.log')], { encoding: 'utf8' });
      expect(checked.stderr).toContain('test is successful');
      expect(checked.stderr).not.toMatch(/\[warn\]|\[emerg\]/);
      expect(checked.status).toBe(0);
      expect(fs.statSync(path.join(dir, cachePath)).isDirectory()).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
