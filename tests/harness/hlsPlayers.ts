/**
 * Simulated HLS players in their own process, fetching the way a player does: the master playlist
 * once, then the first variant's playlist every target duration (half that when it had not changed,
 * as hls.js does), each new segment once, starting three segments from the live edge. Players start
 * at random moments within the first target duration, so they are spread as a real audience is.
 * Prints one JSON line when ready and, after `seconds`, one with its counts and playlist latencies.
 *
 * Usage: node --import tsx tests/harness/hlsPlayers.ts <baseUrl> <masterPath> <players> <seconds>
 */
import net from 'node:net';

const [baseUrl = '', masterPath = '', playersArg = '100', secondsArg = '30'] = process.argv.slice(2);
const players = Number(playersArg);
const endAt = Date.now() + Number(secondsArg) * 1000;
const origin = new URL(baseUrl);
/** `errors`: answers other than 200 or 404; `dropped`: requests never answered (timeout, closed). */
const counts = { requests: 0, playlists: 0, segments: 0, segmentBytes: 0, errors: 0, dropped: 0, notFound: 0 };
const playlistMs: number[] = [];
const errorKinds: Record<string, number> = {};
function noteError(kind: string, dropped = false): void {
  if (dropped) counts.dropped++;
  else counts.errors++;
  errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
}
const HEADER_END = Buffer.from('\r\n\r\n');

interface Response {
  status: number;
  body: Buffer;
  bytes: number;
}

/**
 * One phone's keep-alive HTTP/1.1 connection, one request at a time. Written by hand rather than
 * with node:http because thousands of players share a few processes on a shared machine, and the
 * cost per request is what limits how many keep their cadence; it reads responses with a
 * Content-Length (what nginx and the node send for these files).
 */
class Connection {
  #socket: net.Socket | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #head: { status: number; length: number } | undefined;
  #chunks: Buffer[] = [];
  #received = 0;
  #keep = true;
  #pending: { resolve: (r: Response) => void; reject: (e: Error) => void } | undefined;

  get(path: string, keep: boolean): Promise<Response> {
    const socket = this.#open();
    this.#keep = keep;
    this.#head = undefined;
    this.#chunks = [];
    this.#received = 0;
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${origin.host}\r\nUser-Agent: chunfeng-hls-player\r\n\r\n`);
    });
  }

  close(): void {
    this.#socket?.destroy();
  }

  #open(): net.Socket {
    if (this.#socket && !this.#socket.destroyed) return this.#socket;
    const socket = net.connect(Number(origin.port), origin.hostname);
    socket.setNoDelay(true);
    socket.setTimeout(20_000, () => {
      this.#fail(new Error('timeout'));
      socket.destroy();
    });
    socket.on('data', (data: Buffer) => this.#onData(data));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#buffer = Buffer.alloc(0);
      this.#fail(new Error(this.#head ? 'closed in a body' : this.#pending ? 'closed before an answer' : 'closed'));
    });
    this.#socket = socket;
    return socket;
  }

  #fail(error: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }

  #onData(data: Buffer): void {
    if (!this.#head) {
      this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, data]) : data;
      const end = this.#buffer.indexOf(HEADER_END);
      if (end < 0) return;
      const head = this.#buffer.subarray(0, end).toString('latin1');
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      if (length === undefined) {
        this.#fail(new Error(`no content-length: ${head.split('\r\n')[0] ?? ''}`));
        this.#socket?.destroy();
        return;
      }
      this.#head = { status: Number(head.slice(9, 12)), length: Number(length) };
      data = this.#buffer.subarray(end + HEADER_END.length);
      this.#buffer = Buffer.alloc(0);
    }
    this.#received += data.length;
    if (this.#keep) this.#chunks.push(data);
    if (this.#received >= this.#head.length) {
      const pending = this.#pending;
      this.#pending = undefined;
      pending?.resolve({ status: this.#head.status, body: this.#keep ? Buffer.concat(this.#chunks) : Buffer.alloc(0), bytes: this.#received });
    }
  }
}

async function fetchCounted(connection: Connection, url: string, keep = true): Promise<Response | undefined> {
  counts.requests++;
  try {
    const res = await connection.get(new URL(url, baseUrl).pathname, keep);
    if (res.status === 404) counts.notFound++;
    else if (res.status !== 200) noteError(`status ${res.status}`);
    return res;
  } catch (error) {
    noteError((error as Error).message, true);
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function play(): Promise<void> {
  await sleep(Math.random() * 2000);
  const connection = new Connection();
  try {
    await playOn(connection);
  } finally {
    connection.close();
  }
}

async function playOn(connection: Connection): Promise<void> {
  const master = await fetchCounted(connection, masterPath);
  const variant = master?.status === 200 ? master.body.toString().split('\n').find((l) => l && !l.startsWith('#')) : undefined;
  if (!variant) return;
  const variantUrl = new URL(variant, new URL(masterPath, baseUrl)).toString();
  const fetched = new Set<string>();
  let previous = '';
  while (Date.now() < endAt) {
    const started = performance.now();
    const res = await fetchCounted(connection, variantUrl);
    counts.playlists++;
    playlistMs.push(performance.now() - started);
    const text = res?.status === 200 ? res.body.toString() : '';
    const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1] ?? 1);
    const segments = text.split('\n').filter((l) => l && !l.startsWith('#'));
    const wanted = fetched.size === 0 ? segments.slice(-3) : segments.filter((s) => !fetched.has(s));
    for (const segment of wanted) {
      fetched.add(segment);
      const seg = await fetchCounted(connection, new URL(segment, variantUrl).toString(), false);
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
playlistMs.sort((a, b) => a - b);
const pct = (p: number) => playlistMs[Math.min(playlistMs.length - 1, Math.floor((p / 100) * playlistMs.length))] ?? 0;
console.log(JSON.stringify({ done: true, ...counts, playlistP50: pct(50), playlistP95: pct(95), playlistMs: playlistMs.length, errorKinds }));
