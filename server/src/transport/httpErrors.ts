import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import type { AppError, ErrorCode } from '@chunfeng/shared/errors';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import { toAppError, validate } from './requests';

const STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVITE_USED: 409,
  RATE_LIMITED: 429,
  VERIFICATION_REQUIRED: 403,
  MUTED: 403,
  BANNED: 403,
  SESSION_NOT_LIVE: 409,
  STAGE_ELSEWHERE: 409,
  SESSION_ENDED: 410,
  NOT_JOINED: 409,
  TAKEN_OVER: 409,
  SEATS_FULL: 409,
  MEDIA: 502,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** A request body, query or parameter that failed its schema; carries the field-level issues. */
export class RequestInvalid extends DomainError {
  readonly appError: AppError;

  constructor(error: AppError) {
    super('VALIDATION', error.message);
    this.appError = error;
  }
}

/** Parses untrusted input with its schema at the edge, or throws RequestInvalid (never what zod threw). */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = validate(schema, value);
  if (!result.ok) throw new RequestInvalid(result.error);
  return result.data;
}

// The words for what the body parser could not read, by the status it chose.
const UNREADABLE: Record<number, string> = {
  400: 'the request body is not valid JSON',
  413: 'the request is too large',
  415: 'the request body must be JSON in UTF-8, without an unknown content encoding',
};

/** The status and body a failure is answered with, and its Retry-After (seconds) when it has one. */
export interface ErrorReply {
  status: number;
  body: { error: AppError };
  retryAfterSeconds?: number;
}

/**
 * How any failure of an API request is answered: `{ error: { code, message } }` with its status.
 * Shared by the express error handler and the apply lane (see applyLane.ts), so both answer alike.
 */
export function errorReply(error: unknown, logger: Logger, context: object): ErrorReply {
  if (error instanceof RequestInvalid) return { status: 400, body: { error: error.appError } };
  if (error instanceof URIError) return { status: 400, body: { error: { code: 'VALIDATION', message: 'the request path is not valid' } } };
  // body-parser marks the errors it raises about the request (not the server) with `expose`.
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
  if (typeof status === 'number' && expose === true && status >= 400 && status < 500) {
    return { status, body: { error: { code: 'VALIDATION', message: UNREADABLE[status] ?? 'the request is not valid' } } };
  }
  const appError = toAppError(error, logger, context);
  return { status: STATUS[appError.code], body: { error: appError }, ...(appError.retryAfterSeconds !== undefined ? { retryAfterSeconds: appError.retryAfterSeconds } : {}) };
}

/** The last express error handler: every failure leaves as `{ error: { code, message } }`. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      // A streamed answer failed midway: too late for an error answer. Logged; the connection is cut.
      toAppError(error, logger, { method: req.method, path: req.path });
      if (!res.destroyed) res.destroy();
      return;
    }
    const reply = errorReply(error, logger, { method: req.method, path: req.path });
    if (reply.retryAfterSeconds !== undefined) res.set('Retry-After', String(reply.retryAfterSeconds));
    res.status(reply.status).json(reply.body);
  };
}
