import type { ApplicationId } from '@chunfeng/shared/ids';
import type {
  Campaign,
  Employer,
  LiveSession,
  PinEvent,
  PolicyCard,
  ShareChannel,
  Vacancy,
} from '@chunfeng/shared/recruitment';
import type { Invite } from '@chunfeng/shared/admin';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import type { Caption } from '@chunfeng/shared/stage';
import type { ViewerSample } from '@chunfeng/shared/statistics';
import type { ApplicationReceipt, ApplicationRecord } from '../domain/applications';
import type { ApplicationCounts } from '../domain/statistics';
import { DomainError } from '../domain/errors';
import type { QuestionAnswer, StoredQuestion } from '../domain/questions';
import type { PhoneCode } from '../services/phoneVerification';
import type { StageFence } from '../cluster/stageLease';

export interface StaffAccount {
  id: string;
  username: string;
  displayName: string;
  /** scrypt hash, see auth/passwords.ts. */
  passwordHash: string;
  role: 'admin' | 'staff';
  createdAt: string;
  /** Removed by an admin: cannot sign in; kept so the history of who did what stays readable. */
  disabled?: boolean;
}

/** An invite link's record; `holder` (server only) is who a single-use link is bound to, as a salted hash. */
export type StoredInvite = Invite & { holder?: string };

/** A bureau sign-in: the session record its cookie token names (id = the token's jti), checked on every use. */
export interface SignIn {
  id: string;
  staffId: string;
  createdAt: string;
  expiresAt: string;
  /** Signed out (or ended by an admin): the token stops working everywhere at once. */
  revokedAt: string | null;
}

/** A live session's audience over time; its id is the session's. */
export interface ViewerSeries {
  id: string;
  samples: ViewerSample[];
}

/** The documents the bureau manages, by kind. */
export interface CatalogKinds {
  campaign: Campaign;
  session: LiveSession;
  employer: Employer;
  vacancy: Vacancy;
  policy: PolicyCard;
  staff: StaffAccount;
  viewers: ViewerSeries;
  invite: StoredInvite;
  /** A repeat apply under another key, by its key hash (see ApplicationReceipt). */
  receipt: ApplicationReceipt;
  /** A one-time apply code sent to a phone, by a keyed hash of the phone. */
  phoneCode: PhoneCode;
  signin: SignIn;
}
export type CatalogKind = keyof CatalogKinds;

/** The one secondary index each kind keeps (documents listed by that field). */
export const catalogIndex: { [K in CatalogKind]?: keyof CatalogKinds[K] & string } = {
  session: 'campaignId',
  vacancy: 'employerId',
  staff: 'username',
  signin: 'staffId',
};

/**
 * Kinds also indexed by their status, for the reads that want only a few statuses of a kind that
 * grows without bound (the reconciler wants the live sessions among a province's thousands).
 */
export const statusIndexed = { session: true } as const satisfies { [K in CatalogKind]?: true };
export type StatusIndexedKind = keyof typeof statusIndexed;

export interface ApplicationFilter {
  vacancyId?: string;
  employerId?: string;
  sessionId?: string;
}

/** One page of applications, newest first, narrowed further than ApplicationFilter. */
export interface ApplicationPageQuery extends ApplicationFilter {
  status?: ApplicationRecord['status'];
  /** Created at or after this instant (ISO 8601, as `createdAt` is stored). */
  from?: string;
  /** Created before this instant. */
  to?: string;
  /** A fragment of the applicant's name or phone (matched as written, any case for Latin letters). */
  search?: string;
  /** Only applications stored before this position: the `next` of the page before. */
  before?: number;
  limit: number;
}

export interface ApplicationPage {
  applications: ApplicationRecord[];
  /**
   * Where the next page starts, or undefined at the end. A page narrowed by dates or search (and by
   * status on Redis) may hold fewer than `limit` and still have a next one: each page reads a bounded
   * number of applications, so no request scans a whole province. The embedded store keeps status
   * in an indexed column: a page narrowed only by it is full unless it is the last.
   */
  next: number | undefined;
}

/** One page of a catalog kind in creation order (keyset on the store's creation sequence). */
export interface CatalogPageQuery<K extends CatalogKind> {
  /** Only documents whose indexed field (see catalogIndex) equals this value. */
  where?: { value: string };
  /** Only documents past this position: the `next` of the page before. */
  after?: number;
  /** `oldest` first (the default) or `newest` first. */
  order?: 'oldest' | 'newest';
  /**
   * What only the document holds (a name fragment, a status), matched among at most CATALOG_SCAN
   * documents a page: past them the page ends early, with a `next` to go on from.
   */
  match?: (doc: CatalogKinds[K]) => boolean;
  limit: number;
}

