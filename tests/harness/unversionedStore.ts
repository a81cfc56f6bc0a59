import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from '../../server/src/store/sqliteMigrations';

// The embedded store's schema as the release before schema versions wrote it (server/src/store/
// sqliteSchema.ts at 340d98a, verbatim), and the statements that release wrote rows with: files it
// made say `user_version = 0`. Kept here, frozen, so the migration from it stays tested after the
// code moves on.
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

export const UNVERSIONED_SCHEMA = `
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

export interface UnversionedRows {
  docs: Array<{ kind: string; id: string; idx: string | null; body: object }>;
  pins: Array<{ sessionId: string; kind: string; pinnedAt: string; body: object }>;
  applications: Array<{ id: string; keyHash: string; vacancyId: string; phone: string; employerId: string; sessionId: string | null; withdrawn: boolean; body: object }>;
  events: Array<{ applicationId: string; body: object }>;
  moderation: Array<{ sessionId: string; body: object }>;
  captions: Array<{ sessionId: string; seq: number; text: string; at: string }>;
}

/** Writes a store file as that release did: its schema, WAL, the rows with its statements; user_version stays 0. */
export function writeUnversionedStore(file: string, rows: UnversionedRows): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(UNVERSIONED_SCHEMA);
  // One transaction for the whole fixture (tens of thousands of rows in a second); the file is the same.
  db.exec('BEGIN');
  const putDoc = db.prepare('INSERT INTO docs (kind, id, idx, seq, body) VALUES (?, ?, ?, ?, ?)');
  rows.docs.forEach((d, i) => putDoc.run(d.kind, d.id, d.idx, i + 1, JSON.stringify(d.body)));
  const putPin = db.prepare('INSERT INTO pins (session_id, kind, pinned_at, body) VALUES (?, ?, ?, ?)');
  for (const p of rows.pins) putPin.run(p.sessionId, p.kind, p.pinnedAt, JSON.stringify(p.body));
  const insert = db.prepare('INSERT INTO applications (id, key_hash, vacancy_id, phone, employer_id, session_id, withdrawn, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const a of rows.applications) insert.run(a.id, a.keyHash, a.vacancyId, a.phone, a.employerId, a.sessionId, a.withdrawn ? 1 : 0, JSON.stringify(a.body));
  const event = db.prepare('INSERT INTO application_events (application_id, body) VALUES (?, ?)');
  for (const e of rows.events) event.run(e.applicationId, JSON.stringify(e.body));
  const moderation = db.prepare('INSERT INTO moderation (session_id, body) VALUES (?, ?)');
  for (const m of rows.moderation) moderation.run(m.sessionId, JSON.stringify(m.body));
  const caption = db.prepare('INSERT INTO captions (session_id, seq, text, at) VALUES (?, ?, ?, ?)');
  for (const c of rows.captions) caption.run(c.sessionId, c.seq, c.text, c.at);
  db.exec('COMMIT');
  db.close();
}

/**
 * Writes a store file as the release with schema version 1 did (before per-session tallies): that
 * release's schema is the one above (its migration 1 only stamps a file already in this layout), its
 * rows written with the same statements, then `user_version = 1`.
 */
export function writeVersionOneStore(file: string, rows: UnversionedRows): void {
  writeUnversionedStore(file, rows);
  const db = new Database(file);
  db.pragma('user_version = 1');
  db.close();
}

/**
 * Writes a store file as the release with schema version 2 left one (per-session tallies; status and
 * created time only inside each document): that release's rows are written with the statements
 * above, which it still used, and its migrations 1 and 2 (released, never edited since) bring the
 * file to version 2 as that release did at start, counting the tallies.
 */
export function writeVersionTwoStore(file: string, rows: UnversionedRows): void {
  writeVersionOneStore(file, rows);
  const db = new Database(file);
  migrate(db, MIGRATIONS.filter((m) => m.version <= 2));
  db.close();
}
