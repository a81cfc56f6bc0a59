import type Database from 'better-sqlite3';
import { upgradeRecord, type ApplicationRecord } from '../domain/applications';
import { StartupError } from '../startupError';

/** One step of the embedded store's schema; `up` runs inside the migration transaction. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

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

const BASELINE = `
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

/**
 * Files written before keys were hashed kept the raw idempotency key (a withdrawal secret) and let
 * a withdrawn application block a new one: rebuild that table, keeping every application with its
 * order.
 */
function hashKeys(db: Database.Database): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('applications')").all() as Array<{ name: string }>;
  if (!columns.some((c) => c.name === 'idempotency_key')) return;
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
}

// Each session's tallies of its applications (see JobStore.applicationCounts): one row per session,
// dimension and key, changed in the writer's transaction with every application and status change.
const COUNTS_TABLE = `
CREATE TABLE application_counts (
  session_id TEXT NOT NULL, dimension TEXT NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (session_id, dimension, key)
) WITHOUT ROWID;
`;

/** What each dimension's key is, read from a stored application (as countCells in domain/statistics.ts reads the record). */
const COUNT_KEYS: ReadonlyArray<[dimension: string, key: string]> = [
  ['total', "''"],
  ['vacancy', 'vacancy_id'],
  ['targetGroup', "coalesce(json_extract(body, '$.targetGroup'), 'unspecified')"],
  ['source', "json_extract(body, '$.source')"],
  ['status', "json_extract(body, '$.status')"],
];

/** The follow-up cells' keys (status, ':', group or vacancy), as countCells writes them. */
const FOLLOW_UP_KEYS: ReadonlyArray<[dimension: string, key: string]> = [
  ['groupStatus', "json_extract(body, '$.status') || ':' || coalesce(json_extract(body, '$.targetGroup'), 'unspecified')"],
  ['vacancyStatus', "json_extract(body, '$.status') || ':' || vacancy_id"],
];

/**
 * The tallies of the applications already stored, counted by SQLite (GROUP BY) in the migration's
 * transaction. Applications outside a session are in no session's tallies; a row that is not JSON
 * (unreadable, reported as corrupt when read) is not counted.
 */
function countStoredApplications(db: Database.Database, keys: ReadonlyArray<[dimension: string, key: string]> = COUNT_KEYS): void {
  for (const [dimension, key] of keys) {
    db.prepare(
      `INSERT INTO application_counts (session_id, dimension, key, count)
       SELECT session_id, ?, k, n FROM (
         SELECT session_id, ${key} AS k, count(*) AS n FROM applications
         WHERE session_id <> '' AND json_valid(body) GROUP BY session_id, k
       ) WHERE k IS NOT NULL`,
    ).run(dimension);
  }
}

// What pages narrow by, as columns beside the document (kept by every write with the body), each
// index ending in seq so a page narrowed by status is read newest first straight from it, with no
// scan of other statuses: an employer's, a vacancy's and a session's, and the bureau's whole list.
// The vacancy had no index of its own before: its pages walked the table from the newest row.
const PAGE_COLUMNS = `
ALTER TABLE applications ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
`;
const PAGE_INDEXES = `
CREATE INDEX applications_by_vacancy ON applications (vacancy_id, seq);
CREATE INDEX applications_by_status ON applications (status, seq);
CREATE INDEX applications_by_employer_status ON applications (employer_id, status, seq);
CREATE INDEX applications_by_vacancy_status ON applications (vacancy_id, status, seq);
CREATE INDEX applications_by_session_status ON applications (session_id, status, seq);
`;

// The viewers of each session (JobStore.countViewer): a row per session and viewer, so the distinct
// count of a session, or of a campaign's sessions together, is exact.
const VIEWERS_TABLE = `
CREATE TABLE session_viewers (
  session_id TEXT NOT NULL, viewer TEXT NOT NULL,
  PRIMARY KEY (session_id, viewer)
) WITHOUT ROWID;
`;

/** Rows a backfill statement rewrites at once: a province's million in bounded steps, not one statement holding them all. */
export const BACKFILL_BATCH = 10_000;

/**
 * Copies status and created time out of each stored document into the new columns, BACKFILL_BATCH
 * rows of seq at a time (inside the migration's transaction: all of it or none). A row that is not
 * JSON is left at '' (it is reported as corrupt when read, and matches no status).
 */
