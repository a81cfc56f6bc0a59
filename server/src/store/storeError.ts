import { DomainError } from '../domain/errors';

/** Why the store could not do what was asked; each reason is something an operator can act on. */
export type StoreFailure = 'disk-full' | 'read-only' | 'corrupt' | 'io' | 'writer-down' | 'queue-full' | 'closed' | 'unreachable';

/**
 * The job store failed (not the request): the write was not acknowledged and may be retried. Reaches
 * a client as UNAVAILABLE, never as a crash.
 */
export class StoreError extends DomainError {
  readonly reason: StoreFailure;
  /** What the store said, without the prefix (to rebuild the error on the other side of a thread). */
  readonly detail: string;

  constructor(reason: StoreFailure, message: string, { retryAfterSeconds }: { retryAfterSeconds?: number } = {}) {
    super('UNAVAILABLE', `the job store is unavailable (${reason}): ${message}`, retryAfterSeconds !== undefined ? { retryAfterSeconds } : {});
    this.name = 'StoreError';
    this.reason = reason;
    this.detail = message;
  }
}

/** SQLite result codes (better-sqlite3 puts the extended name in `code`) mapped to a StoreError. */
export function storeErrorFromSqlite(error: unknown): StoreError | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  const message = (error as Error).message;
  if (code.startsWith('SQLITE_FULL')) return new StoreError('disk-full', message);
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')) return new StoreError('read-only', message);
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) return new StoreError('corrupt', message);
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code.startsWith('SQLITE_NOMEM')) return new StoreError('io', message);
  return undefined;
}

// Redis replies that mean "not now" rather than "never": loading its data after a restart, out of
// disk or memory, a read-only replica, a busy script.
const TRANSIENT_REPLY = /^(LOADING|MISCONF|READONLY|OOM|BUSY|MASTERDOWN|NOREPLICAS|TRYAGAIN|CLUSTERDOWN)\b/;

/**
 * A failure of the Redis connection (refused, closed, timed out, given up after its retries) or a
 * transient Redis reply, as a StoreError; undefined for anything else (a bug stays INTERNAL).
 */
export function storeErrorFromRedis(error: unknown, retryAfterSeconds: number): StoreError | undefined {
  if (error instanceof DomainError || !(error instanceof Error)) return undefined;
  const { name, message } = error;
  const code = (error as { code?: unknown }).code;
  if (name === 'ReplyError') return TRANSIENT_REPLY.test(message) ? new StoreError('unreachable', message, { retryAfterSeconds }) : undefined;
  const connection =
    name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Command timed out|Stream isn't writeable|connect ETIMEDOUT|Reached the max retries/.test(message) ||
    (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN)$/.test(code));
  return connection ? new StoreError('unreachable', message, { retryAfterSeconds }) : undefined;
}
