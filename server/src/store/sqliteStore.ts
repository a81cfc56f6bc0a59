import type Database from 'better-sqlite3';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import type { Caption } from '@chunfeng/shared/stage';
import type { PinEvent, ShareChannel } from '@chunfeng/shared/recruitment';
import type { ApplicationRecord } from '../domain/applications';
import type { QuestionAnswer, StoredQuestion } from '../domain/questions';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import type { StageFence } from '../cluster/stageLease';
import { staleFence, type ApplicationChanges, type ApplicationEvent, type ApplicationFilter, type ApplicationPage, type ApplicationPageQuery, type CatalogKind, type CatalogPage, type CatalogPageQuery, type CatalogKinds, type StatusIndexedKind, type FencedWrite, type JobStore, type QuestionState, type UniqueViewers, type VoteResult } from './jobStore';
import { fillCatalogPage } from './catalogPages';
import { DocCache } from './docCache';
import { ApplicationEventRecord, ApplicationRecordSchema, CaptionRecord, CountCellRecord, catalogSchema, ModerationRecord, PinEventRecord, questionRow, readRecord } from './recordSchemas';
import type { MigrationResult } from './sqliteMigrations';
import { openStoreDatabase } from './sqliteSchema';
import { SqliteWriter, type SqliteWriterOptions } from './sqliteWriter';
import { StorageProbe, type ProbeResult } from './storageProbe';
import { StoreError, storeErrorFromSqlite } from './storeError';
import type { WriteOp, WriteResults } from './sqliteWrites';
import { changePosition, latestOrder, likePattern, PAGE_SCAN, pageNarrowed } from './applicationPages';
import { countChunks, countsOf, readCount, type StoredCount } from './applicationCounts';
import type { ApplicationCounts } from '../domain/statistics';

export interface SqliteJobStoreOptions {
  dataDir: string;
  /** A ceiling on the file in pages (4 kB each): writes past it fail as on a full disk. */
  maxPageCount?: number;
  logger?: Pick<Logger, 'warn' | 'error'>;
  /** The writer thread's restart, back-off and queue limits (defaults in SqliteWriter). */
  writer?: Pick<SqliteWriterOptions, 'maxRestarts' | 'restartBackoffMs' | 'maxQueued'>;
  /** Whether a fenced write may be stored now (this process's stage leases); without it every fence passes. */
  fenced?: (fence: StageFence) => boolean;
  /** Whether the data directory takes a durable write (shared with /healthz); by default one of its own. */
  probe?: Pick<StorageProbe, 'check'>;
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
  readonly #probe: Pick<StorageProbe, 'check'>;
  /** What opening the file did to its schema (the version it had, the one it has now). */
  readonly migration: MigrationResult;

  constructor({ dataDir, maxPageCount, logger, writer, fenced = () => true, probe = new StorageProbe({ dir: dataDir }) }: SqliteJobStoreOptions) {
    this.#fenced = fenced;
    this.#probe = probe;
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
    return this.#docs.writing(kind, doc.id, this.#write({ op: 'put', kind, doc }));
  }

