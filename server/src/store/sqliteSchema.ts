import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { upgradeRecord, type ApplicationRecord } from '../domain/applications';
import { StoreError, storeErrorFromSqlite } from './storeError';

// One application per vacancy and phone among those not withdrawn: a withdrawn one does not block a
// new one. The idempotency key is kept only as its hash.
const APPLICATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS applications (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  key_hash TEXT NOT NULL UNIQUE,
  vacancy_id TEXT NOT NULL, phone TEXT NOT NULL, employer_id TEXT NOT NULL, session_id TEXT,
  withdrawn INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS applications_open_per_phone ON applications (vacancy_id, phone) WHERE withdrawn = 0;
CREATE INDEX IF NOT EXISTS applications_by_employer ON applications (employer_id, seq);
CREATE INDEX IF NOT EXISTS applications_by_session ON applications (session_id, seq);
`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS docs (
  kind TEXT NOT NULL, id TEXT NOT NULL, idx TEXT, seq INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS docs_by_idx ON docs (kind, idx, seq);
CREATE INDEX IF NOT EXISTS docs_by_seq ON docs (kind, seq);
CREATE TABLE IF NOT EXISTS pins (
  session_id TEXT NOT NULL, kind TEXT NOT NULL, pinned_at TEXT NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (session_id, kind, pinned_at)
);
${APPLICATIONS_TABLE}
CREATE TABLE IF NOT EXISTS application_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, application_id TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS application_events_by_app ON application_events (application_id, seq);
CREATE TABLE IF NOT EXISTS moderation (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS moderation_by_session ON moderation (session_id, seq);
CREATE TABLE IF NOT EXISTS captions (
  session_id TEXT NOT NULL, seq INTEGER NOT NULL, text TEXT NOT NULL, at TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
);
`;

/** The store's one file in the data dir. */
export function storeFile(dataDir: string): string {
  return path.join(dataDir, 'jobs.sqlite3');
}

export interface OpenOptions {
  /** A ceiling on the file in pages: writes past it fail as if the disk were full. */
  maxPageCount?: number;
}

/**
 * Opens the store file with the durability settings every connection shares (WAL, synchronous=FULL:
 * a commit that returned is on disk), creating or upgrading the schema. A file that cannot be
 * opened (corrupt, read-only directory) throws a StoreError.
 */
export function openStoreDatabase(dataDir: string, { maxPageCount }: OpenOptions = {}): Database.Database {
  let db: Database.Database | undefined;
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    db = new Database(storeFile(dataDir));
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    if (maxPageCount) db.pragma(`max_page_count = ${Math.floor(maxPageCount)}`);
    upgradeApplications(db);
    db.exec(SCHEMA);
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

/**
 * Files written before keys were hashed kept the raw idempotency key (a withdrawal secret) and let
 * a withdrawn application block a new one: rebuild that table once, in one transaction, keeping
 * every application with its order.
 */
function upgradeApplications(db: Database.Database): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('applications')").all() as Array<{ name: string }>;
  if (!columns.some((c) => c.name === 'idempotency_key')) return;
  db.transaction(() => {
    db.exec('ALTER TABLE applications RENAME TO applications_before_key_hash');
    for (const index of ['applications_by_employer', 'applications_by_session']) db.exec(`DROP INDEX IF EXISTS ${index}`);
    db.exec(APPLICATIONS_TABLE);
    const rows = db.prepare('SELECT seq, body FROM applications_before_key_hash ORDER BY seq').all() as Array<{ seq: number; body: string }>;
    const insert = db.prepare(
      'INSERT INTO applications (seq, id, key_hash, vacancy_id, phone, employer_id, session_id, withdrawn, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const row of rows) {
      const a = upgradeRecord(JSON.parse(row.body) as ApplicationRecord);
      insert.run(row.seq, a.id, a.keyHash, a.vacancyId, a.phone, a.employerId, a.sessionId, a.status === 'withdrawn' ? 1 : 0, JSON.stringify(a));
    }
    db.exec('DROP TABLE applications_before_key_hash');
  }).immediate();
}