export interface CatalogPage<K extends CatalogKind> {
  docs: Array<CatalogKinds[K]>;
  /** Where the next page starts, or undefined at the end (a matched page may be short and still have one). */
  next: number | undefined;
}

/** What changed after a position in the store's change log (applications created or moved). */
export interface ApplicationChanges {
  /** The applications changed, each once, in the order of their latest change. */
  ids: string[];
  /** The position of the last change read: ask again from here. */
  position: string;
  /** Whether more changes follow (the limit was reached). */
  more: boolean;
}

/** Which of a session's (or vacancy's) questions: waiting for an answer, or answered. */
export type QuestionState = 'open' | 'answered';

/** What a vote did: the question's count after it, and whether this voter's vote was new. */
export interface VoteResult {
  votes: number;
  counted: boolean;
}

/**
 * A write about a session's stage made by the node holding it: stored only while the session's lease
 * still carries the fence's epoch, else refused with STAGE_ELSEWHERE and nothing written (atomically
 * on Redis; on the embedded store, one process holds every lease and checks it before the write).
 */
export interface FencedWrite {
  fence?: StageFence;
}

export interface ApplicationEvent {
  applicationId: string;
  type: 'created' | 'status';
  at: string;
  status: ApplicationRecord['status'];
}

/**
 * The job store: the bureau's catalog and every application. Two implementations (embedded SQLite,
 * Redis) pass one contract suite. Every write has reached durable storage when its promise resolves.
 */
/** What uniqueViewers answers. */
export interface UniqueViewers {
  perSession: Map<string, number>;
  together: number;
  approximate: boolean;
}

export interface JobStore {
  readonly kind: 'embedded' | 'redis';

  put<K extends CatalogKind>(kind: K, doc: CatalogKinds[K], options?: FencedWrite): Promise<void>;
  get<K extends CatalogKind>(kind: K, id: string): Promise<CatalogKinds[K] | undefined>;
  /** All of a kind in creation order, or those whose indexed field equals `value`. */
  list<K extends CatalogKind>(kind: K, where?: { value: string }): Promise<CatalogKinds[K][]>;
  /**
   * One page of a kind (or of those whose indexed field equals `where.value`) in creation order,
   * keyset on the creation sequence: documents created between two pages do not shift the next one
   * (oldest first: they come at the end; newest first: they are not in later pages). Bounded reads.
   */
  pageCatalog<K extends CatalogKind>(kind: K, query: CatalogPageQuery<K>): Promise<CatalogPage<K>>;

  /**
   * How many documents of a kind have each of these values in their indexed field (see catalogIndex:
   * a campaign's sessions, an employer's vacancies), counted from the index alone. Every value asked
   * is in the answer (0 when none).
   */
  countIndexed(kind: CatalogKind, values: readonly string[]): Promise<Map<string, number>>;

  /**
   * The documents of a status-indexed kind whose status is one of `statuses`, in creation order, read
   * through the status index alone (no other document is read).
   */
  listByStatus<K extends StatusIndexedKind>(kind: K, statuses: ReadonlyArray<CatalogKinds[K]['status']>): Promise<CatalogKinds[K][]>;

  /** Saves a pin or its later unpin (same session, kind and pinnedAt). */
  putPin(event: PinEvent): Promise<void>;
  /** Saves several pin records at once, all or none (moving to the next vacancy closes one pin and opens another). */
  putPins(events: PinEvent[], options?: FencedWrite): Promise<void>;
  listPins(sessionId: string): Promise<PinEvent[]>;

