import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { repoRoot } from './server';

export interface PlayersResult {
  requests: number;
  playlists: number;
  segments: number;
  segmentBytes: number;
  /** Answers other than 200 and 404. */
  errors: number;
  /** Requests never answered within 20 s (as a player gives up), or whose connection closed. */
  dropped: number;
  notFound: number;
  /** The slowest process's playlist fetch p95 and the median of the medians, in ms. */
  playlistP95: number;
  playlistP50: number;
}

/**
 * `players` simulated HLS players (tests/harness/hlsPlayers.ts) split over `processes` child
 * processes, for `seconds`; resolves with their summed counts once all have finished. `onReady`
 * runs once every process has started.
 */
export async function runPlayers({ baseUrl, masterPath, players, processes, seconds, onReady }: {
  baseUrl: string;
  masterPath: string;
  players: number;
  processes: number;
  seconds: number;
  onReady?: () => void;
}): Promise<PlayersResult> {
  const script = path.join(repoRoot, 'tests/harness/hlsPlayers.ts');
  const ready: Array<Promise<void>> = [];
  const results = Array.from({ length: processes }, (_, i) => {
    const share = Math.floor(players / processes) + (i < players % processes ? 1 : 0);
    const child = spawn(process.execPath, ['--import', 'tsx', script, baseUrl, masterPath, String(share), String(seconds)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let markReady!: () => void;
    ready.push(new Promise((r) => (markReady = r)));
    return new Promise<PlayersResult>((resolve, reject) => {
      let result: PlayersResult | undefined;
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        const parsed = JSON.parse(line) as { ready?: boolean; done?: boolean } & PlayersResult;
        if (parsed.ready) markReady();
        if (parsed.done) result = parsed;
        if (parsed.done && (parsed.errors > 0 || parsed.dropped > 0)) process.stderr.write(`hls players: ${line}\n`);
      });
      child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`players process exited with ${code} before reporting`))));
    });
  });
  void Promise.all(ready).then(() => onReady?.());
  const all = await Promise.all(results);
  const sum = (k: keyof PlayersResult) => all.reduce((s, r) => s + r[k], 0);
  const p50s = all.map((r) => r.playlistP50).sort((a, b) => a - b);
  return {
    requests: sum('requests'),
    playlists: sum('playlists'),
    segments: sum('segments'),
    segmentBytes: sum('segmentBytes'),
    errors: sum('errors'),
    dropped: sum('dropped'),
    notFound: sum('notFound'),
    playlistP95: Math.max(...all.map((r) => r.playlistP95)),
    playlistP50: p50s[Math.floor(p50s.length / 2)] ?? 0,
  };
}

/** The node's `chunfeng_hls_requests_total`, summed over every kind and status. */
export async function nodeHlsRequests(url: string, token: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  let total = 0;
  for (const m of text.matchAll(/^chunfeng_hls_requests_total\{[^}]*\} (\d+)/gm)) total += Number(m[1]);
  return total;
}