function backfillPageColumns(db: Database.Database): void {
  const { last } = db.prepare('SELECT coalesce(max(seq), 0) AS last FROM applications').get() as { last: number };
  const fill = db.prepare(
    `UPDATE applications SET status = coalesce(json_extract(body, '$.status'), ''), created_at = coalesce(json_extract(body, '$.createdAt'), '')
     WHERE seq > ? AND seq <= ? AND json_valid(body)`,
  );
  for (let from = 0; from < last; from += BACKFILL_BATCH) fill.run(from, from + BACKFILL_BATCH);
}

// Questions and their votes (see JobStore.putQuestion): the question's record in `body` without its
// votes, which are counted in `votes` beside one row per voter, so a vote inserts a row and adds one
// and never rewrites the question. The indexes serve the reads that run while a session is live:
// a session's open queue (or its answered wall) by votes then age, a vacancy's open questions (an
// employer's queue) and its answered ones (the FAQ), each read in order and cut at a limit.
const QUESTION_TABLES = `
CREATE TABLE questions (
  id TEXT PRIMARY KEY, session_id TEXT NOT NULL, vacancy_id TEXT, asked_at TEXT NOT NULL,
  answered INTEGER NOT NULL DEFAULT 0, votes INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL
);
CREATE INDEX questions_by_session ON questions (session_id, answered, votes DESC, asked_at, id);
CREATE INDEX questions_by_vacancy ON questions (vacancy_id, answered, votes DESC, asked_at, id) WHERE vacancy_id IS NOT NULL;
CREATE TABLE question_votes (
  question_id TEXT NOT NULL, voter TEXT NOT NULL,
  PRIMARY KEY (question_id, voter)
) WITHOUT ROWID;
`;

/**
 * The question documents of the releases before (kind 'question' in docs, voters inside) moved into
 * the tables: each voter a row, the count from those rows, the document gone from docs. A document
 * that is not JSON, or has no session or time, is left in docs (nothing reads it there any more; it
 * was unreadable before too) rather than failing the whole upgrade.
 */
function moveQuestionDocuments(db: Database.Database): void {
  const movable = (d: string): string =>
    `${d}.kind = 'question' AND json_valid(${d}.body) AND json_type(${d}.body, '$.sessionId') = 'text' AND json_type(${d}.body, '$.askedAt') = 'text'`;
  db.exec(`
    INSERT OR IGNORE INTO questions (id, session_id, vacancy_id, asked_at, answered, votes, body)
    SELECT d.id, json_extract(d.body, '$.sessionId'), json_extract(d.body, '$.vacancyId'), json_extract(d.body, '$.askedAt'),
           coalesce(json_type(d.body, '$.answer'), 'null') <> 'null', 0, json_remove(d.body, '$.voters')
    FROM docs d WHERE ${movable('d')} ORDER BY d.seq;
    INSERT OR IGNORE INTO question_votes (question_id, voter)
    SELECT d.id, v.value FROM docs d, json_each(d.body, '$.voters') v WHERE ${movable('d')} AND v.type = 'text';
    UPDATE questions SET votes = (SELECT count(*) FROM question_votes WHERE question_id = questions.id);
    DELETE FROM docs AS d WHERE ${movable('d')};
  `);
}

// The status of the kinds indexed by it (see statusIndexed in jobStore.ts; null for the others), kept
// by every write of the document, so the reconciler reads the live sessions from an index instead
// of every session of every campaign.
const STATUS_COLUMN = `
ALTER TABLE docs ADD COLUMN status TEXT;
CREATE INDEX docs_by_status ON docs (kind, status, seq) WHERE status IS NOT NULL;
`;

/**
 * Copies the status out of each stored session. A document that is not JSON is left without one (it
 * is reported as corrupt when read; no status read lists it).
 */
function backfillStatus(db: Database.Database): void {
  db.prepare("UPDATE docs SET status = json_extract(body, '$.status') WHERE kind = 'session' AND json_valid(body)").run();
}

// Each event under the employer of its application, so an employer's change feed reads its own
// events from an index and never learns, by skipping them, that others had any.
const EVENT_EMPLOYER = `
ALTER TABLE application_events ADD COLUMN employer_id TEXT;
`;

/**
 * Copies each event's employer from its application, BACKFILL_BATCH events of seq at a time (inside
 * the migration's transaction). An event whose application is not stored is left without one (no
 * employer's feed lists it; the bureau's still does).
 */
