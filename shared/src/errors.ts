import { z } from 'zod';

/** Every error a client can be told about. Anything unexpected reaches a client only as INTERNAL. */
export const ErrorCode = z.enum([
  'VALIDATION',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  /** A single-use invite link that someone else has already used. */
  'INVITE_USED',
  'RATE_LIMITED',
  /** The bureau requires a one-time code texted to the phone before it stores an application. */
  'VERIFICATION_REQUIRED',
  'MUTED',
  'BANNED',
  'SESSION_NOT_LIVE',
  'SESSION_ENDED',
  /** Several nodes: the session's stage is held by another node (named in `node`); join through that one. */
  'STAGE_ELSEWHERE',
  'NOT_JOINED',
  /** A host page taking its place back after a drop: the host link went live on another device meanwhile. */
  'TAKEN_OVER',
  /** Every interactive (WebRTC) seat is taken: watch over HLS. */
  'SEATS_FULL',
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
  /** RATE_LIMITED: seconds to wait before trying again (HTTP also sends it as Retry-After). */
  retryAfterSeconds: z.number().int().min(0).optional(),
  /** STAGE_ELSEWHERE: the NODE_ID of the node holding the session's stage. */
  node: z.string().max(200).optional(),
});
export type AppError = z.infer<typeof AppError>;
