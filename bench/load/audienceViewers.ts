// A load generator process for the audience benchmark: opens many socket.io viewers the way the
// viewer page does in HLS mode (or bare sockets for the baseline) and records, with the wall clock,
// when each receives a pinned vacancy. Driven by its parent over IPC.
import { io, type Socket } from 'socket.io-client';
import { wallNow } from '../lib/clock';

export type ViewerMode = 'app' | 'bare';

export type ViewerCommand =
  /** Opens viewers number `from` to `from + count - 1` of this generator (a second start adds more). */
  | { type: 'start'; url: string; mode: ViewerMode; sessionId: string; from: number; count: number; generator: number; concurrency: number }
  | { type: 'clock' }
  | { type: 'collect' }
  | { type: 'close' };

export type ViewerReport =
  | { type: 'ready'; joined: number; failed: number; failures: string[]; joinMs: number[] }
  | { type: 'clock'; now: number }
  /** Receive times by pin key (the vacancy id, or the baseline's sequence), since the last collect. */
  | { type: 'receipts'; receipts: Record<string, number[]>; bytes: number }
  | { type: 'closed' };

const send = (report: ViewerReport): void => void process.send?.(report);

/** When the page reports a pinned card as shown: the HLS picture is this far behind the host. */
const CARD_SHOWN_AFTER_MS = [2000, 5000] as const;

const sockets: Socket[] = [];
let receipts: Record<string, number[]> = {};
let payloadBytes = 0;

/** Viewers are spread over /24 blocks of 50, as phones of many networks would be (the server trusts this host as its proxy). */
const addressOf = (generator: number, i: number): string => `10.${100 + generator}.${Math.floor(i / 50)}.${(i % 50) + 1}`;

function record(key: string, payload: unknown): void {
  const now = wallNow();
  (receipts[key] ??= []).push(now);
  if (payloadBytes === 0) payloadBytes = Buffer.byteLength(JSON.stringify(payload));
}

function connect(url: string, headers: Record<string, string>, auth?: { device: string }): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers, ...(auth ? { auth } : {}) });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

async function ok(socket: Socket, event: string, payload: unknown): Promise<unknown> {
  const ack = (await socket.timeout(60_000).emitWithAck(event, payload)) as { ok: boolean; data?: unknown; error?: { code: string } };
  if (!ack.ok) throw new Error(`${event}: ${ack.error?.code}`);
  return ack.data;
}

/** What the viewer page does on load in HLS mode: device token, the public session, one socket, join, chat and questions. */
async function joinAsPage(url: string, sessionId: string, address: string): Promise<Socket> {
  const headers = { 'x-forwarded-for': address, origin: url };
  const device = await fetch(`${url}/api/device`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
  if (device.status !== 200 && device.status !== 201) throw new Error(`POST /api/device: ${device.status}`);
  const { token } = (await device.json()) as { token: string };
  const session = await fetch(`${url}/api/public/sessions/${sessionId}`, { headers });
  if (session.status !== 200) throw new Error(`GET /api/public/sessions: ${session.status}`);
  await session.arrayBuffer();
  const socket = await connect(url, headers, { device: token });
  socket.on('vacancy:pinned', (payload: { vacancy: { id: string } }) => {
    record(payload.vacancy.id, payload);
    // The page counts the card as shown when the viewer sees it: over HLS, a few seconds later.
    const delay = CARD_SHOWN_AFTER_MS[0] + Math.random() * (CARD_SHOWN_AFTER_MS[1] - CARD_SHOWN_AFTER_MS[0]);
    setTimeout(() => socket.emit('card:event', { vacancyId: payload.vacancy.id, step: 'shown' }, () => undefined), delay);
  });
  try {
    await ok(socket, 'stage:join', { sessionId, role: 'viewer' });
    await Promise.all([ok(socket, 'chat:history', {}), ok(socket, 'question:list', {})]);
  } catch (error) {
    // A page whose join failed is not left connected (and counted by the server) behind its retry.
    socket.close();
    throw error;
  }
  return socket;
}

async function joinBare(url: string, address: string): Promise<Socket> {
  const socket = await connect(url, { 'x-forwarded-for': address });
  socket.on('vacancy:pinned', (payload: { seq: number }) => record(String(payload.seq), payload));
  return socket;
}

async function start(command: Extract<ViewerCommand, { type: 'start' }>): Promise<void> {
  const { url, mode, sessionId, from, count, generator, concurrency } = command;
  const failures: string[] = [];
  const joinMs: number[] = [];
  const opened = sockets.length;
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < from + count) {
      const i = next++;
      const started = performance.now();
      // A page whose join failed (a timeout on a busy machine) tries once more, as a phone would reload.
      for (let attempt = 0; attempt < 2; attempt += 1) {
        try {
          sockets.push(mode === 'app' ? await joinAsPage(url, sessionId, addressOf(generator, i)) : await joinBare(url, addressOf(generator, i)));
          joinMs.push(performance.now() - started);
          break;
        } catch (error) {
          failures.push(`${attempt === 0 ? 'retried: ' : ''}${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  send({ type: 'ready', joined: sockets.length - opened, failed: failures.filter((f) => !f.startsWith('retried: ')).length, failures: [...new Set(failures)].slice(0, 5), joinMs });
}

process.on('message', (command: ViewerCommand) => {
  switch (command.type) {
    case 'start':
      void start(command);
      break;
    case 'clock':
      send({ type: 'clock', now: wallNow() });
      break;
    case 'collect':
      send({ type: 'receipts', receipts, bytes: payloadBytes });
      receipts = {};
      break;
    case 'close':
      for (const s of sockets.splice(0)) s.close();
      send({ type: 'closed' });
      setTimeout(() => process.exit(0), 100);
      break;
  }
});
