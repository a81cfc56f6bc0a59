import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate, type MigrationResult } from './sqliteMigrations';
import { StoreError, storeErrorFromSqlite } from './storeError';

/** The store's one file in the data dir. */
export function storeFile(dataDir: string): string {
  return path.join(dataDir, 'jobs.sqlite3');
}

export interface OpenOptions {
  /** A ceiling on the file in pages: writes past it fail as if the disk were full. */
  maxPageCount?: number;
  /** Told what the schema migration did (the first connection of a process migrates; others find nothing to do). */
  onMigrated?: (result: MigrationResult) => void;
}

/**
 * Opens the store file with the durability settings every connection shares (WAL, synchronous=FULL:
 * a commit that returned is on disk) and brings its schema to this release's version (see
 * sqliteMigrations.ts). A file that cannot be opened (corrupt, read-only directory) throws a
 * StoreError; one written by a newer release throws a SchemaTooNewError.
 */
export function openStoreDatabase(dataDir: string, { maxPageCount, onMigrated }: OpenOptions = {}): Database.Database {
  let db: Database.Database | undefined;
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    db = new Database(storeFile(dataDir));
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    if (maxPageCount) db.pragma(`max_page_count = ${Math.floor(maxPageCount)}`);
    const migrated = migrate(db);
    onMigrated?.(migrated);
    return db;
  } catch (error) {
    db?.close();
    const known = storeErrorFromSqlite(error);
    if (known) throw known;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') throw new StoreError('read-only', (error as Error).message);
    if (code === 'ENOSPC') throw new StoreError('disk-full', (error as Error).message);
    throw error;
  }
}
