import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { Ack } from '@chunfeng/shared/ack';
import type { AppError } from '@chunfeng/shared/errors';
import { requestSchemas, type RequestName, type RequestResults } from '@chunfeng/shared/events';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import { plainDataProblem } from './plainData';

export type RequestHandler<K extends RequestName> = (
  input: z.output<(typeof requestSchemas)[K]>,
) => RequestResults[K] | Promise<RequestResults[K]>;

/** Maps any thrown value to the error a client may see: coded errors as they are, the rest as INTERNAL. */
export function toAppError(error: unknown, logger: Logger, context: object = {}): AppError {
  if (error instanceof DomainError) {
    const wait = error.retryAfterSeconds;
    return { code: error.code, message: error.message, ...(wait !== undefined ? { retryAfterSeconds: wait } : {}) };
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

/** A socket's request handlers, at their event's slot, and the logger their failures go to. */
interface Routes {
  handlers: Array<RequestHandler<RequestName> | undefined>;
  logger: Logger;
}

const routesOf = new WeakMap<Socket, Routes>();
/** Each request name's slot in every socket's handler array: a short array per socket, not a hash table. */
const slots = new Map<string, number>();
const slotOf = (name: string): number => {
  let slot = slots.get(name);
  if (slot === undefined) slots.set(name, (slot = slots.size));
  return slot;
};

/**
 * Registers a request handler that validates its input at the edge and always acknowledges with an
 * Ack, whatever the client sent and whatever the handler threw.
 *
 * A socket's requests are routed by one middleware and an array of its handlers rather than one
 * listener each: forty wrapped listeners were about 4 kB of every idle viewer on the server. The
 * middleware runs after those installed before the first request (the flood guard), and a handler
 * runs on the next tick of a connected socket, as socket.io's own listeners do.
 */
export function onRequest<K extends RequestName>(
  socket: Socket,
  name: K,
  handler: RequestHandler<K>,
  logger: Logger,
): void {
  let routes = routesOf.get(socket);
  if (!routes) {
    const table: Routes = { handlers: [], logger };
    routes = table;
    routesOf.set(socket, table);
    socket.use((packet, next) => {
      const event = packet[0];
      const slot = slots.get(event);
      const route = slot === undefined ? undefined : table.handlers[slot];
      if (!route) {
        next();
        return;
      }
      process.nextTick(() => {
        if (socket.connected) answer(event as RequestName, route, packet.slice(1), table.logger);
      });
    });
  }
  // Every handler of a socket logs through that socket's logger (the one given first).
  const slot = slotOf(name);
  // Filled up to the slot first: a holey array would fall back to a slower, larger representation.
  while (routes.handlers.length < slot) routes.handlers.push(undefined);
  routes.handlers[slot] = handler;
}

function answer<K extends RequestName>(name: K, handler: RequestHandler<K>, args: unknown[], logger: Logger): void {
  const last = args.at(-1);
  if (typeof last !== 'function') {
    logger.debug({ event: name }, 'request without acknowledgement ignored');
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
    .then(handler)
    .then(
      (data) => ack({ ok: true, data }),
      (error: unknown) => ack({ ok: false, error: toAppError(error, logger, { event: name }) }),
    )
    .catch((error: unknown) => logger.error({ err: error, event: name }, 'could not acknowledge'));
}
