import { stageLeaseKey } from '../../server/src/cluster/stageLease';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LIVE_WINDOW } from '../../server/src/media/hls/livePlaylists';
import { apiClient, signInCookie } from '../harness/api';
import { startCluster, type ClusterNode, type TestCluster } from '../harness/cluster';
import { TEST_METRICS_TOKEN } from '../harness/server';
import { spawnServer } from '../harness/serverProcess';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';
import { waitFor } from '../harness/waitFor';

const SESSION = 'demo';
const LEASE_MS = 2000;

interface MediaPlaylist {
  sequence: number;
  discontinuities: number;
  segments: string[];
  ended: boolean;
}

const parse = (text: string): MediaPlaylist => ({
  sequence: Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? NaN),
  discontinuities: text.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length,
  segments: text.split('\n').filter((l) => l.endsWith('.ts')),
  ended: text.includes('#EXT-X-ENDLIST'),
});

/** A media playlist as written in the shared HLS_DIR (empty before the first segment). */
const onDisk = (file: string): MediaPlaylist => parse(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');

/** The pids of the programme mixers a node process runs (its python children). */
const mixersOf = (pid: number): number[] => {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes('program_mixer.py'))
      .map((l) => Number.parseInt(l.trim(), 10));
  } catch {
    return []; // ps exits 1 when there are none
  }
};
/** Polls an asynchronous check until it gives a value, or fails saying what was not seen in time. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Three real nodes on one Redis behind Debian's nginx, all on one shared HLS_DIR (README: "HLS and
 * replays from any node"): the owner of the stage writes the programme, every node and nginx serve
 * it; the owner killed mid-session, the next owner continues the same playlists after one
 * discontinuity; the replay plays through every node, and still after the node that finished it is
 * killed.
 */
