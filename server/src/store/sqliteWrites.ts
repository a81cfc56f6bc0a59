import type Database from 'better-sqlite3';
import type { ErrorCode } from '@chunfeng/shared/errors';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import type { PinEvent, ShareChannel } from '@chunfeng/shared/recruitment';
import type { Caption } from '@chunfeng/shared/stage';
import type { ApplicationRecord } from '../domain/applications';
import type { QuestionAnswer, StoredQuestion } from '../domain/questions';
import { DomainError } from '../domain/errors';
import { countChanges } from '../domain/statistics';
import { indexValue, statusValue, type ApplicationEvent, type CatalogKind, type CatalogKinds, type VoteResult } from './jobStore';
import { ApplicationRecordSchema, questionRow, readRecord } from './recordSchemas';
import { StoreError, storeErrorFromSqlite, type StoreFailure } from './storeError';

/** Every durable write of the embedded store, as plain data that can cross to the writer thread. */
export type WriteOp =
  | { op: 'put'; kind: CatalogKind; doc: CatalogKinds[CatalogKind] }
  | { op: 'putPin'; event: PinEvent }
  | { op: 'putPins'; events: PinEvent[] }
  | { op: 'apply'; application: ApplicationRecord }
  /** Replaces an application only if its stored body is still `expected` (the caller's read). */
  | { op: 'replaceApplication'; id: string; expected: string; next: ApplicationRecord; event: ApplicationEvent }
  | { op: 'putQuestion'; question: StoredQuestion }
  | { op: 'voteQuestion'; id: string; voter: string }
  | { op: 'answerQuestion'; id: string; answer: QuestionAnswer }
  | { op: 'appendModeration'; entry: ModerationEntry }
  | { op: 'appendCaption'; sessionId: string; text: string; at: string }
  | { op: 'countVisit'; sessionId: string; channel: ShareChannel }
  | { op: 'countViewer'; sessionId: string; viewer: string };

export interface WriteResults {
  put: undefined;
  putPin: undefined;
  putPins: undefined;
  apply: { application: ApplicationRecord; created: boolean };
  replaceApplication: 'replaced' | 'stale';
  putQuestion: undefined;
  voteQuestion: VoteResult;
  answerQuestion: StoredQuestion;
  appendModeration: undefined;
  appendCaption: Caption;
  countVisit: undefined;
  countViewer: undefined;
}
export type WriteResult = WriteResults[WriteOp['op']];

/** How one write ended, as plain data: committed with its result, or failed with a typed error. */
export type WriteOutcome =
  | { ok: true; value: WriteResult }
  | { ok: false; error: { kind: 'store'; reason: StoreFailure; message: string } | { kind: 'domain'; code: ErrorCode; message: string } | { kind: 'other'; message: string } };

/** Describes a failure so it can cross threads and be rebuilt as the same typed error. */
export function failure(error: unknown): Extract<WriteOutcome, { ok: false }> {
  const store = storeErrorFromSqlite(error);
  if (store) return { ok: false, error: { kind: 'store', reason: store.reason, message: (error as Error).message } };
  // A file that could not be opened is already a StoreError: it crosses the thread as one.
  if (error instanceof StoreError) return { ok: false, error: { kind: 'store', reason: error.reason, message: error.detail } };
  if (error instanceof DomainError) return { ok: false, error: { kind: 'domain', code: error.code, message: error.message } };
  return { ok: false, error: { kind: 'other', message: error instanceof Error ? error.message : String(error) } };
}

/** Largest group committed in one transaction, so one commit never holds many callers for long. */
const MAX_GROUP = 512;

/**
 * The embedded store's writes on the connection that owns them (the writer thread's). `commitGroup`
 * runs writes that arrived together in one transaction, each inside its own savepoint so one
 * failing write does not undo the others, and reports every outcome only once the commit (and its
 * fsync, synchronous=FULL) has returned.
 */