function backfillEventEmployers(db: Database.Database): void {
  const { last } = db.prepare('SELECT coalesce(max(seq), 0) AS last FROM application_events').get() as { last: number };
  const fill = db.prepare('UPDATE application_events SET employer_id = (SELECT employer_id FROM applications WHERE id = application_id) WHERE seq > ? AND seq <= ?');
  for (let from = 0; from < last; from += BACKFILL_BATCH) fill.run(from, from + BACKFILL_BATCH);
  db.exec('CREATE INDEX application_events_by_employer ON application_events (employer_id, seq)');
}

/**
 * Every schema version, oldest first; a new one is appended with the next number and never edited
 * once released. Version 1 is the schema as it stood before versions were kept: files of that time
 * say `user_version = 0`, so it is written to be run on them (IF NOT EXISTS, the key-hash rebuild
 * only where the raw key is still there) as well as on an empty file.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'baseline: catalog documents, pins, applications (key hashes), events, moderation, captions',
    up(db) {
      hashKeys(db);
      db.exec(BASELINE);
    },
  },
  {
    version: 2,
    name: 'application tallies per session (statistics without reading applications), counted from those stored',
    up(db) {
      db.exec(COUNTS_TABLE);
      countStoredApplications(db);
    },
  },
  {
    version: 3,
    name: 'application status and created time as indexed columns (pages narrowed by status read from an index), copied from the stored documents',
    up(db) {
      db.exec(PAGE_COLUMNS);
      backfillPageColumns(db);
      db.exec(PAGE_INDEXES);
    },
  },
  {
    version: 4,
    name: 'questions and votes in their own tables (a vote adds a row and a count), moved from the question documents',
    up(db) {
      db.exec(QUESTION_TABLES);
      moveQuestionDocuments(db);
    },
  },
  {
    version: 5,
    name: 'catalog documents indexed by status (the live sessions read without the others), copied from the stored sessions',
    up(db) {
      db.exec(STATUS_COLUMN);
      backfillStatus(db);
    },
  },
  {
    version: 6,
    name: 'application events under the employer of their application (an employer\'s change feed read from an index), copied from the applications',
    up(db) {
      db.exec(EVENT_EMPLOYER);
      backfillEventEmployers(db);
    },
  },
  {
    version: 7,
    name: 'follow-up tallies per session (status by priority group, status by vacancy), counted from the applications stored',
    up(db) {
      countStoredApplications(db, FOLLOW_UP_KEYS);
    },
  },
  {
    version: 8,
    name: 'unique viewers: one row per session and viewer (an opaque per-browser id)',
    up(db) {
      db.exec(VIEWERS_TABLE);
    },
  },
];

/** What an unversioned file (user_version 0) holds, judged by its tables. */
export type UnversionedLayout = 'empty' | 'baseline' | 'before-key-hash';

export function unversionedLayout(db: Database.Database): UnversionedLayout {
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name));
  if (tables.size === 0) return 'empty';
  const columns = db.prepare("SELECT name FROM pragma_table_info('applications')").all() as Array<{ name: string }>;
  return columns.some((c) => c.name === 'idempotency_key') ? 'before-key-hash' : 'baseline';
}

/** The file was written by a newer release: this one must not touch it. */
export class SchemaTooNewError extends StartupError {
  constructor(file: string, found: number, known: number) {
    super(
      `the job store ${file} has schema version ${found}, newer than this release knows (${known}): it was written by a newer Chunfeng Live; run that release (or newer) on it, or point DATA_DIR at a copy made for this one`,
    );
    this.name = 'SchemaTooNewError';
  }
}

export interface MigrationResult {
  from: number;
  to: number;
  /** For a file that had no version: what its tables said it was. */
  layout?: UnversionedLayout;
}

/**
 * Brings the file to the newest version this release knows, all steps in one transaction (a step
 * that fails leaves the file as it was), and records it in `user_version`. A file newer than the
 * newest step is refused with one line. An unversioned file is judged by its tables (reported as
 * `layout`); version 1 accepts each layout there was.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const latest = migrations.at(-1)?.version ?? 0;
  // Taken under the write lock: two connections opening one file at once migrate it once.
  return db
    .transaction((): MigrationResult => {
      const from = db.pragma('user_version', { simple: true }) as number;
      if (from > latest) throw new SchemaTooNewError(db.name, from, latest);
      const layout = from === 0 ? unversionedLayout(db) : undefined;
      for (const step of migrations) if (step.version > from) step.up(db);
      // A pragma takes no bound parameters; both numbers are integers this module chose.
      if (latest !== from) db.pragma(`user_version = ${latest}`);
      return { from, to: latest, ...(layout ? { layout } : {}) };
    })
    .immediate();
}
