import type { ErrorCode } from '@chunfeng/shared/errors';

/** An expected failure with a code the client understands. Anything else is INTERNAL. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  /** For RATE_LIMITED: how long to wait before trying again. */
  readonly retryAfterSeconds: number | undefined;
  /** For STAGE_ELSEWHERE: the node holding the session's stage. */
  readonly node: string | undefined;

  constructor(code: ErrorCode, message: string = code, { retryAfterSeconds, node }: { retryAfterSeconds?: number; node?: string } = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
    this.node = node;
  }
}
