import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import type { PinEvent } from '@chunfeng/shared/recruitment';
import { upgradeRecord, type ApplicationRecord } from '../domain/applications';
import { DomainError } from '../domain/errors';
import {
  indexValue,
  type ApplicationEvent,
  type ApplicationFilter,
  type CatalogKind,
  type CatalogKinds,
  type JobStore,
} from './jobStore';

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
`;

/**
 * The embedded job store: one SQLite file in the data dir (WAL, synchronous=FULL, so a statement
 * that returned is on disk). better-sqlite3 is synchronous, which makes each method atomic here.
 */
export class SqliteJobStore implements JobStore {
  readonly kind = 'embedded' as const;
  readonly #db: Database.Database;
  #seq: number;

  constructor({ dataDir }: { dataDir: string }) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.#db = new Database(path.join(dataDir, 'jobs.sqlite3'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    this.#upgradeApplications();
    this.#db.exec(SCHEMA);
    const row = this.#db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM docs').get() as { s: number };
    this.#seq = row.s;
  }

  /**
   * Files written before keys were hashed kept the raw idempotency key (a withdrawal secret) and let
   * a withdrawn application block a new one: rebuild that table once, in one transaction, keeping
   * every application with its order.
   */
  #upgradeApplications(): void {
    const columns = this.#db.prepare("SELECT name FROM pragma_table_info('applications')").all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'idempotency_key')) return;
    this.#db.transaction(() => {
      this.#db.exec('ALTER TABLE applications RENAME TO applications_before_key_hash');
      for (const index of ['applications_by_employer', 'applications_by_session']) this.#db.exec(`DROP INDEX IF EXISTS ${index}`);
      this.#db.exec(APPLICATIONS_TABLE);
      const rows = this.#db.prepare('SELECT seq, body FROM applications_before_key_hash ORDER BY seq').all() as Array<{ seq: number; body: string }>;
      const insert = this.#db.prepare(
        'INSERT INTO applications (seq, id, key_hash, vacancy_id, phone, employer_id, session_id, withdrawn, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const row of rows) {
        const a = upgradeRecord(JSON.parse(row.body) as ApplicationRecord);
        insert.run(row.seq, a.id, a.keyHash, a.vacancyId, a.phone, a.employerId, a.sessionId, a.status === 'withdrawn' ? 1 : 0, JSON.stringify(a));
      }
      this.#db.exec('DROP TABLE applications_before_key_hash');
    }).immediate();
  }

  put<K extends CatalogKind>(kind: K, doc: CatalogKinds[K]): Promise<void> {
    const idx = indexValue(kind, doc) ?? null;
    const existing = this.#db.prepare('SELECT seq FROM docs WHERE kind = ? AND id = ?').get(kind, doc.id) as { seq: number } | undefined;
    const seq = existing?.seq ?? ++this.#seq;
    this.#db
      .prepare('INSERT INTO docs (kind, id, idx, seq, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET idx = excluded.idx, body = excluded.body')
      .run(kind, doc.id, idx, seq, JSON.stringify(doc));
    return Promise.resolve();
  }

  get<K extends CatalogKind>(kind: K, id: string): Promise<CatalogKinds[K] | undefined> {
    const row = this.#db.prepare('SELECT body FROM docs WHERE kind = ? AND id = ?').get(kind, id) as { body: string } | undefined;
    return Promise.resolve(row ? (JSON.parse(row.body) as CatalogKinds[K]) : undefined);
  }

  list<K extends CatalogKind>(kind: K, where?: { value: string }): Promise<CatalogKinds[K][]> {
    const rows = (
      where
        ? this.#db.prepare('SELECT body FROM docs WHERE kind = ? AND idx = ? ORDER BY seq').all(kind, where.value)
        : this.#db.prepare('SELECT body FROM docs WHERE kind = ? ORDER BY seq').all(kind)
    ) as Array<{ body: string }>;
    return Promise.resolve(rows.map((r) => JSON.parse(r.body) as CatalogKinds[K]));
  }

  putPin(event: PinEvent): Promise<void> {
    this.#db
      .prepare('INSERT INTO pins (session_id, kind, pinned_at, body) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET body = excluded.body')
      .run(event.sessionId, event.kind, event.pinnedAt, JSON.stringify(event));
    return Promise.resolve();
  }

  putPins(events: PinEvent[]): Promise<void> {
    const put = this.#db.prepare('INSERT INTO pins (session_id, kind, pinned_at, body) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET body = excluded.body');
    this.#db.transaction(() => {
      for (const e of events) put.run(e.sessionId, e.kind, e.pinnedAt, JSON.stringify(e));
    })();
    return Promise.resolve();
  }

  listPins(sessionId: string): Promise<PinEvent[]> {
    const rows = this.#db.prepare('SELECT body FROM pins WHERE session_id = ? ORDER BY pinned_at, kind').all(sessionId) as Array<{ body: string }>;
    return Promise.resolve(rows.map((r) => JSON.parse(r.body) as PinEvent));
  }

  apply(application: ApplicationRecord): Promise<{ application: ApplicationRecord; created: boolean }> {
    const run = this.#db.transaction((a: ApplicationRecord) => {
      const existing = this.#db
        .prepare('SELECT body FROM applications WHERE key_hash = ? OR (vacancy_id = ? AND phone = ? AND withdrawn = 0) LIMIT 1')
        .get(a.keyHash, a.vacancyId, a.phone) as { body: string } | undefined;
      if (existing) return { application: JSON.parse(existing.body) as ApplicationRecord, created: false };
      this.#db
        .prepare('INSERT INTO applications (id, key_hash, vacancy_id, phone, employer_id, session_id, withdrawn, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(a.id, a.keyHash, a.vacancyId, a.phone, a.employerId, a.sessionId, a.status === 'withdrawn' ? 1 : 0, JSON.stringify(a));
      this.#event({ applicationId: a.id, type: 'created', at: a.createdAt, status: a.status });
      return { application: a, created: true };
    });
    return new Promise((resolve) => resolve(run.immediate(application)));
  }

  getApplication(id: string): Promise<ApplicationRecord | undefined> {
    const row = this.#db.prepare('SELECT body FROM applications WHERE id = ?').get(id) as { body: string } | undefined;
    return Promise.resolve(row ? (JSON.parse(row.body) as ApplicationRecord) : undefined);
  }

  applicationByKey(keyHash: string): Promise<ApplicationRecord | undefined> {
    const row = this.#db.prepare('SELECT body FROM applications WHERE key_hash = ?').get(keyHash) as { body: string } | undefined;
    return Promise.resolve(row ? (JSON.parse(row.body) as ApplicationRecord) : undefined);
  }

  listApplications({ vacancyId, employerId, sessionId }: ApplicationFilter): Promise<ApplicationRecord[]> {
    const clauses: string[] = [];
    const args: string[] = [];
    for (const [column, value] of [['vacancy_id', vacancyId], ['employer_id', employerId], ['session_id', sessionId]] as const) {
      if (!value) continue;
      clauses.push(`${column} = ?`);
      args.push(value);
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const rows = this.#db.prepare(`SELECT body FROM applications ${where} ORDER BY seq`).all(...args) as Array<{ body: string }>;
    return Promise.resolve(rows.map((r) => JSON.parse(r.body) as ApplicationRecord));
  }

  updateApplication(id: string, change: (current: ApplicationRecord) => ApplicationRecord): Promise<ApplicationRecord> {
    const run = this.#db.transaction(() => {
      const row = this.#db.prepare('SELECT body FROM applications WHERE id = ?').get(id) as { body: string } | undefined;
      if (!row) throw new DomainError('NOT_FOUND', 'no such application');
      const next = change(JSON.parse(row.body) as ApplicationRecord);
      this.#db.prepare('UPDATE applications SET body = ?, withdrawn = ? WHERE id = ?').run(JSON.stringify(next), next.status === 'withdrawn' ? 1 : 0, id);
      const last = next.history.at(-1);
      this.#event({ applicationId: id, type: 'status', at: last?.at ?? new Date().toISOString(), status: next.status });
      return next;
    });
    // A throw inside the executor (NOT_FOUND, or the change refusing) becomes the rejection.
    return new Promise((resolve) => resolve(run.immediate()));
  }

  applicationEvents(applicationId?: string): Promise<ApplicationEvent[]> {
    const rows = (
      applicationId
        ? this.#db.prepare('SELECT body FROM application_events WHERE application_id = ? ORDER BY seq').all(applicationId)
        : this.#db.prepare('SELECT body FROM application_events ORDER BY seq').all()
    ) as Array<{ body: string }>;
    return Promise.resolve(rows.map((r) => JSON.parse(r.body) as ApplicationEvent));
  }

  #event(event: ApplicationEvent): void {
    this.#db.prepare('INSERT INTO application_events (application_id, body) VALUES (?, ?)').run(event.applicationId, JSON.stringify(event));
  }

  appendModeration(entry: ModerationEntry): Promise<void> {
    this.#db.prepare('INSERT INTO moderation (session_id, body) VALUES (?, ?)').run(entry.sessionId, JSON.stringify(entry));
    return Promise.resolve();
  }

  listModeration(sessionId: string): Promise<ModerationEntry[]> {
    const rows = this.#db.prepare('SELECT body FROM moderation WHERE session_id = ? ORDER BY seq').all(sessionId) as Array<{ body: string }>;
    return Promise.resolve(rows.map((r) => JSON.parse(r.body) as ModerationEntry));
  }

  ping(): Promise<{ ok: boolean; detail: string }> {
    try {
      this.#db.prepare('SELECT 1').get();
      return Promise.resolve({ ok: true, detail: `sqlite ${this.#db.name}` });
    } catch (error) {
      return Promise.resolve({ ok: false, detail: (error as Error).message });
    }
  }

  close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return Promise.resolve();
  }
}
