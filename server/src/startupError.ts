/**
 * A start-up failure an operator can fix: its message is the one line main.ts prints (what, where,
 * what is wrong, what to do) before it exits, instead of a stack trace.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}