export class SqliteWrites {
  readonly #db: Database.Database;
  #seq: number;
  readonly #statements;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#seq = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM docs').get() as { s: number }).s;
    this.#statements = {
      docSeq: db.prepare('SELECT seq FROM docs WHERE kind = ? AND id = ?'),
      putDoc: db.prepare(
        'INSERT INTO docs (kind, id, idx, status, seq, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET idx = excluded.idx, status = excluded.status, body = excluded.body',
      ),
      putPin: db.prepare('INSERT INTO pins (session_id, kind, pinned_at, body) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET body = excluded.body'),
      existing: db.prepare('SELECT seq, body FROM applications WHERE key_hash = ? OR (vacancy_id = ? AND phone = ? AND withdrawn = 0) LIMIT 1'),
      insertApplication: db.prepare(
        'INSERT INTO applications (id, key_hash, vacancy_id, phone, employer_id, session_id, withdrawn, status, created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      // The status column moves with the body (created_at never changes).
      replaceApplication: db.prepare('UPDATE applications SET body = ?, withdrawn = ?, status = ? WHERE id = ? AND body = ?'),
      event: db.prepare('INSERT INTO application_events (application_id, employer_id, body) VALUES (?, ?, ?)'),
      viewer: db.prepare('INSERT OR IGNORE INTO session_viewers (session_id, viewer) VALUES (?, ?)'),
      count: db.prepare(
        'INSERT INTO application_counts (session_id, dimension, key, count) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count',
      ),
      // The record without its votes: they are counted in the votes column alone.
      putQuestion: db.prepare('INSERT INTO questions (id, session_id, vacancy_id, asked_at, answered, votes, body) VALUES (?, ?, ?, ?, 0, 0, ?) ON CONFLICT (id) DO NOTHING'),
      question: db.prepare('SELECT body, votes FROM questions WHERE id = ?'),
      vote: db.prepare('INSERT INTO question_votes (question_id, voter) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      countVote: db.prepare('UPDATE questions SET votes = votes + 1 WHERE id = ? RETURNING votes'),
      answerQuestion: db.prepare('UPDATE questions SET body = ?, answered = 1 WHERE id = ?'),
      moderation: db.prepare('INSERT INTO moderation (session_id, body) VALUES (?, ?)'),
      caption: db.prepare('INSERT INTO captions (session_id, seq, text, at) SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ? FROM captions WHERE session_id = ? RETURNING seq'),
    };
  }

