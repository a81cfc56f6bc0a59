import { io, type Socket } from 'socket.io-client';
import type { Ack } from '@chunfeng/shared/ack';
import { deviceToken, forgetDeviceToken } from './device';
import type { AppError, ErrorCode } from '@chunfeng/shared/errors';
import type {
  ClientToServerEvents,
  RequestInput,
  RequestName,
  RequestResults,
  ServerToClientEvents,
} from '@chunfeng/shared/events';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** A request the server answered with a coded error (or that timed out: UNAVAILABLE). */
export class RequestError extends Error {
  readonly code: ErrorCode;
  /** False when no acknowledgement came (not connected, or none within the timeout). */
  readonly answered: boolean;
  /** When the server said how long to wait before trying again. */
  readonly retryAfterSeconds: number | undefined;
  /** Field-level problems of a VALIDATION error. */
  readonly issues: ReadonlyArray<{ path: string; message: string }>;
  /** STAGE_ELSEWHERE: the node holding the session's stage. */
  readonly node: string | undefined;

  constructor(code: ErrorCode, message: string, { answered = true, retryAfterSeconds, issues = [], node }: { answered?: boolean; retryAfterSeconds?: number | undefined; issues?: AppError['issues']; node?: string | undefined } = {}) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.answered = answered;
    this.retryAfterSeconds = retryAfterSeconds;
    this.issues = issues;
    this.node = node;
  }
}

/** The requests that need this phone's device token. */
const DEVICE_REQUESTS: ReadonlySet<RequestName> = new Set(['chat:send', 'question:ask', 'question:vote', 'hand:raise']);

export type SignallingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The client's one socket.io connection: typed requests with timeouts, and connection state. */
export class Signalling {
  readonly socket: SignallingSocket;
  #state: ConnectionState = 'connecting';
  readonly #listeners = new Set<(state: ConnectionState) => void>();

  constructor(url: string = '/') {
    // A query in the URL would be read again on every connection, over what moveTo() sets: kept as options.
    const [base = '/', search] = url.split('?', 2);
    this.socket = io(base, {
      ...(search ? { query: Object.fromEntries(new URLSearchParams(search)) } : {}),
      transports: ['websocket', 'polling'],
      // A phone that lost its connection tries again after 0.5–1.5 s, then every 1–3 s (socket.io's
      // default grows to 2.5–7.5 s): a rural network's blips are short, a node that restarts is back
      // in a few seconds, and a try costs a handshake of about a kilobyte. Through nginx the first try
      // already reaches a live node; the per-block connection budget bounds a crowd trying at once.
      reconnectionDelayMax: 2000,
      // The anonymous device token goes with every (re)connection: chat moderation acts on it.
      auth: (cb) => void deviceToken().then((device) => cb(device ? { device } : {})),
    });
    this.socket.on('connect', () => this.#set('connected'));
    this.socket.on('disconnect', (reason) => {
      this.#set(reason === 'io client disconnect' ? 'offline' : 'reconnecting');
      // The server closes a connection whose credential was withdrawn (socket.io does not retry
      // those by itself): connect again, so the page learns why from its next request and a page
      // that needed no credential (a viewer's, beside a bureau sign-in that ended) carries on.
      if (reason === 'io server disconnect') setTimeout(() => this.socket.connect(), 1000);
    });
    this.socket.io.on('reconnect_attempt', () => this.#set('reconnecting'));
  }

  get state(): ConnectionState {
    return this.#state;
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const l of this.#listeners) l(state);
  }

  /** Sends a request and resolves with its result, or rejects with a RequestError. */
  async request<K extends RequestName>(
    name: K,
    input: RequestInput<K>,
    { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
  ): Promise<RequestResults[K]> {
    let ack: Ack<RequestResults[K]>;
    try {
      // socket.io's typed emit cannot follow a generic event name; the event map still types both ends.
      const timed = this.socket.timeout(timeoutMs) as unknown as {
        emitWithAck(event: K, payload: RequestInput<K>): Promise<Ack<RequestResults[K]>>;
      };
      ack = await timed.emitWithAck(name, input);
    } catch {
      throw new RequestError('UNAVAILABLE', `no answer from the server to ${name}`, { answered: false });
    }
    if (!ack.ok) {
      // Only a missing or no longer valid device token makes these UNAUTHORIZED: get a new one next time.
      if (ack.error.code === 'UNAUTHORIZED' && DEVICE_REQUESTS.has(name)) forgetDeviceToken();
      throw new RequestError(ack.error.code, ack.error.message, { retryAfterSeconds: ack.error.retryAfterSeconds, issues: ack.error.issues, node: ack.error.node });
    }
    return ack.data;
  }

  /**
   * Connects again asking the load balancer for one node (`?node=<NODE_ID>`, which nginx's cluster
   * configuration routes to that node while it is up): where a session's stage lives. Resolves once
   * connected (through whichever node answered).
   */
  moveTo(node: string): Promise<void> {
    const manager = this.socket.io;
    manager.opts.query = { ...(manager.opts.query), node };
    return new Promise((resolve) => {
      this.socket.once('connect', () => resolve());
      // A client-side disconnect: the server keeps no recovery state for it, the next one is a new socket.
      this.socket.disconnect();
      this.socket.connect();
    });
  }

  close(): void {
    this.socket.close();
  }
}