  /** Catalog documents come from memory after the first read (see DocCache), parsed afresh each time. */
  get<K extends CatalogKind>(kind: K, id: string): Promise<CatalogKinds[K] | undefined> {
    return this.#read(() => {
      let body = this.#docs.get(kind, id);
      if (body === undefined) {
        body = (this.#prepare('SELECT body FROM docs WHERE kind = ? AND id = ?').get(kind, id) as { body: string } | undefined)?.body;
        if (body !== undefined) this.#docs.set(kind, id, body);
      }
      return body === undefined ? undefined : readRecord(catalogSchema(kind), body, `${kind} ${id}`);
    });
  }

  list<K extends CatalogKind>(kind: K, where?: { value: string }): Promise<CatalogKinds[K][]> {
    return this.#read(() => {
      const rows = (
        where
          ? this.#prepare('SELECT id, body FROM docs WHERE kind = ? AND idx = ? ORDER BY seq').all(kind, where.value)
          : this.#prepare('SELECT id, body FROM docs WHERE kind = ? ORDER BY seq').all(kind)
      ) as Array<{ id: string; body: string }>;
      return rows.map((r) => readRecord(catalogSchema(kind), r.body, `${kind} ${r.id}`));
    });
  }

  /** COUNT over docs_by_idx (kind, idx, seq): the index alone is read, one lookup a value. */
  countIndexed(kind: CatalogKind, values: readonly string[]): Promise<Map<string, number>> {
    return this.#read(() => {
      const count = this.#prepare('SELECT COUNT(*) AS n FROM docs WHERE kind = ? AND idx = ?');
      return new Map(values.map((value) => [value, (count.get(kind, value) as { n: number }).n]));
    });
  }

  /** Through docs_by_status (kind, status, seq): only the documents of those statuses are read, then sorted. */
  listByStatus<K extends StatusIndexedKind>(kind: K, statuses: ReadonlyArray<CatalogKinds[K]['status']>): Promise<CatalogKinds[K][]> {
    return this.#read(() => {
      if (statuses.length === 0) return [];
      const marks = statuses.map(() => '?').join(', ');
      // Named: without statistics the planner would rather walk docs_by_seq (every session) than sort the few found.
      const rows = this.#prepare(`SELECT id, body FROM docs INDEXED BY docs_by_status WHERE kind = ? AND status IN (${marks}) ORDER BY seq`).all(kind, ...statuses) as Array<{ id: string; body: string }>;
      return rows.map((r) => readRecord(catalogSchema(kind), r.body, `${kind} ${r.id}`));
    });
  }

  /** Chunks through the docs_by_seq / docs_by_idx indexes past the position, in the page's order. */
  pageCatalog<K extends CatalogKind>(kind: K, query: CatalogPageQuery<K>): Promise<CatalogPage<K>> {
    const newest = query.order === 'newest';
    const clauses = ['kind = ?'];
    const base: string[] = [kind];
    if (query.where) {
      clauses.push('idx = ?');
      base.push(query.where.value);
    }
    const sql = (past: boolean): string =>
      `SELECT seq, id, body FROM docs WHERE ${clauses.join(' AND ')}${past ? (newest ? ' AND seq < ?' : ' AND seq > ?') : ''} ORDER BY seq ${newest ? 'DESC' : 'ASC'} LIMIT ?`;
    return fillCatalogPage(query, (after, count) =>
      this.#read(() => {
        const rows = (after === undefined ? this.#prepare(sql(false)).all(...base, count) : this.#prepare(sql(true)).all(...base, after, count)) as Array<{ seq: number; id: string; body: string }>;
        return rows.map((r) => ({ seq: r.seq, doc: readRecord(catalogSchema(kind), r.body, `${kind} ${r.id}`) }));
      }),
    );
  }

  putPin(event: PinEvent): Promise<void> {
    return this.#write({ op: 'putPin', event });
  }

  /** All of them or none: one write (its own savepoint) in the writer's group. */
  putPins(events: PinEvent[], { fence }: FencedWrite = {}): Promise<void> {
    if (fence && !this.#fenced(fence)) return Promise.reject(staleFence(fence));
    return this.#write({ op: 'putPins', events });
  }

  listPins(sessionId: string): Promise<PinEvent[]> {
    return this.#read(() => {
      const rows = this.#prepare('SELECT kind, pinned_at, body FROM pins WHERE session_id = ? ORDER BY pinned_at, kind').all(sessionId) as Array<{ kind: string; pinned_at: string; body: string }>;
      return rows.map((r) => readRecord(PinEventRecord, r.body, `pin ${sessionId}/${r.kind}/${r.pinned_at}`));
    });
  }

  apply(application: ApplicationRecord): Promise<{ application: ApplicationRecord; created: boolean }> {
    return this.#write({ op: 'apply', application });
  }

  getApplication(id: string): Promise<ApplicationRecord | undefined> {
    return this.#read(() => this.#application('id', id));
  }

  applicationByKey(keyHash: string): Promise<ApplicationRecord | undefined> {
    return this.#read(() => this.#application('key_hash', keyHash));
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
      const rows = this.#prepare(`SELECT seq, body FROM applications ${where} ORDER BY seq`).all(...args) as Array<{ seq: number; body: string }>;
      return rows.map((r) => readRecord(ApplicationRecordSchema, r.body, `application #${r.seq}`));
    });
  }

  /**
   * Newest first below `before`, through an index of the filter's columns: vacancy, employer,
   * session and status (migration 3) are columns, so a page narrowed only by them is read straight
   * from an index ending in seq, exact whatever lies between its rows. Dates and name or phone are
   * matched among at most PAGE_SCAN of those rows a page (on columns, but for the name): past them
   * the page ends early, with a `next` to go on from.
   */
  pageApplications(query: ApplicationPageQuery): Promise<ApplicationPage> {
    return this.#read(() => {
      const { vacancyId, employerId, sessionId, status, from, to, search, before, limit } = query;
      const scanned: string[] = [];
      const args: Array<string | number> = [];
      for (const [column, value] of [['vacancy_id', vacancyId], ['employer_id', employerId], ['session_id', sessionId], ['status', status]] as const) {
        if (!value) continue;
        scanned.push(`${column} = ?`);
        args.push(value);
      }
      if (before !== undefined) {
        scanned.push('seq < ?');
        args.push(before);
      }
      const where = scanned.length ? `WHERE ${scanned.join(' AND ')}` : '';
      if (!pageNarrowed({ ...query, status: undefined })) {
        const rows = this.#prepare(`SELECT seq, body FROM applications ${where} ORDER BY seq DESC LIMIT ?`).all(...args, limit + 1) as Array<{ seq: number; body: string }>;
        const page = rows.slice(0, limit);
        return { applications: page.map((r) => readRecord(ApplicationRecordSchema, r.body, `application #${r.seq}`)), next: rows.length > limit ? page.at(-1)!.seq : undefined };
      }
      const indexed = args.length;
      args.push(PAGE_SCAN);
      const matched: string[] = [];
      if (from) {
        matched.push('created_at >= ?');
        args.push(from);
      }
      if (to) {
        matched.push('created_at < ?');
        args.push(to);
      }
      if (search) {
        matched.push("(phone LIKE ? ESCAPE '\\' OR json_extract(body, '$.name') LIKE ? ESCAPE '\\')");
        args.push(likePattern(search), likePattern(search));
      }
      args.push(limit + 1);
      const sql =
        `WITH scanned AS (SELECT seq, phone, created_at, body FROM applications ${where} ORDER BY seq DESC LIMIT ?) ` +
        `SELECT seq, body, (SELECT min(seq) FROM scanned) AS floor, (SELECT count(*) FROM scanned) AS n FROM scanned ` +
        `WHERE ${matched.join(' AND ')} ORDER BY seq DESC LIMIT ?`;
      const rows = this.#prepare(sql).all(...args) as Array<{ seq: number; body: string; floor: number; n: number }>;
      const page = rows.slice(0, limit);
      const next = rows.length > limit ? page.at(-1)!.seq : rows[0] && rows[0].n >= PAGE_SCAN ? rows[0].floor : undefined;
      // With nothing matched, whether the scan was cut short needs asking on its own.
      const cut = rows.length === 0 ? this.#scanFloor(where, args.slice(0, indexed)) : undefined;
      return { applications: page.map((r) => readRecord(ApplicationRecordSchema, r.body, `application #${r.seq}`)), next: next ?? cut };
    });
  }

  /** The store's log by seq; one employer's through application_events_by_employer (employer_id, seq), no other employer's row read. */
  applicationChanges(after: string | undefined, limit: number, of?: { employerId: string }): Promise<ApplicationChanges> {
    return this.#read(() => {
      if (after === undefined) {
        // An employer's position is the last of its own events (its index): the others' do not move it.
        const { last } = (
          of
            ? this.#prepare('SELECT coalesce(max(seq), 0) AS last FROM application_events WHERE employer_id = ?').get(of.employerId)
            : this.#prepare('SELECT coalesce(max(seq), 0) AS last FROM application_events').get()
        ) as { last: number };
        return { ids: [], position: String(last), more: false };
      }
      const from = Number(changePosition('embedded', after));
      const rows = (
        of
          ? this.#prepare('SELECT seq, application_id AS id FROM application_events WHERE employer_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(of.employerId, from, limit)
          : this.#prepare('SELECT seq, application_id AS id FROM application_events WHERE seq > ? ORDER BY seq LIMIT ?').all(from, limit)
      ) as Array<{ seq: number; id: string }>;
      return { ids: latestOrder(rows.map((r) => r.id)), position: String(rows.at(-1)?.seq ?? from), more: rows.length === limit };
    });
  }

  /** The lowest position of a full scan (there is more below it), or undefined when the scan reached the end. */
  #scanFloor(where: string, args: Array<string | number>): number | undefined {
    const sql = `SELECT min(seq) AS floor, count(*) AS n FROM (SELECT seq FROM applications ${where} ORDER BY seq DESC LIMIT ?)`;
    const { floor, n } = this.#prepare(sql).get(...args, PAGE_SCAN) as { floor: number | null; n: number };
    return n >= PAGE_SCAN && floor !== null ? floor : undefined;
  }

  /**
   * Reads here, changes here, and asks the writer to store the result only if the stored record is
   * still the one read (compare and swap); a concurrent change makes it read and try again.
   */
  async updateApplication(id: string, change: (current: ApplicationRecord) => ApplicationRecord): Promise<ApplicationRecord> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const expected = await this.#read(() => this.#applicationBody('id', id));
      if (expected === undefined) throw new DomainError('NOT_FOUND', 'no such application');
      const next = change(readRecord(ApplicationRecordSchema, expected, `application ${id}`));
      const event: ApplicationEvent = { applicationId: id, type: 'status', at: next.history.at(-1)?.at ?? new Date().toISOString(), status: next.status };
      if ((await this.#write({ op: 'replaceApplication', id, expected, next, event })) === 'replaced') return next;
    }
    throw new DomainError('CONFLICT', 'the application kept changing; try again');
  }

  countVisit(sessionId: string, channel: ShareChannel): Promise<void> {
    return this.#write({ op: 'countVisit', sessionId, channel });
  }

  countViewer(sessionId: string, viewer: string): Promise<void> {
    return this.#write({ op: 'countViewer', sessionId, viewer });
  }

  /** Exact: COUNT(DISTINCT) over the sessions' rows, through the primary key. */
  uniqueViewers(sessionIds: readonly string[]): Promise<UniqueViewers> {
    return this.#read(() => {
      const ids = [...new Set(sessionIds)];
      const perSession = new Map(ids.map((id) => [id, 0]));
      let together = 0;
      if (ids.length > 0) {
        // A temporary list of the sessions, not an IN list per chunk: a viewer of two chunks' sessions is still one.
        const list = `(SELECT value FROM json_each(?))`;
        const rows = this.#prepare(`SELECT session_id, count(*) AS n FROM session_viewers WHERE session_id IN ${list} GROUP BY session_id`).all(JSON.stringify(ids)) as Array<{ session_id: string; n: unknown }>;
        for (const r of rows) perSession.set(r.session_id, readCount(r.n, `the viewers of session ${r.session_id}`));
        const all = this.#prepare(`SELECT count(DISTINCT viewer) AS n FROM session_viewers WHERE session_id IN ${list}`).get(JSON.stringify(ids)) as { n: unknown };
        together = readCount(all.n, 'the viewers of the sessions');
      }
      return { perSession, together, approximate: false };
    });
  }

  /** The kept tallies (application_counts), COUNT_CHUNK sessions a query through its primary key. */
  applicationCounts(sessionIds: readonly string[]): Promise<Map<string, ApplicationCounts>> {
    return this.#read(() => {
      const stored: StoredCount[] = [];
      for (const chunk of countChunks(sessionIds)) {
        const sql = `SELECT session_id, dimension, key, count FROM application_counts WHERE session_id IN (${chunk.map(() => '?').join(', ')})`;
        const rows = this.#prepare(sql).all(...chunk) as Array<{ session_id: string; dimension: string; key: string; count: unknown }>;
        for (const r of rows) {
          const where = `the tally ${r.dimension} of session ${r.session_id}`;
          stored.push({ sessionId: r.session_id, cell: readRecord(CountCellRecord, { dimension: r.dimension, key: r.key }, where), count: readCount(r.count, where) });
        }
      }
      return countsOf(sessionIds, stored);
    });
  }

  applicationEvents(applicationId?: string): Promise<ApplicationEvent[]> {
    return this.#read(() => {
      const rows = (
        applicationId
          ? this.#prepare('SELECT seq, body FROM application_events WHERE application_id = ? ORDER BY seq').all(applicationId)
          : this.#prepare('SELECT seq, body FROM application_events ORDER BY seq').all()
      ) as Array<{ seq: number; body: string }>;
      return rows.map((r) => readRecord(ApplicationEventRecord, r.body, `application event #${r.seq}`));
    });
  }

  putQuestion(question: StoredQuestion): Promise<void> {
    return this.#write({ op: 'putQuestion', question });
  }

  getQuestion(id: string): Promise<StoredQuestion | undefined> {
    return this.#read(() => {
      const row = this.#prepare('SELECT body, votes FROM questions WHERE id = ?').get(id) as { body: string; votes: unknown } | undefined;
      return row ? questionRow(row.body, row.votes, `question ${id}`) : undefined;
    });
  }

  voteQuestion(id: string, voter: string): Promise<VoteResult> {
    return this.#write({ op: 'voteQuestion', id, voter });
  }

  answerQuestion(id: string, answer: QuestionAnswer): Promise<StoredQuestion> {
    return this.#write({ op: 'answerQuestion', id, answer });
  }

  /** Through questions_by_session or questions_by_vacancy: in their order, read up to the limit and no further. */
  questionsOf(of: { sessionId: string } | { vacancyId: string }, state: QuestionState, limit: number): Promise<StoredQuestion[]> {
    return this.#read(() => {
      const [column, value] = 'sessionId' in of ? (['session_id', of.sessionId] as const) : (['vacancy_id', of.vacancyId] as const);
      const sql = `SELECT id, body, votes FROM questions WHERE ${column} = ? AND answered = ? ORDER BY votes DESC, asked_at, id LIMIT ?`;
      const rows = this.#prepare(sql).all(value, state === 'answered' ? 1 : 0, limit) as Array<{ id: string; body: string; votes: unknown }>;
      return rows.map((r) => questionRow(r.body, r.votes, `question ${r.id}`));
    });
  }

  faq(vacancyId: string, limit: number): Promise<StoredQuestion[]> {
    return this.questionsOf({ vacancyId }, 'answered', limit);
  }

  questionVoters(ids: readonly string[]): Promise<Map<string, string[]>> {
    return this.#read(() => {
      const voters = new Map<string, string[]>(ids.map((id) => [id, []]));
      for (const chunk of countChunks(ids)) {
        const sql = `SELECT question_id, voter FROM question_votes WHERE question_id IN (${chunk.map(() => '?').join(', ')})`;
        for (const r of this.#prepare(sql).all(...chunk) as Array<{ question_id: string; voter: string }>) voters.get(r.question_id)?.push(r.voter);
      }
      return voters;
    });
  }

  appendModeration(entry: ModerationEntry): Promise<void> {
    return this.#write({ op: 'appendModeration', entry });
  }

  listModeration(sessionId: string): Promise<ModerationEntry[]> {
    return this.#read(() => {
      const rows = this.#prepare('SELECT seq, body FROM moderation WHERE session_id = ? ORDER BY seq').all(sessionId) as Array<{ seq: number; body: string }>;
      return rows.map((r) => readRecord(ModerationRecord, r.body, `moderation #${r.seq}`));
    });
  }

  appendCaption(sessionId: string, { text, at }: { text: string; at: string }): Promise<Caption> {
    return this.#write({ op: 'appendCaption', sessionId, text, at });
  }

  listCaptions(sessionId: string, last?: number): Promise<Caption[]> {
    return this.#read(() => {
      const rows = (
        last === undefined
          ? this.#prepare('SELECT seq, text, at FROM captions WHERE session_id = ? ORDER BY seq').all(sessionId)
          : this.#prepare('SELECT seq, text, at FROM (SELECT seq, text, at FROM captions WHERE session_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq').all(sessionId, last)
      ) as object[];
      return rows.map((r) => readRecord(CaptionRecord, r, `caption of ${sessionId}`));
    });
  }

  /**
   * Readable, writable (the writer thread is up, and the data directory took a probe write), and not
   * stuck on a full disk: a write that failed for want of space is forgotten once a write is stored
   * or a probe that started after it has written (space was freed, with no write since).
   */
  async ping(): Promise<{ ok: boolean; detail: string; disk?: ProbeResult & { ageMs: number } }> {
    try {
      this.#prepare('SELECT 1').get();
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
    const disk = await this.#probe.check();
    const writer = this.#writer.health();
    const writerOk = writer.ok || (writer.diskFullSince !== undefined && disk.ok && disk.checkedAt > writer.diskFullSince);
    const diskDetail = disk.ok ? '' : `; the data directory cannot take a write (${disk.problem ?? 'io'}): ${disk.detail}`;
    return { ok: writerOk && disk.ok, detail: `sqlite ${this.#db.name}; ${writerOk && !writer.ok ? 'a probe wrote after the last write failed for want of space' : writer.detail}${diskDetail}`, disk };
  }

  async close(): Promise<void> {
    await this.#writer.close();
    if (this.#db.open) this.#db.close();
  }

  /**
   * One durable write. A write the disk refused is named by what the data directory says now (a probe
   * at most 100 ms old): SQLite reports a read-only file system as a plain I/O error.
   */
  #write<O extends WriteOp>(op: O): Promise<WriteResults[O['op']]> {
    return this.#writer.write(op).catch(async (error: unknown) => {
      if (!(error instanceof StoreError) || !['disk-full', 'read-only', 'io'].includes(error.reason)) throw error;
      const disk = await this.#probe.check(100).catch(() => undefined);
      if (!disk || disk.ok || !disk.problem) throw error;
      throw new StoreError(disk.problem, `the write was not stored: ${describeProblem(disk)}`);
    });
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

  #application(column: 'id' | 'key_hash', value: string): ApplicationRecord | undefined {
    const row = this.#prepare(`SELECT seq, body FROM applications WHERE ${column} = ?`).get(value) as { seq: number; body: string } | undefined;
    return row ? readRecord(ApplicationRecordSchema, row.body, `application #${row.seq}`) : undefined;
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

/** The problem in words a client may see: the errno, never the path. */
function describeProblem(disk: ProbeResult): string {
  const code = disk.code ?? 'no answer in time';
  if (disk.problem === 'disk-full') return `the data directory's disk is full (${code})`;
  if (disk.problem === 'read-only') return `the data directory is read-only (${code})`;
  return `the data directory fails to write (${code})`;
}
