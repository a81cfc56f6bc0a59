import { DomainError } from '../domain/errors';

/** Why the store could not do what was asked; each reason is something an operator can act on. */
export type StoreFailure = 'disk-full' | 'read-only' | 'corrupt' | 'io' | 'writer-down' | 'closed';

/**
 * The job store failed (not the request): the write was not acknowledged and may be retried. Reaches
 * a client as UNAVAILABLE, never as a crash.
 */
export class StoreError extends DomainError {
  readonly reason: StoreFailure;

  constructor(reason: StoreFailure, message: string) {
    super('UNAVAILABLE', `the job store is unavailable (${reason}): ${message}`);
    this.name = 'StoreError';
    this.reason = reason;
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
