import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { nodeHlsRequests, runPlayers, type PlayersResult } from '../harness/hlsLoad';
import { readAccessLog, startNginx, type NginxProcess } from '../harness/nginx';
import { startRtpSource, TEST_RTP } from '../harness/rtpSource';
import { startTestServer, TEST_METRICS_TOKEN, type TestServer } from '../harness/server';
import { connect, requestOk, type TestSocket } from '../harness/socketClient';
import { waitFor as pollUntil } from '../harness/waitFor';

const SEGMENT_SECONDS = 2;
/** What went to the node rather than being answered from nginx's cache. */
const FROM_NODE = new Set(['MISS', 'EXPIRED', 'REVALIDATED', 'BYPASS', '-']);
/** Polled less often (and for longer) than elsewhere: the players already load the machine. */
const waitFor = <T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> => pollUntil(what, check, timeoutMs, 200);


interface Phase {
  players: PlayersResult;
  seconds: number;
  nodeRequests: number;
  nginxRequests: number;
  nginxFromNode: number;
}

describe('nginx (deploy/nginx/chunfeng.conf) in front of a node carries the HLS audience', () => {
  let server: TestServer;
  let nginx: NginxProcess;
  let host: TestSocket;
  let source: ReturnType<typeof startRtpSource>;

  async function phase(players: number, processes: number, seconds: number): Promise<Phase> {
    const logBefore = readAccessLog(nginx.accessLog).length;
    const nodeBefore = await nodeHlsRequests(server.url, TEST_METRICS_TOKEN);
    const started = Date.now();
    const result = await runPlayers({ baseUrl: nginx.url, masterPath: '/hls/demo/master.m3u8', players, processes, seconds });
    const elapsed = (Date.now() - started) / 1000;
    // nginx writes a line when a response ends; every player has had its answers by now.
    const lines = readAccessLog(nginx.accessLog).slice(logBefore).filter((e) => e.path.startsWith('/hls/'));
    const phaseResult = {
      players: result,
      seconds: elapsed,
      nodeRequests: (await nodeHlsRequests(server.url, TEST_METRICS_TOKEN)) - nodeBefore,
      nginxRequests: lines.length,
      nginxFromNode: lines.filter((e) => FROM_NODE.has(e.cache)).length,
    };
    console.log(`[measure] ${players} players: ${JSON.stringify(phaseResult)}`);
    return phaseResult;
  }

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', HLS_ENABLED: 'true', HLS_RENDITIONS: 'audio', HLS_SEGMENT_SECONDS: String(SEGMENT_SECONDS), MEDIA_WORKERS: '1', TRUST_PROXY: 'loopback', DEVICE_TOKENS_PER_MINUTE: '1', DEVICE_TOKEN_BURST: '0' });
    host = await connect(server.url);
    const joined = await requestOk(host, 'stage:join', { sessionId: 'demo', role: 'host', token: await server.tokens.issue({ sid: 'demo', role: 'host', sub: 'h' }) });
    const stage = (await server.directory.get('demo' as never))!;
    const video = await stage.room.ingest({ peerId: joined.peerId, kind: 'video', source: 'camera', rtpParameters: TEST_RTP.video });
    const audio = await stage.room.ingest({ peerId: joined.peerId, kind: 'audio', source: 'microphone', rtpParameters: TEST_RTP.audio });
    source = startRtpSource({ video, audio, seconds: 180 });
    const dir = server.hls!.sessionDir('demo');
    await waitFor('a master playlist and three segments', () => {
      const file = path.join(dir, 'audio/index.m3u8');
      return fs.existsSync(path.join(dir, 'master.m3u8')) && fs.existsSync(file) && fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.endsWith('.ts')).length >= 3;
    }, 30_000);
    nginx = await startNginx({ upstream: new URL(server.url).host });
  }, 90_000);
  afterAll(async () => {
    await nginx?.stop();
    await source?.stop();
    host?.close();
    await server?.stop();
  });

  test('playlists and segments come through with the node\'s cache headers, and a second fetch is a cache hit', async () => {
    const first = await fetch(`${nginx.url}/hls/demo/audio/index.m3u8`);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('public, max-age=1');
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    const segment = (await first.text()).split('\n').find((l) => l.endsWith('.ts'))!;
    const a = await fetch(`${nginx.url}/hls/demo/audio/${segment}`);
    await a.arrayBuffer();
    const b = await fetch(`${nginx.url}/hls/demo/audio/${segment}?cachebust=${Math.random()}`);
    expect(b.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(b.headers.get('x-cache-status')).toBe('HIT');
    expect(Buffer.from(await b.arrayBuffer()).length).toBeGreaterThan(1000);
  });

  test('the rest passes through, and nginx names the phone in X-Forwarded-For, which the node trusts from loopback', async () => {
    const direct: unknown = await (await fetch(`${server.url}/api/public/sessions/demo`)).json();
    expect(await (await fetch(`${nginx.url}/api/public/sessions/demo`)).json()).toEqual(direct);
    // The public session document is held for the node's short max-age: the next page load is a hit.
    const again = await fetch(`${nginx.url}/api/public/sessions/demo`);
    expect(again.headers.get('x-cache-status')).toBe('HIT');
    expect(await again.json()).toEqual(direct);
    // One device token a minute per address block: the block is the phone's, not nginx's.
    const device = (address: string) => fetch(`${nginx.url}/api/device`, { method: 'POST', headers: { 'x-forwarded-for': address } });
    expect((await device('10.20.1.5')).status).toBe(201);
    expect((await device('10.20.1.6')).status).toBe(429);
    expect((await device('10.20.2.5')).status).toBe(201);
  });

  test('socket.io works through nginx over a websocket', async () => {
    const viewer = await connect(nginx.url);
    try {
      const joined = await requestOk(viewer, 'stage:join', { sessionId: 'demo', role: 'viewer' });
      expect(joined.peerId).toBeTruthy();
    } finally {
      viewer.close();
    }
  });

  test('2,000 players at a player\'s cadence: the node sees the same request rate as for 200, and ≥ 99% are cache hits', async () => {
    // 12 s and 25 s of playing; on a busy shared machine the player processes may run late, so the
    // rates are per second actually elapsed.
    const small = await phase(200, 1, 12);
    const large = await phase(2000, 4, 25);
    for (const p of [small, large]) {
      expect(p.players.errors).toBe(0);
      // On a machine this busy a player process or nginx may be off the CPU long enough for a few
      // requests to pass a player's 20-s timeout; never more than a handful.
      expect(p.players.dropped).toBeLessThanOrEqual(p.players.requests * 0.01);
    }
    // Every player played: the master, its playlist, and segments from the live edge on. (How many
    // rounds each managed depends on how much CPU the shared machine leaves the player processes.)
    expect(large.players.segments).toBeGreaterThanOrEqual(2000 * 3);
    expect(large.players.playlists).toBeGreaterThanOrEqual(2000);
    // Every request reached nginx, and almost none went on to the node.
    expect(large.nginxRequests).toBeGreaterThanOrEqual(large.players.requests);
    const hitRatio = 1 - large.nodeRequests / large.nginxRequests;
    const logHitRatio = 1 - large.nginxFromNode / large.nginxRequests;
    console.log(`[measure] hit ratio ${(hitRatio * 100).toFixed(2)}% (node count), ${(logHitRatio * 100).toFixed(2)}% (nginx log); node ${(small.nodeRequests / small.seconds).toFixed(2)} req/s with 200 players, ${(large.nodeRequests / large.seconds).toFixed(2)} req/s with 2,000`);
    expect(hitRatio).toBeGreaterThanOrEqual(0.99);
    expect(logHitRatio).toBeGreaterThanOrEqual(0.99);
    // Ten times the players, about the same load on the node: one fetch per file per max-age.
    expect(large.nodeRequests / large.seconds).toBeLessThan(1.5 * (small.nodeRequests / small.seconds) + 1);
  }, 240_000);
});
