import { z } from 'zod';

/** Every error a client can be told about. Anything unexpected reaches a client only as INTERNAL. */
export const ErrorCode = z.enum([
  'VALIDATION',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  /** The bureau requires a one-time code texted to the phone before it stores an application. */
  'VERIFICATION_REQUIRED',
  'MUTED',
  'BANNED',
  'SESSION_NOT_LIVE',
  'SESSION_ENDED',
  'NOT_JOINED',
  'MEDIA',
  'UNAVAILABLE',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const AppError = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Field-level problems for VALIDATION errors: path → message. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type AppError = z.infer<typeof AppError>;
