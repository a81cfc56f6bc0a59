/**
 * Simulated HLS players in their own process, fetching the way a player does: the master playlist
 * once, then the first variant's playlist every target duration (half that when it had not changed,
 * as hls.js does), each new segment once, starting three segments from the live edge. Players start
 * at random moments within the first target duration, so they are spread as a real audience is.
 * Prints one JSON line when ready and, after `seconds`, one with its counts and playlist latencies.
 *
 * Usage: node --import tsx tests/harness/hlsPlayers.ts <baseUrl> <masterPath> <players> <seconds>
 */
import http from 'node:http';

const [baseUrl = '', masterPath = '', playersArg = '100', secondsArg = '30'] = process.argv.slice(2);
const players = Number(playersArg);
const endAt = Date.now() + Number(secondsArg) * 1000;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const counts = { requests: 0, playlists: 0, segments: 0, segmentBytes: 0, errors: 0, notFound: 0 };
const playlistMs: number[] = [];

/** A GET; the body is kept only when asked (segments are counted, not kept, to spare this process). */
function get(url: string, keep = true): Promise<{ status: number; body: Buffer; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(url, baseUrl), { agent }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep) chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), bytes }));
      res.on('error', reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function fetchCounted(url: string, keep = true): Promise<{ status: number; body: Buffer; bytes: number } | undefined> {
  counts.requests++;
  try {
    const res = await get(url, keep);
    if (res.status === 404) counts.notFound++;
    else if (res.status !== 200) counts.errors++;
    return res;
  } catch {
    counts.errors++;
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function play(): Promise<void> {
  await sleep(Math.random() * 2000);
  const master = await fetchCounted(masterPath);
  const variant = master?.status === 200 ? master.body.toString().split('\n').find((l) => l && !l.startsWith('#')) : undefined;
  if (!variant) return;
  const variantUrl = new URL(variant, new URL(masterPath, baseUrl)).toString();
  const fetched = new Set<string>();
  let previous = '';
  while (Date.now() < endAt) {
    const started = performance.now();
    const res = await fetchCounted(variantUrl);
    counts.playlists++;
    playlistMs.push(performance.now() - started);
    const text = res?.status === 200 ? res.body.toString() : '';
    const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1] ?? 1);
    const segments = text.split('\n').filter((l) => l && !l.startsWith('#'));
    const wanted = fetched.size === 0 ? segments.slice(-3) : segments.filter((s) => !fetched.has(s));
    for (const segment of wanted) {
      fetched.add(segment);
      const seg = await fetchCounted(new URL(segment, variantUrl).toString(), false);
      if (seg?.status === 200) {
        counts.segments++;
        counts.segmentBytes += seg.bytes;
      }
    }
    const changed = text !== previous;
    previous = text;
    await sleep((changed ? target : target / 2) * 1000 - (performance.now() - started));
  }
}

console.log(JSON.stringify({ ready: true }));
await Promise.all(Array.from({ length: players }, () => play()));
agent.destroy();
playlistMs.sort((a, b) => a - b);
const pct = (p: number) => playlistMs[Math.min(playlistMs.length - 1, Math.floor((p / 100) * playlistMs.length))] ?? 0;
console.log(JSON.stringify({ done: true, ...counts, playlistP50: pct(50), playlistP95: pct(95), playlistMs: playlistMs.length }));