  /**
   * Stores a new application unless one exists with the same key hash, or one not withdrawn for the
   * same vacancy and phone: then that one is returned with created = false. Atomic under concurrency.
   */
  apply(application: ApplicationRecord): Promise<{ application: ApplicationRecord; created: boolean }>;
  getApplication(id: ApplicationId | string): Promise<ApplicationRecord | undefined>;
  /** The application stored under this key hash, if any. */
  applicationByKey(keyHash: string): Promise<ApplicationRecord | undefined>;
  /** Whether a tap under this key hash was answered: an application or a receipt holds it (one read). */
  keyAnswered(keyHash: string): Promise<boolean>;
  listApplications(filter: ApplicationFilter): Promise<ApplicationRecord[]>;
  /** One page of applications, newest first (keyset: stable while new ones arrive). */
  pageApplications(query: ApplicationPageQuery): Promise<ApplicationPage>;
  /**
   * The applications created or changed after `after` (a `position` this store returned), at most
   * `limit` changes read; without `after`, none and the position now, to ask from later. Narrowed to
   * one employer's applications, only that employer's changes are read (from its own log, kept in the
   * same write as the store's): the answer, its position and `more` say nothing of other employers'.
   */
  applicationChanges(after: string | undefined, limit: number, of?: { employerId: string }): Promise<ApplicationChanges>;
  /** Read-modify-write of one application, safe against concurrent updates. */
  updateApplication(id: string, change: (current: ApplicationRecord) => ApplicationRecord): Promise<ApplicationRecord>;
  /**
   * Each session's tallies of its applications (total, per vacancy, target group, source and current
   * status; withdrawn ones included), kept by the store in the same atomic write as each application
   * and status change, so no application is read. Every id asked for is in the answer (all zero
   * when it has none). Applications made outside a session are in no session's tallies.
   */
  applicationCounts(sessionIds: readonly string[]): Promise<Map<string, ApplicationCounts>>;
  /**
   * Counts one viewer who opened a session's viewer page through a share link of `channel`, in the
   * session's tallies (read back by applicationCounts as its `visits`): one increment, no record.
   */
  countVisit(sessionId: string, channel: ShareChannel): Promise<void>;
  /**
   * Records that `viewer` (an opaque per-browser id, see viewerKey; never a phone, name or address)
   * watched the session. Recording the same viewer again changes nothing.
   */
  countViewer(sessionId: string, viewer: string): Promise<void>;
  /**
   * Distinct viewers of each session and of all of them together (a viewer of two sessions is one).
   * Exact on the embedded store; on Redis a HyperLogLog's estimate (standard error 0.81%), and
   * `approximate` says so.
   */
  uniqueViewers(sessionIds: readonly string[]): Promise<UniqueViewers>;
  /** The append-only log of what happened to applications, oldest first. */
  applicationEvents(applicationId?: string): Promise<ApplicationEvent[]>;

  /** Stores a new question (no votes, not answered); a second put of the same id changes nothing. */
  putQuestion(question: StoredQuestion): Promise<void>;
  getQuestion(id: string): Promise<StoredQuestion | undefined>;
  /**
   * One voter's vote, counted once however often it is sent and from however many nodes, in one
   * atomic step that never rewrites the question: NOT_FOUND for no such question, CONFLICT for the
   * asker's own.
   */
  voteQuestion(id: string, voter: string): Promise<VoteResult>;
  /** Answers (or answers again) a question: it leaves the open queues for the answered ones. NOT_FOUND if none. */
  answerQuestion(id: string, answer: QuestionAnswer): Promise<StoredQuestion>;
  /**
   * A session's or a vacancy's questions in one state, in queue order (most votes first, then the
   * longest waiting), at most `limit`, read through an index of that session or vacancy alone.
   */
  questionsOf(of: { sessionId: string } | { vacancyId: string }, state: QuestionState, limit: number): Promise<StoredQuestion[]>;
  /** A vacancy's answered questions, most asked-for first, at most `limit`: its FAQ. */
  faq(vacancyId: string, limit: number): Promise<StoredQuestion[]>;
  /** Who voted for each of these questions (every id in the answer). */
  questionVoters(ids: readonly string[]): Promise<Map<string, string[]>>;

  /** Appends one moderation action (ban, mute, slow mode, delete, approve) to its session's log. */
  appendModeration(entry: ModerationEntry): Promise<void>;
  /** A session's moderation log, oldest first: its bans, mutes and slow mode are rebuilt from it. */
  listModeration(sessionId: string): Promise<ModerationEntry[]>;

  /**
   * Appends a caption line to its session's captions, numbered after the last one stored (whichever
   * node's stage sent it), and returns it with that number. Atomic under concurrency.
   */
  appendCaption(sessionId: string, line: { text: string; at: string }): Promise<Caption>;
  /** A session's captions in order, or only the last `last` of them. */
  listCaptions(sessionId: string, last?: number): Promise<Caption[]>;

  ping(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
}

/** What a fenced write whose lease moved on is refused with. */
export function staleFence(fence: StageFence): DomainError {
  return new DomainError('STAGE_ELSEWHERE', `session ${fence.sessionId}: this node no longer holds its stage (epoch ${fence.epoch ?? 'none'})`);
}

/** The status a document is indexed by, if its kind is status-indexed (see statusIndexed). */
export function statusValue<K extends CatalogKind>(kind: K, doc: CatalogKinds[K]): string | undefined {
  return kind in statusIndexed ? String((doc as unknown as { status: unknown }).status) : undefined;
}

/** The value of a document's indexed field, if its kind has an index. */
export function indexValue<K extends CatalogKind>(kind: K, doc: CatalogKinds[K]): string | undefined {
  const field = catalogIndex[kind];
  return field ? String((doc as unknown as Record<string, unknown>)[field]) : undefined;
}
