import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import type { ErrorCode } from '@chunfeng/shared/errors';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import { toAppError, validationError } from './requests';

const STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  VERIFICATION_REQUIRED: 403,
  MUTED: 403,
  BANNED: 403,
  SESSION_NOT_LIVE: 409,
  SESSION_ENDED: 410,
  NOT_JOINED: 409,
  MEDIA: 502,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** A request body, query or parameter that failed its schema; carries the field-level issues. */
export class RequestInvalid extends DomainError {
  readonly zodError: z.ZodError;

  constructor(error: z.ZodError) {
    super('VALIDATION', 'the request is not valid');
    this.zodError = error;
  }
}

/** Parses untrusted input with its schema at the edge, or throws RequestInvalid. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new RequestInvalid(result.error);
  return result.data;
}

/** The last express error handler: every failure leaves as `{ error: { code, message } }`. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (error instanceof RequestInvalid) {
      res.status(400).json({ error: validationError(error.zodError) });
      return;
    }
    // express.json() reports a malformed or oversized body with a status of its own.
    const status = (error as { status?: number; type?: string }).status;
    if (status === 400 || status === 413) {
      res.status(status).json({ error: { code: 'VALIDATION', message: status === 413 ? 'the request is too large' : 'the request body is not valid JSON' } });
      return;
    }
    const appError = toAppError(error, logger, { method: req.method, path: req.path });
    res.status(STATUS[appError.code]).json({ error: appError });
  };
}
