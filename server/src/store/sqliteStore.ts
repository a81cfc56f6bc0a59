import type Database from 'better-sqlite3';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import type { Caption } from '@chunfeng/shared/stage';
import type { PinEvent } from '@chunfeng/shared/recruitment';
import type { ApplicationRecord } from '../domain/applications';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import type { StageFence } from '../cluster/stageLease';
import { staleFence, type ApplicationEvent, type ApplicationFilter, type CatalogKind, type CatalogKinds, type FencedWrite, type JobStore } from './jobStore';
import { DocCache } from './docCache';
import type { MigrationResult } from './sqliteMigrations';
import { openStoreDatabase } from './sqliteSchema';
import { SqliteWriter, type SqliteWriterOptions } from './sqliteWriter';
import { storeErrorFromSqlite } from './storeError';

export interface SqliteJobStoreOptions {
  dataDir: string;
  /** A ceiling on the file in pages (4 kB each): writes past it fail as on a full disk. */
  maxPageCount?: number;
  logger?: Pick<Logger, 'warn' | 'error'>;
  /** The writer thread's restart, back-off and queue limits (defaults in SqliteWriter). */
  writer?: Pick<SqliteWriterOptions, 'maxRestarts' | 'restartBackoffMs' | 'maxQueued'>;
  /** Whether a fenced write may be stored now (this process's stage leases); without it every fence passes. */
  fenced?: (fence: StageFence) => boolean;
}

/**
 * The embedded job store: one SQLite file in the data dir (WAL, synchronous=FULL). Every write goes
 * to a writer thread that commits writes arriving together in one transaction and settles each
 * promise only once that commit is on disk, so no fsync runs on the event loop. Reads run here on a
 * query-only connection: in WAL mode a reader never waits for the writer, and sees every write whose
 * promise has resolved.
 */
export class SqliteJobStore implements JobStore {
  readonly kind = 'embedded' as const;
  readonly #db: Database.Database;
  readonly #writer: SqliteWriter;
  /** Compiled once: compiling a statement costs more than running these reads. */
  readonly #statements = new Map<string, Database.Statement>();
  readonly #docs = new DocCache();
  readonly #fenced: (fence: StageFence) => boolean;
  /** What opening the file did to its schema (the version it had, the one it has now). */
  readonly migration: MigrationResult;

  constructor({ dataDir, maxPageCount, logger, writer, fenced = () => true }: SqliteJobStoreOptions) {
    this.#fenced = fenced;
    // Creating or migrating the schema happens once, here, before the server listens; a file that
    // cannot be opened throws a StoreError now rather than on the first write, and one written by a
    // newer release a SchemaTooNewError.
    let migration: MigrationResult | undefined;
    this.#db = openStoreDatabase(dataDir, { onMigrated: (result) => (migration = result) });
    this.migration = migration!;
    this.#db.pragma('query_only = ON');
    this.#writer = new SqliteWriter({ ...writer, dataDir, maxPageCount, logger });
  }

  /** The writer thread, for tests that kill it. */
  get writer(): SqliteWriter {
    return this.#writer;
  }

  put<K extends CatalogKind>(kind: K, doc: CatalogKinds[K], { fence }: FencedWrite = {}): Promise<void> {
    // One process holds every lease: checked here, nothing can move it before the write is queued.
    if (fence && !this.#fenced(fence)) return Promise.reject(staleFence(fence));
    return this.#docs.writing(kind, doc.id, this.#writer.write({ op: 'put', kind, doc }));
  }

  /** Catalog documents come from memory after the first read (see DocCache), parsed afresh each time. */
  get<K extends CatalogKind>(kind: K, id: string): Promise<CatalogKinds[K] | undefined> {
    return this.#read(() => {
      let body = this.#docs.get(kind, id);
      if (body === undefined) {
        body = (this.#prepare('SELECT body FROM docs WHERE kind = ? AND id = ?').get(kind, id) as { body: string } | undefined)?.body;
        if (body !== undefined) this.#docs.set(kind, id, body);
      }
      return body === undefined ? undefined : (JSON.parse(body) as CatalogKinds[K]);
    });
  }

