import type { ErrorCode } from '@chunfeng/shared/errors';

/** An expected failure with a code the client understands. Anything else is INTERNAL. */
export class DomainError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string = code) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
  }
}
