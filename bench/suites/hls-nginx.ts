/**
 * HLS through nginx (deploy/nginx/chunfeng.conf) in front of a node: simulated players at a
 * player's cadence (tests/harness/hlsPlayers.ts, in their own processes) with 200 and then 2,000
 * players; the node's request rate, the cache hit ratio, CPU and playlist latency, against a bare
 * nginx serving the same files straight from disk in the same run.
 *
 * The live stream is written by a standalone ffmpeg (AAC, 2-s segments, an 8-segment window) into
 * the node's HLS directory: what is measured is how the node and nginx serve it, not the encoder.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { percentile, progress, quick, ratioRow, report, type BenchRow } from '../lib/result';
import { nodeHlsRequests, runPlayers, type PlayersResult } from '../../tests/harness/hlsLoad';
import { cpuSeconds, readAccessLog, startNginx, type NginxProcess } from '../../tests/harness/nginx';
import { spawnServer } from '../../tests/harness/serverProcess';

const SEGMENT_SECONDS = 2;
const SESSION = 'bench';
const METRICS_TOKEN = 'bench-metrics-token-0123456789';
const SMALL = quick ? 20 : 200;
const LARGE = quick ? 200 : 2000;
const PROCESSES = quick ? 1 : 4;
const SECONDS = quick ? 4 : 30;
const FROM_NODE = new Set(['MISS', 'EXPIRED', 'REVALIDATED', 'BYPASS', '-']);

interface Measured {
  players: PlayersResult;
  seconds: number;
  nodeRequests: number;
  nginxRequests: number;
  nginxFromNode: number;
  nginxCpu: number;
  nodeCpu: number;
  playlistP95: number;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-bench-hls-'));
const hlsDir = path.join(dataDir, 'hls');
const streamDir = path.join(hlsDir, SESSION);
// The bare baseline's nginx workers (an unprivileged user when started as root) read these files.
fs.chmodSync(dataDir, 0o755);
fs.mkdirSync(path.join(streamDir, 'audio'), { recursive: true });

progress('starting the node and a live HLS stream');
const node = await spawnServer({ DATA_DIR: dataDir, HLS_ENABLED: 'true', HLS_DIR: hlsDir, HLS_SEGMENT_SECONDS: String(SEGMENT_SECONDS), METRICS_TOKEN, TRUST_PROXY: 'loopback' });
const encoder = spawn(
  'ffmpeg',
  ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-map', '0:a', '-c:a', 'aac', '-b:a', '96k', '-ac', '2',
    '-f', 'hls', '-hls_time', String(SEGMENT_SECONDS), '-hls_list_size', '8', '-hls_flags', 'delete_segments+independent_segments',
    '-hls_segment_filename', `${streamDir}/%v/seg_%05d.ts`, '-master_pl_name', 'master.m3u8', '-var_stream_map', 'a:0,name:audio', `${streamDir}/%v/index.m3u8`],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const nginxes: NginxProcess[] = [];

async function cleanup(): Promise<void> {
  await Promise.all(nginxes.map((n) => n.stop()));
  encoder.kill('SIGKILL');
  await node.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}

async function measure(nginx: NginxProcess, players: number, processes: number, countNode: boolean): Promise<Measured> {
  progress(`${players} players for ${SECONDS} s through ${nginx.url}`);
  const logBefore = readAccessLog(nginx.accessLog).length;
  const nodeBefore = countNode ? await nodeHlsRequests(node.url, METRICS_TOKEN) : 0;
  const cpuBefore = { nginx: cpuSeconds(nginx.child.pid!), node: cpuSeconds(node.child.pid!) };
  const started = Date.now();
  const result = await runPlayers({ baseUrl: nginx.url, masterPath: `/hls/${SESSION}/master.m3u8`, players, processes, seconds: SECONDS });
  const seconds = (Date.now() - started) / 1000;
  const lines = readAccessLog(nginx.accessLog).slice(logBefore).filter((e) => e.path.startsWith('/hls/'));
  const measured = {
    players: result,
    seconds,
    nodeRequests: countNode ? (await nodeHlsRequests(node.url, METRICS_TOKEN)) - nodeBefore : 0,
    nginxRequests: lines.length,
    nginxFromNode: lines.filter((e) => FROM_NODE.has(e.cache)).length,
    nginxCpu: (cpuSeconds(nginx.child.pid!) - cpuBefore.nginx) / seconds,
    nodeCpu: (cpuSeconds(node.child.pid!) - cpuBefore.node) / seconds,
    // nginx's own time to answer a playlist (the players' clocks also count their own process's queueing).
    playlistP95: percentile(lines.filter((e) => e.path.endsWith('.m3u8')).map((e) => e.seconds * 1000), 95),
  };
  progress(`  ${JSON.stringify({ ...measured, players: undefined, playerErrors: result.errors, playerDropped: result.dropped, playerRequests: result.requests, playerPlaylistP95: Math.round(result.playlistP95) })}`);
  return measured;
}

try {
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(path.join(streamDir, 'audio/index.m3u8')) || fs.readFileSync(path.join(streamDir, 'audio/index.m3u8'), 'utf8').split('\n').filter((l) => l.endsWith('.ts')).length < 3) {
    if (Date.now() > deadline) throw new Error('the HLS stream did not start within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const cached = await startNginx({ upstream: new URL(node.url).host });
  nginxes.push(cached);
  const bare = await startNginx({
    site: ({ port, dir }) => `
log_format chunfeng_cache '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent - $request_time -';
server {
  listen 127.0.0.1:${port};
  access_log ${dir}/access.log chunfeng_cache;
  location /hls/ { alias ${hlsDir}/; }
}
`,
  });
  nginxes.push(bare);

  const small = await measure(cached, SMALL, 1, true);
  const large = await measure(cached, LARGE, PROCESSES, true);
  const baseline = await measure(bare, LARGE, PROCESSES, false);

  const perSecond = (m: Measured) => Math.round((m.nodeRequests / m.seconds) * 100) / 100;
  const hitRatio = 1 - large.nodeRequests / large.nginxRequests;
  const logHitRatio = 1 - large.nginxFromNode / large.nginxRequests;
  const pct = (x: number) => Math.round(x * 1000) / 10;
  const perThousand = (m: Measured) => Math.round(((m.nginxCpu * m.seconds * 1000) / m.nginxRequests) * 1000 * 100) / 100;
  const rows: BenchRow[] = [
    { name: `node requests/s, ${SMALL} players`, value: perSecond(small), unit: 'req/s' },
    ratioRow({ name: `node requests/s, ${LARGE} players (baseline: ${SMALL} players)`, value: perSecond(large), unit: 'req/s', baseline: perSecond(small), target: '≤ 1.5×' }, (r) => r <= 1.5),
    { name: `requests/s served to ${LARGE} players`, value: Math.round(large.nginxRequests / large.seconds), unit: 'req/s' },
    { name: 'cache hit ratio (node count)', value: pct(hitRatio), unit: '%', target: '≥ 99%', pass: hitRatio >= 0.99 },
    { name: 'cache hit ratio (nginx log, $upstream_cache_status)', value: pct(logHitRatio), unit: '%', target: '≥ 99%', pass: logHitRatio >= 0.99 },
    // Per request: the two phases need not reach the same request rate on a shared machine.
    ratioRow({
      name: `nginx CPU per 1,000 requests, ${LARGE} players (baseline: bare nginx from disk)`,
      value: perThousand(large),
      unit: 'ms',
      baseline: perThousand(baseline),
      note: `${pct(large.nginxCpu)}% of a core cached, ${pct(baseline.nginxCpu)}% bare`,
    }),
    { name: `node CPU, ${LARGE} players through nginx`, value: pct(large.nodeCpu), unit: '% core', note: 'includes its idle work' },
    // nginx logs whole milliseconds: a p95 of 0 ms has no meaningful ratio.
    { name: 'playlist fetch p95 in nginx, cached', value: large.playlistP95, unit: 'ms', note: `bare nginx from disk: ${baseline.playlistP95} ms` },
    ratioRow({ name: 'playlist fetch p95 at the players (baseline: bare nginx)', value: Math.round(large.players.playlistP95), unit: 'ms', baseline: Math.round(baseline.players.playlistP95), note: 'includes the player processes\' own queueing' }),
    { name: 'player errors (answers other than 200/404)', value: small.players.errors + large.players.errors + baseline.players.errors, unit: 'requests', target: '0', pass: small.players.errors + large.players.errors + baseline.players.errors === 0 },
    { name: `requests dropped (no answer in 20 s), ${LARGE} players`, value: large.players.dropped, unit: 'requests', note: `of ${large.players.requests}; bare nginx: ${baseline.players.dropped} of ${baseline.players.requests}` },
  ];
  report({ suite: 'hls-nginx', title: `HLS through nginx's cache: ${SMALL} vs ${LARGE} players at a player's cadence (${SEGMENT_SECONDS}-s segments)`, rows });
} finally {
  await cleanup();
}
