import { io, type Socket } from 'socket.io-client';
import type { Ack } from '@chunfeng/shared/ack';
import type { ClientToServerEvents, RequestName, RequestResults, ServerToClientEvents } from '@chunfeng/shared/events';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A connected socket.io client, as a browser would open it (websocket transport). */
export async function connect(url: string, { device, cookie }: { device?: string; cookie?: string } = {}): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(device ? { auth: { device } } : {}),
    ...(cookie ? { extraHeaders: { cookie } } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/**
 * Sends a request with any payload (including malformed ones) and returns the raw Ack. Tests that
 * probe validation need to send what the types forbid, so the payload is `unknown` here.
 */
export async function request<K extends RequestName>(
  socket: TestSocket,
  name: K,
  payload: unknown,
  timeoutMs = 10_000,
): Promise<Ack<RequestResults[K]>> {
  const timed = socket.timeout(timeoutMs) as unknown as {
    emitWithAck(event: string, payload: unknown): Promise<Ack<RequestResults[K]>>;
  };
  return timed.emitWithAck(name, payload);
}

/** Like request(), but throws unless the server answered ok, and returns the data. */
export async function requestOk<K extends RequestName>(
  socket: TestSocket,
  name: K,
  payload: unknown,
): Promise<RequestResults[K]> {
  const ack = await request(socket, name, payload);
  if (!ack.ok) throw new Error(`${name} failed: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

/**
 * Sends an event whose payload is given as JSON text, past socket.io-client's encoder (which recurses
 * and cannot encode what an attacker can write by hand, e.g. 10,000-deep nesting), and resolves with
 * the server's acknowledgement.
 */
export function rawRequest(socket: TestSocket, name: string, payloadJson: string, timeoutMs = 10_000): Promise<unknown> {
  const engine = socket.io.engine;
  const ackId = 900_000 + Math.floor(Math.random() * 99_999);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      engine.off('packet', onPacket);
      reject(new Error(`no acknowledgement for ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onPacket = (packet: { type: string; data?: unknown }): void => {
      // An ACK packet on the main namespace: "3" + id + JSON array of the arguments.
      if (packet.type !== 'message' || typeof packet.data !== 'string' || !packet.data.startsWith(`3${ackId}[`)) return;
      clearTimeout(timer);
      engine.off('packet', onPacket);
      resolve((JSON.parse(packet.data.slice(String(ackId).length + 1)) as unknown[])[0]);
    };
    engine.on('packet', onPacket);
    engine.send(`2${ackId}[${JSON.stringify(name)},${payloadJson}]`);
  });
}
