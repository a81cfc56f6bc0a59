import type { Event } from 'socket.io';
import type { z } from 'zod';
import type { Ack } from '@chunfeng/shared/ack';
import type { AppError } from '@chunfeng/shared/errors';
import { requestSchemas, type RequestName, type RequestResults } from '@chunfeng/shared/events';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import { plainDataProblem } from './plainData';
import type { IoSocket } from './socketState';

/** Answers one request of a socket: its result is acknowledged `{ ok: true, data }`, a throw `{ ok: false, error }`. */
export type SocketRequestHandler<K extends RequestName> = (
  socket: IoSocket,
  input: z.output<(typeof requestSchemas)[K]>,
) => RequestResults[K] | Promise<RequestResults[K]>;

/** Maps any thrown value to the error a client may see: coded errors as they are, the rest as INTERNAL. */
export function toAppError(error: unknown, logger: Logger, context: object = {}): AppError {
  if (error instanceof DomainError) {
    const wait = error.retryAfterSeconds;
    return { code: error.code, message: error.message, ...(wait !== undefined ? { retryAfterSeconds: wait } : {}), ...(error.node !== undefined ? { node: error.node } : {}) };
  }
  logger.error({ err: error, ...context }, 'request failed unexpectedly');
  return { code: 'INTERNAL', message: 'something went wrong on the server; please try again' };
}

export function validationError(error: z.ZodError): AppError {
  return {
    code: 'VALIDATION',
    message: 'the request is not valid',
    issues: error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })),
  };
}

/**
 * Validates untrusted input without letting it throw: the payload must be plain JSON-like data within
 * the size limits before the schema sees it, and whatever the schema itself throws is a VALIDATION
 * error too (zod reads fields of the input, and an odd shape must not take the process down).
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown): { ok: true; data: z.output<S> } | { ok: false; error: AppError } {
  const problem = plainDataProblem(value);
  if (problem) return { ok: false, error: { code: 'VALIDATION', message: 'the request is not valid', issues: [problem] } };
  try {
    const parsed = schema.safeParse(value);
    return parsed.success ? { ok: true, data: parsed.data } : { ok: false, error: validationError(parsed.error) };
  } catch {
    return { ok: false, error: { code: 'VALIDATION', message: 'the request is not valid' } };
  }
}

/** Wraps a listener for events that are not requests so that nothing it throws escapes socket.io. */
export function safeListener<A extends unknown[]>(listener: (...args: A) => void, logger: Logger, context: object): (...args: A) => void {
  return (...args) => {
    try {
      listener(...args);
    } catch (error) {
      logger.error({ err: error, ...context }, 'listener failed unexpectedly');
    }
  };
}

/** Whether a socket's event may go on, decided before any handler or listener runs (the flood guard). */
export type Admission = (socket: IoSocket, packet: Event) => boolean;

/**
 * A server's request handlers, shared by every socket: each takes the socket it answers, whose state
 * is its `socket.data`. A request is validated at the edge and always acknowledged with an Ack,
 * whatever the client sent and whatever the handler threw.
 *
 * Nothing is made per request name and per socket: a connected socket gets one middleware, which
 * admits each event (the flood guard), then hands a request to its handler on the next tick of a
 * connected socket, as socket.io's own listeners run. Forty listeners per socket were about 4 kB of
 * every idle viewer; forty handler closures made per socket, their contexts and the helpers they
 * shared (each named one a dictionary-mode function under tsx's keepNames) about 6 kB more.
 */
export class RequestRoutes {
  readonly #handlers = new Map<string, SocketRequestHandler<RequestName>>();
  readonly #logger: Logger;
  readonly #admit: Admission;

  constructor({ logger, admit = () => true }: { logger: Logger; admit?: Admission }) {
    this.#logger = logger;
    this.#admit = admit;
  }

  /** Registers the handler of one request name (once per server). */
  on<K extends RequestName>(name: K, handler: SocketRequestHandler<K>): this {
    if (this.#handlers.has(name)) throw new Error(`two handlers for ${name}`);
    this.#handlers.set(name, handler);
    return this;
  }

  /** Routes a newly connected socket's events through this table. */
  attach(socket: IoSocket): void {
    socket.use((packet, next) => this.#route(socket, packet, next));
  }

  #route(socket: IoSocket, packet: Event, next: (err?: Error) => void): void {
    if (!this.#admit(socket, packet)) return;
    const name = packet[0];
    const handler = this.#handlers.get(name);
    if (!handler) {
      next();
      return;
    }
    process.nextTick(() => {
      if (socket.connected) answer(socket, name as RequestName, handler, packet.slice(1), this.#logger);
    });
  }
}

function answer<K extends RequestName>(socket: IoSocket, name: K, handler: SocketRequestHandler<K>, args: unknown[], logger: Logger): void {
  const last = args.at(-1);
  if (typeof last !== 'function') {
    logger.debug({ socket: socket.id, event: name }, 'request without acknowledgement ignored');
    return;
  }
  const ack = last as (reply: Ack<RequestResults[K]>) => void;
  const parsed = validate(requestSchemas[name], args.length > 1 ? args[0] : undefined);
  if (!parsed.ok) {
    ack({ ok: false, error: parsed.error });
    return;
  }
  // Through a promise so that a handler's synchronous throw is acknowledged like a rejection.
  Promise.resolve(parsed.data as z.output<(typeof requestSchemas)[K]>)
    .then((input) => handler(socket, input))
    .then(
      (data) => ack({ ok: true, data }),
      (error: unknown) => ack({ ok: false, error: toAppError(error, logger, { socket: socket.id, event: name }) }),
    )
    .catch((error: unknown) => logger.error({ err: error, socket: socket.id, event: name }, 'could not acknowledge'));
}
