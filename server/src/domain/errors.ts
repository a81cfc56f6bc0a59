import type { ErrorCode } from '@chunfeng/shared/errors';

/** An expected failure with a code the client understands. Anything else is INTERNAL. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  /** For RATE_LIMITED: how long to wait before trying again. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string = code, { retryAfterSeconds }: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
