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