  /** Runs the writes in order, in as few transactions as fit; outcomes in the same order. */
  commitGroup(ops: readonly WriteOp[]): WriteOutcome[] {
    const outcomes: WriteOutcome[] = [];
    for (let start = 0; start < ops.length; start += MAX_GROUP) outcomes.push(...this.#commit(ops.slice(start, start + MAX_GROUP)));
    return outcomes;
  }

  #commit(ops: readonly WriteOp[]): WriteOutcome[] {
    const db = this.#db;
    const outcomes: WriteOutcome[] = [];
    // The first write of the open transaction: if SQLite rolls the whole transaction back (disk
    // full, I/O error), every write since then is lost and must be reported as failed.
    let first = 0;
    const begin = (at: number): boolean => {
      first = at;
      try {
        db.exec('BEGIN IMMEDIATE');
        return true;
      } catch (error) {
        for (let i = at; i < ops.length; i += 1) outcomes[i] = failure(error);
        return false;
      }
    };
    if (!begin(0)) return outcomes;
    for (const [i, op] of ops.entries()) {
      try {
        db.exec('SAVEPOINT one');
        outcomes[i] = { ok: true, value: this.#run(op) };
        db.exec('RELEASE one');
      } catch (error) {
        if (db.inTransaction) {
          db.exec('ROLLBACK TO one');
          db.exec('RELEASE one');
          outcomes[i] = failure(error);
        } else {
          for (let j = first; j <= i; j += 1) outcomes[j] = failure(error);
          if (!begin(i + 1)) return outcomes;
        }
      }
    }
    try {
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      for (let j = first; j < ops.length; j += 1) outcomes[j] = failure(error);
    }
    return outcomes;
  }

  #run(op: WriteOp): WriteResult {
    const s = this.#statements;
    switch (op.op) {
      case 'put': {
        const existing = s.docSeq.get(op.kind, op.doc.id) as { seq: number } | undefined;
        s.putDoc.run(op.kind, op.doc.id, indexValue(op.kind, op.doc) ?? null, statusValue(op.kind, op.doc) ?? null, existing?.seq ?? ++this.#seq, JSON.stringify(op.doc));
        return undefined;
      }
      case 'putPin':
        s.putPin.run(op.event.sessionId, op.event.kind, op.event.pinnedAt, JSON.stringify(op.event));
        return undefined;
      case 'putPins':
        for (const e of op.events) s.putPin.run(e.sessionId, e.kind, e.pinnedAt, JSON.stringify(e));
        return undefined;
      case 'apply': {
        const a = op.application;
        const existing = s.existing.get(a.keyHash, a.vacancyId, a.phone) as { seq: number; body: string } | undefined;
        if (existing) return { application: readRecord(ApplicationRecordSchema, existing.body, `application #${existing.seq}`), created: false };
        s.insertApplication.run(a.id, a.keyHash, a.vacancyId, a.phone, a.employerId, a.sessionId, a.status === 'withdrawn' ? 1 : 0, a.status, a.createdAt, JSON.stringify(a));
        this.#event({ applicationId: a.id, type: 'created', at: a.createdAt, status: a.status }, a.employerId);
        this.#count(undefined, a);
        return { application: a, created: true };
      }
      case 'replaceApplication': {
        const changed = s.replaceApplication.run(JSON.stringify(op.next), op.next.status === 'withdrawn' ? 1 : 0, op.next.status, op.id, op.expected).changes;
        if (changed === 0) return 'stale';
        this.#event(op.event, op.next.employerId);
        // The stored body was `expected` (the update matched it): its tallies are the ones to move.
        this.#count(readRecord(ApplicationRecordSchema, op.expected, `application ${op.id}`), op.next);
        return 'replaced';
      }
      case 'putQuestion': {
        const { votes: _votes, ...q } = op.question;
        s.putQuestion.run(q.id, q.sessionId, q.vacancyId, q.askedAt, JSON.stringify(q));
        return undefined;
      }
      case 'voteQuestion': {
        const question = this.#question(op.id);
        if (question.askedBy === op.voter) throw new DomainError('CONFLICT', 'you cannot vote for your own question');
        if (s.vote.run(op.id, op.voter).changes === 0) return { votes: question.votes, counted: false };
        const { votes } = s.countVote.get(op.id) as { votes: number };
        return { votes, counted: true };
      }
      case 'answerQuestion': {
        const { votes, ...q } = { ...this.#question(op.id), answer: op.answer };
        s.answerQuestion.run(JSON.stringify(q), op.id);
        return { ...q, votes };
      }
      case 'appendModeration':
        s.moderation.run(op.entry.sessionId, JSON.stringify(op.entry));
        return undefined;
      case 'appendCaption': {
        const { seq } = s.caption.get(op.sessionId, op.text, op.at, op.sessionId) as { seq: number };
        return { seq, text: op.text, at: op.at };
      }
      case 'countVisit':
        s.count.run(op.sessionId, 'visit', op.channel, 1);
        return undefined;
      case 'countViewer':
        s.viewer.run(op.sessionId, op.viewer);
        return undefined;
    }
  }

  #question(id: string): StoredQuestion {
    const row = this.#statements.question.get(id) as { body: string; votes: unknown } | undefined;
    if (!row) throw new DomainError('NOT_FOUND', 'no such question');
    return questionRow(row.body, row.votes, `question ${id}`);
  }

  /** An event in the store's log, under the employer of its application (that employer's change feed reads it by employer_id). */
  #event(event: ApplicationEvent, employerId: string): void {
    this.#statements.event.run(event.applicationId, employerId, JSON.stringify(event));
  }

  /** The session tallies moved from `before` to `after`, in the write's own savepoint. */
  #count(before: ApplicationRecord | undefined, after: ApplicationRecord): void {
    for (const c of countChanges(before, after)) this.#statements.count.run(c.sessionId, c.dimension, c.key, c.delta);
  }
}