  list<K extends CatalogKind>(kind: K, where?: { value: string }): Promise<CatalogKinds[K][]> {
    return this.#read(() => {
      const rows = (
        where
          ? this.#prepare('SELECT body FROM docs WHERE kind = ? AND idx = ? ORDER BY seq').all(kind, where.value)
          : this.#prepare('SELECT body FROM docs WHERE kind = ? ORDER BY seq').all(kind)
      ) as Array<{ body: string }>;
      return rows.map((r) => JSON.parse(r.body) as CatalogKinds[K]);
    });
  }

  putPin(event: PinEvent): Promise<void> {
    return this.#writer.write({ op: 'putPin', event });
  }

  /** All of them or none: one write (its own savepoint) in the writer's group. */
  putPins(events: PinEvent[], { fence }: FencedWrite = {}): Promise<void> {
    if (fence && !this.#fenced(fence)) return Promise.reject(staleFence(fence));
    return this.#writer.write({ op: 'putPins', events });
  }

  listPins(sessionId: string): Promise<PinEvent[]> {
    return this.#read(() => {
      const rows = this.#prepare('SELECT body FROM pins WHERE session_id = ? ORDER BY pinned_at, kind').all(sessionId) as Array<{ body: string }>;
      return rows.map((r) => JSON.parse(r.body) as PinEvent);
    });
  }

  apply(application: ApplicationRecord): Promise<{ application: ApplicationRecord; created: boolean }> {
    return this.#writer.write({ op: 'apply', application });
  }

  getApplication(id: string): Promise<ApplicationRecord | undefined> {
    return this.#read(() => this.#applicationBody('id', id)).then((body) => (body ? (JSON.parse(body) as ApplicationRecord) : undefined));
  }

  applicationByKey(keyHash: string): Promise<ApplicationRecord | undefined> {
    return this.#read(() => this.#applicationBody('key_hash', keyHash)).then((body) => (body ? (JSON.parse(body) as ApplicationRecord) : undefined));
  }

  keyAnswered(keyHash: string): Promise<boolean> {
    return this.#read(() => {
      const sql = "SELECT EXISTS (SELECT 1 FROM applications WHERE key_hash = ?) OR EXISTS (SELECT 1 FROM docs WHERE kind = 'receipt' AND id = ?) AS answered";
      return (this.#prepare(sql).get(keyHash, keyHash) as { answered: number }).answered === 1;
    });
  }

  listApplications({ vacancyId, employerId, sessionId }: ApplicationFilter): Promise<ApplicationRecord[]> {
    return this.#read(() => {
      const clauses: string[] = [];
      const args: string[] = [];
      for (const [column, value] of [['vacancy_id', vacancyId], ['employer_id', employerId], ['session_id', sessionId]] as const) {
        if (!value) continue;
        clauses.push(`${column} = ?`);
        args.push(value);
      }
      const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
      const rows = this.#prepare(`SELECT body FROM applications ${where} ORDER BY seq`).all(...args) as Array<{ body: string }>;
      return rows.map((r) => JSON.parse(r.body) as ApplicationRecord);
    });
  }

  /**
   * Reads here, changes here, and asks the writer to store the result only if the stored record is
   * still the one read (compare and swap); a concurrent change makes it read and try again.
   */
  async updateApplication(id: string, change: (current: ApplicationRecord) => ApplicationRecord): Promise<ApplicationRecord> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const expected = await this.#read(() => this.#applicationBody('id', id));
      if (expected === undefined) throw new DomainError('NOT_FOUND', 'no such application');
      const next = change(JSON.parse(expected) as ApplicationRecord);
      const event: ApplicationEvent = { applicationId: id, type: 'status', at: next.history.at(-1)?.at ?? new Date().toISOString(), status: next.status };
      if ((await this.#writer.write({ op: 'replaceApplication', id, expected, next, event })) === 'replaced') return next;
    }
    throw new DomainError('CONFLICT', 'the application kept changing; try again');
  }

  applicationEvents(applicationId?: string): Promise<ApplicationEvent[]> {
    return this.#read(() => {
      const rows = (
        applicationId
          ? this.#prepare('SELECT body FROM application_events WHERE application_id = ? ORDER BY seq').all(applicationId)
          : this.#prepare('SELECT body FROM application_events ORDER BY seq').all()
      ) as Array<{ body: string }>;
      return rows.map((r) => JSON.parse(r.body) as ApplicationEvent);
    });
  }

  appendModeration(entry: ModerationEntry): Promise<void> {
    return this.#writer.write({ op: 'appendModeration', entry });
  }

  listModeration(sessionId: string): Promise<ModerationEntry[]> {
    return this.#read(() => {
      const rows = this.#prepare('SELECT body FROM moderation WHERE session_id = ? ORDER BY seq').all(sessionId) as Array<{ body: string }>;
      return rows.map((r) => JSON.parse(r.body) as ModerationEntry);
    });
  }

  appendCaption(sessionId: string, { text, at }: { text: string; at: string }): Promise<Caption> {
    return this.#writer.write({ op: 'appendCaption', sessionId, text, at });
  }

  listCaptions(sessionId: string, last?: number): Promise<Caption[]> {
    return this.#read(() => {
      const rows = (
        last === undefined
          ? this.#prepare('SELECT seq, text, at FROM captions WHERE session_id = ? ORDER BY seq').all(sessionId)
          : this.#prepare('SELECT seq, text, at FROM (SELECT seq, text, at FROM captions WHERE session_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq').all(sessionId, last)
      ) as Caption[];
      return rows.map((r) => ({ seq: r.seq, text: r.text, at: r.at }));
    });
  }

  ping(): Promise<{ ok: boolean; detail: string }> {
    try {
      this.#prepare('SELECT 1').get();
      const writer = this.#writer.health();
      return Promise.resolve({ ok: writer.ok, detail: `sqlite ${this.#db.name}; ${writer.detail}` });
    } catch (error) {
      return Promise.resolve({ ok: false, detail: (error as Error).message });
    }
  }

  async close(): Promise<void> {
    await this.#writer.close();
    if (this.#db.open) this.#db.close();
  }

  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #applicationBody(column: 'id' | 'key_hash', value: string): string | undefined {
    const row = this.#prepare(`SELECT body FROM applications WHERE ${column} = ?`).get(value) as { body: string } | undefined;
    return row?.body;
  }

  /** Runs a read, turning a SQLite failure (corrupt page, I/O error) into a typed StoreError. */
  #read<T>(query: () => T): Promise<T> {
    try {
      return Promise.resolve(query());
    } catch (error) {
      return Promise.reject(storeErrorFromSqlite(error) ?? (error instanceof Error ? error : new Error(String(error))));
    }
  }
}