describe('cluster: HLS and replays from any node, on one shared HLS_DIR', () => {
  let cluster: TestCluster;
  let redis: Redis;
  let hostToken: string;
  const sockets: TestSocket[] = [];
  let ownerBefore: ClusterNode;
  let ownerAfter: ClusterNode;
  let beforeFailover: MediaPlaylist;
  const node = (id: string): ClusterNode => cluster.nodes.find((n) => n.id === id)!;
  const alive = (): ClusterNode[] => cluster.nodes.filter((n) => n.process.child.exitCode === null && n.process.child.signalCode === null);
  /** Each running node directly, and nginx. */
  const everyWay = (): Array<[string, string]> => [...alive().map((n): [string, string] => [n.id, n.url]), ['nginx', cluster.url]];
  const file = (rel: string): string => path.join(cluster.hlsDir, SESSION, rel);
  const get = async (base: string, rel: string): Promise<{ status: number; type: string | null; body: Buffer }> => {
    const res = await fetch(`${base}/hls/${SESSION}/${rel}`);
    return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
  };
  const lease = async (): Promise<{ nodeId: string; epoch: number } | null> =>
    JSON.parse((await redis.get(stageLeaseKey('cf:', SESSION))) ?? 'null') as { nodeId: string; epoch: number } | null;
  const open = async (url: string, options: { device?: string } = {}): Promise<TestSocket> => {
    const s = await connect(url, options);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    cluster = await startCluster({ size: 3, env: { HLS_ENABLED: 'true', HLS_RENDITIONS: '360p,audio', STAGE_LEASE_MS: String(LEASE_MS), STAGE_GRACE_MS: '3000' } });
    redis = new Redis(cluster.redis.url);
    const bureau = apiClient(node('node-a').url, undefined, { cookie: await signInCookie(node('node-a').url) });
    hostToken = (await bureau.post<{ token: string }>(`/sessions/${SESSION}/host-link`)).body.token;
  }, 120_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    redis?.disconnect();
    await cluster?.stop();
  });

  test('every node reports the one shared HLS_DIR; a node started on another directory is named by every node and names them all', async () => {
    const hlsCheck = async (url: string): Promise<{ status: number; down: string[]; hls: unknown }> => {
      const res = await fetch(`${url}/healthz`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
      const body = (await res.json()) as { down: string[]; checks: { hls: unknown } };
      return { status: res.status, down: body.down, hls: body.checks.hls };
    };
    for (const n of cluster.nodes) expect(await hlsCheck(n.url), n.id).toMatchObject({ status: 200, down: [], hls: { ok: true, dir: cluster.hlsDir, notSharedWith: [] } });

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-node-x-'));
    const odd = await spawnServer({
      REDIS_URL: cluster.redis.url, AUTH_SECRET: cluster.secret, NODE_ID: 'node-x', DATA_DIR: dataDir, HLS_DIR: path.join(dataDir, 'hls'),
      HLS_ENABLED: 'true', DEMO_DATA: 'false', METRICS_TOKEN: TEST_METRICS_TOKEN,
    });
    try {
      for (const n of cluster.nodes) expect(await hlsCheck(n.url), n.id).toMatchObject({ status: 503, down: ['hls-dir'], hls: { ok: false, notSharedWith: ['node-x'] } });
      expect(await hlsCheck(odd.url)).toMatchObject({ status: 503, down: ['hls-dir'], hls: { ok: false, notSharedWith: ['node-a', 'node-b', 'node-c'] } });
    } finally {
      await odd.kill('SIGTERM');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    // Stopped cleanly, its presence is gone at once: the cluster is whole again.
    for (const n of cluster.nodes) expect(await hlsCheck(n.url), n.id).toMatchObject({ status: 200, hls: { ok: true, notSharedWith: [] } });
  });

  test('a live session\'s master and media playlists and a segment come through every node and through nginx', async () => {
    ownerBefore = node('node-a');
    const host = await open(ownerBefore.url);
    await requestOk(host, 'stage:join', { sessionId: SESSION, role: 'host', token: hostToken });
    expect(await lease()).toMatchObject({ nodeId: 'node-a' });
    await waitFor('three segments in the shared directory', () => onDisk(file('360p/index.m3u8')).segments.length >= 3 || undefined, 30_000);
    // A viewer joining through a node without the stage is given the programme's address there.
    const device = (await apiClient(node('node-c').url).post<{ token: string }>('/device')).body.token;
    const viewer = await open(node('node-c').url, { device });
    const joined = await requestOk(viewer, 'stage:join', { sessionId: SESSION, role: 'viewer' });
    expect(joined).toMatchObject({ mode: 'hls', hlsUrl: `/hls/${SESSION}/master.m3u8` });

    const segment = onDisk(file('360p/index.m3u8')).segments[0]!;
    const bytes = fs.readFileSync(file(`360p/${segment}`));
    for (const [way, base] of everyWay()) {
      const master = await get(base, 'master.m3u8');
      expect(master.status, way).toBe(200);
      expect(master.body.toString(), way).toContain('360p/index.m3u8');
      for (const rendition of ['360p', 'audio']) {
        const media = await get(base, `${rendition}/index.m3u8`);
        expect(media.status, `${way} ${rendition}`).toBe(200);
        expect(parse(media.body.toString()).segments.length, `${way} ${rendition}`).toBeGreaterThanOrEqual(3);
      }
      const seg = await get(base, `360p/${segment}`);
      expect([seg.status, seg.type], way).toEqual([200, 'video/mp2t']);
      expect(seg.body.equals(bytes), way).toBe(true);
    }
  });

  test('the owner killed mid-session: the next owner continues the same playlists after one discontinuity, and the old mixer stops', async () => {
    const mixers = mixersOf(ownerBefore.process.child.pid!);
    expect(mixers).toHaveLength(1);
    beforeFailover = onDisk(file('360p/vod.m3u8'));
    const liveBefore = onDisk(file('360p/index.m3u8'));
    expect(beforeFailover.discontinuities).toBe(0);
    const killed = Date.now();
    await ownerBefore.process.kill('SIGKILL');
    // The old node's mixer sees its supervisor gone (stdin closed), closes its segment and exits.
    await waitFor('the dead node\'s mixer gone', () => (running(mixers[0]!) ? undefined : true), 15_000, 100);
    const mixerGone = Date.now() - killed;

    // Meanwhile the recording is kept, but is no replay: the session has not ended.
    const meanwhile = (await (await fetch(`${node('node-c').url}/api/public/sessions`)).json()) as { sessions: Array<{ id: string; replay: boolean }> };
    expect(meanwhile.sessions.find((s) => s.id === SESSION)).toMatchObject({ replay: false });
    expect(await (await fetch(`${node('node-c').url}/api/public/sessions/${SESSION}/replay`)).json()).toMatchObject({ ended: false });

    // The host comes back through another node; refused STAGE_ELSEWHERE until the dead node's lease lapses.
    ownerAfter = node('node-b');
    const host = await open(ownerAfter.url);
    await until('the stage taken on node-b', async () => {
      const ack = await request(host, 'stage:join', { sessionId: SESSION, role: 'host', token: hostToken });
      if (ack.ok) return true;
      expect(ack.error.code).toBe('STAGE_ELSEWHERE');
      return undefined;
    }, 20_000, 200);
    expect(await lease()).toMatchObject({ nodeId: 'node-b' });
    const retaken = Date.now() - killed;
    await waitFor('a first segment from node-b', () => onDisk(file('360p/vod.m3u8')).segments.length > beforeFailover.segments.length, 30_000);
    const firstNew = Date.now() - killed;
    // Three new segments, and enough in all for the live window to have slid past where it was.
    const enough = Math.max(beforeFailover.segments.length + 3, liveBefore.sequence + LIVE_WINDOW + 1);
    const live = await waitFor('three segments from node-b', () => {
      const vod = onDisk(file('360p/vod.m3u8'));
      return vod.segments.length >= enough ? vod : undefined;
    }, 30_000);
    const resumed = Date.now() - killed;
    console.log(`[measure] kill -9 of the HLS owner (lease ${LEASE_MS} ms) → its mixer gone ${mixerGone} ms, the stage retaken on another node ${retaken} ms, that node's first segment listed ${firstNew} ms, ${live.segments.length - beforeFailover.segments.length} new segments ${resumed} ms`);

    // The VOD playlist keeps everything from before, then one discontinuity, then the new segments.
    expect(live.segments.slice(0, beforeFailover.segments.length)).toEqual(beforeFailover.segments);
    expect(live.discontinuities).toBe(1);
    const numbers = live.segments.map((s) => Number(/(\d+)\.ts$/.exec(s)![1]));
    expect(numbers).toEqual([...new Set(numbers)].sort((a, b) => a - b));
    // The live playlist moves on: its media sequence keeps rising, with at most one discontinuity.
    // (nginx may answer once from its stale copy while it fetches the new one: stale-while-updating.)
    for (const [way, base] of everyWay()) {
      const media = await until(`the live window moved on through ${way}`, async () => {
        const m = parse((await get(base, '360p/index.m3u8')).body.toString());
        return m.sequence > liveBefore.sequence ? m : undefined;
      }, 5000, 250);
      expect(media.segments.length, way).toBe(LIVE_WINDOW);
      expect(media.discontinuities, way).toBeLessThanOrEqual(1);
      const seg = await get(base, `360p/${media.segments.at(-1)!}`);
      expect(seg.status, way).toBe(200);
    }
  });

  test('after the end the replay plays through every node and nginx, and still after the node that finished it is killed', async () => {
    const host = sockets.at(-1)!;
    await requestOk(host, 'stage:end', {});
    const replayVia = async (base: string) => {
      const res = await fetch(`${base}/api/public/sessions/${SESSION}/replay`);
      return { status: res.status, body: res.status === 200 ? ((await res.json()) as { master: string; ended: boolean; duration: number }) : undefined };
    };
    await until('the replay finalized', async () => ((await replayVia(node('node-c').url)).body?.ended ? true : undefined), 20_000);
    const vod = onDisk(file('360p/vod.m3u8'));
    expect(vod.ended).toBe(true);
    expect(vod.segments.slice(0, beforeFailover.segments.length)).toEqual(beforeFailover.segments);

    const plays = async (): Promise<void> => {
      for (const [way, base] of everyWay()) {
        const replay = await replayVia(base);
        expect(replay.status, way).toBe(200);
        expect(replay.body, way).toMatchObject({ master: `/hls/${SESSION}/replay.m3u8`, ended: true });
        expect(replay.body!.duration, way).toBeGreaterThan(vod.segments.length * 0.5);
        const listed = (await (await fetch(`${base}/api/public/sessions`)).json()) as { sessions: Array<{ id: string; replay: boolean }> };
        expect(listed.sessions.find((s) => s.id === SESSION), way).toMatchObject({ replay: true });
        expect((await get(base, 'replay.m3u8')).body.toString(), way).toContain('360p/vod.m3u8');
        const media = parse((await get(base, '360p/vod.m3u8')).body.toString());
        expect(media, way).toMatchObject({ ended: true, segments: vod.segments });
        // The first segment (recorded by the killed first owner) and the last (by the second).
        for (const s of [vod.segments[0]!, vod.segments.at(-1)!]) {
          const seg = await get(base, `360p/${s}`);
          expect([seg.status, seg.body.length > 0], `${way} ${s}`).toEqual([200, true]);
        }
      }
    };
    await plays();
    await ownerAfter.process.kill('SIGKILL');
    expect(alive().map((n) => n.id)).toEqual(['node-c']);
    await plays();
  });
});
