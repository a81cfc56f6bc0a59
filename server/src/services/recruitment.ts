import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  APPLY_RECEIPT,
  CONSENT_VERSION,
  openFlags,
  type Application,
  type ApplyInput,
  type ApplyReceipt,
  type Campaign,
  type CampaignInput,
  type Employer,
  type EmployerInput,
  type LineupItem,
  type LiveSession,
  type LiveSessionInput,
  type PinEvent,
  type PinsNow,
  type PolicyCard,
  type PolicyInput,
  type SessionPatch,
  type SessionStatus,
  type Vacancy,
  type VacancyCard,
  type VacancyInput,
} from '@chunfeng/shared/recruitment';
import { hashKey, type ApplicationRecord } from '../domain/applications';
import { DomainError } from '../domain/errors';
import { PinBoard, type PinChange, type PinKind } from '../domain/pinBoard';
import type { RateLimiter } from '../domain/rateLimiter';
import { KeyedQueue } from '../domain/keyedQueue';
import { SessionCache } from '../domain/sessionCache';
import { screen } from '../domain/scamRules';
import type { StageFence } from '../cluster/stageLease';
import type { JobStore } from '../store/jobStore';
import type { FunnelCounter } from './funnelCounter';
import { ApplicationFollowUp } from './followUp';
import { SessionFunnels } from './funnels';
import { QuestionService } from './questions';

/** Who is asking: the bureau sees everything; an employer rep only their own employer's applicants. */
export type Actor = { kind: 'bureau'; id: string; name: string; role: 'admin' | 'staff' } | { kind: 'employer'; id: string; employerId: string };

export interface RecruitmentEvents {
  /** A pin, or a move to the next item of that kind (one change, one event). */
  pinned: [{ sessionId: string; kind: PinKind; item: VacancyCard | PolicyCard; pinnedAt: string; seq: number }];
  unpinned: [{ sessionId: string; kind: PinKind; itemId: string; unpinnedAt: string; seq: number }];
  /** What the public may see of a session or catalog item changed: its id (a session's, a vacancy's, an employer's, a policy's). */
  changed: [string];
  applicationCreated: [ApplicationRecord];
  applicationUpdated: [ApplicationRecord];
  /** A write fenced with this stage's epoch was refused: another node holds the session's stage now. */
  fenceRefused: [StageFence];
}

const newId = (): string => crypto.randomUUID();

/** Sessions whose pin board (and pinned cards) stay in memory at most, live or read after their end. */
export const SESSIONS_CACHED = 500;
/** Answered questions a vacancy's card carries as its FAQ at most (the most asked-for first). */
export const FAQ_SHOWN = 30;

/** The scam-guard rules a vacancy's own words break: flagged to the bureau, which verifies vacancies. */
function vacancyFlags(v: VacancyInput): string[] {
  return screen([v.title, v.hours, v.location, v.requirements, ...v.benefits, ...v.insurance].join('\n')).rules;
}

/**
 * The recruitment use cases: the bureau's catalog, live pinning, one-tap apply and the follow-up.
 * Validated input in, domain rules applied, the store written, and what happened announced as events
 * for the real-time layer.
 */
export class RecruitmentService extends EventEmitter<RecruitmentEvents> {
  readonly #store: JobStore;
  readonly #now: () => Date;
  /** Pins, unpins and the unpinning at the end of each session, one after another in the order asked. */
  readonly #pinWrites = new KeyedQueue();
  /**
   * Each session's pin board, let go when its stage closes here; boards of sessions read without a
   * stage (a public page of an ended session) are bounded, least recently used first out.
   */
  readonly #boards = new SessionCache<PinBoard>({ capacity: SESSIONS_CACHED, inUse: (id) => this.#pinWrites.pending(id) });
  /** What each session shows pinned now, as the cards were when pinned (built from the board after a restart). */
  readonly #pinsNow = new SessionCache<PinsNow>({ capacity: SESSIONS_CACHED, inUse: (id) => this.#pinWrites.pending(id) });
  /** Each session's status change still being written: later changes and reads wait for it. */
  readonly #statusWrites = new KeyedQueue();
  /** Viewers' questions, routed to the vacancy pinned when they were asked. */
  readonly questions: QuestionService;
  /** The live funnel of each open stage, counting only the session's own vacancies. */
  readonly funnels: SessionFunnels;
  /** Applications after they are stored: listing, status changes, the applicant's own view and withdrawal. */
  readonly followUp: ApplicationFollowUp;

  constructor({ store, now = () => new Date(), askLimiter, funnelCounter }: {
    store: JobStore;
    now?: () => Date;
    askLimiter: RateLimiter;
    /** Where the funnels count (Redis for several nodes); in this process without one. */
    funnelCounter?: FunnelCounter;
  }) {
    super();
    this.#store = store;
    this.#now = now;
    this.questions = new QuestionService({ store, now, askLimiter, pinHistory: async (sessionId) => (await this.#board(sessionId)).history() });
    this.followUp = new ApplicationFollowUp({ store, now, updated: (a) => this.emit('applicationUpdated', a) });
    this.funnels = new SessionFunnels({ now, vacanciesOf: (sessionId) => this.#sessionVacancies(sessionId), ...(funnelCounter ? { counter: funnelCounter } : {}) });
    // An answer joins its vacancy's card FAQ: a pinned card is read again when next asked for.
    this.questions.on('question', ({ change }) => {
      if (change === 'answered') this.#pinsNow.clear();
    });
  }

  get store(): JobStore {
    return this.#store;
  }

  #stamp(): string {
    return this.#now().toISOString();
  }

  // ── catalog ────────────────────────────────────────────────────────────────────────────────

  async createCampaign(input: CampaignInput): Promise<Campaign> {
    const campaign: Campaign = { ...input, id: newId() as Campaign['id'], createdAt: this.#stamp() };
    await this.#store.put('campaign', campaign);
    return campaign;
  }

  async createSession(input: LiveSessionInput, id: string = newId()): Promise<LiveSession> {
    await this.#require('campaign', input.campaignId);
    await this.#checkLineup(input.lineup);
    const session: LiveSession = { ...input, id, status: 'scheduled', createdAt: this.#stamp() };
    await this.#store.put('session', session);
    return session;
  }

  async setLineup(sessionId: string, lineup: LineupItem[]): Promise<LiveSession> {
    const session = await this.#require('session', sessionId);
    await this.#checkLineup(lineup);
    const next = { ...session, lineup };
    await this.#store.put('session', next);
    this.funnels.vacanciesChanged(sessionId);
    this.emit('changed', sessionId);
    return next;
  }

  async updateSession(sessionId: string, patch: SessionPatch): Promise<LiveSession> {
    const next = { ...(await this.#require('session', sessionId)), ...patch };
    await this.#store.put('session', next);
    this.emit('changed', sessionId);
    return next;
  }

  /**
   * Moves a registered session to `status` (an unknown id is left alone). Ended is final: nothing
   * moves a session out of it. With `from`, only a session in that status moves. Changes to one
   * session are written in the order they were asked for. With `fence` (the stage's lease epoch),
   * the write is refused with STAGE_ELSEWHERE, nothing changed, once another node holds the stage.
   */
  setSessionStatus(sessionId: string, status: SessionStatus, { from, fence }: { from?: SessionStatus; fence?: StageFence } = {}): Promise<void> {
    return this.#statusWrites.run(sessionId, async () => {
      const session = await this.#store.get('session', sessionId);
      if (!session || session.status === status || session.status === 'ended') return;
      if (from !== undefined && session.status !== from) return;
      await this.#fenced(fence, this.#store.put('session', { ...session, status }, fence ? { fence } : {}));
      this.emit('changed', sessionId);
      if (status === 'ended') await this.unpinAll(sessionId, { fence });
    });
  }

  /** A fenced write refused: said once as an event (the stage closes), and thrown on to the caller. */
  async #fenced<T>(fence: StageFence | undefined, write: Promise<T>): Promise<T> {
    try {
      return await write;
    } catch (error) {
      if (fence && error instanceof DomainError && error.code === 'STAGE_ELSEWHERE') this.emit('fenceRefused', fence);
      throw error;
    }
  }

  /** A registered session's status, after the changes asked for so far; undefined for an unknown id. */
  async sessionStatus(sessionId: string): Promise<SessionStatus | undefined> {
    await this.#statusWrites.settled(sessionId);
    return (await this.#store.get('session', sessionId))?.status;
  }

  /**
   * The session's stage closed here (or it ended elsewhere): its pin board, pinned cards and question
   * board are let go, after the status and pin writes asked for so far (the unpinning at its end).
   */
  async release(sessionId: string): Promise<void> {
    await this.#statusWrites.settled(sessionId);
    await this.#pinWrites.run(sessionId, () => {
      this.#boards.delete(sessionId);
      this.#pinsNow.delete(sessionId);
      return Promise.resolve();
    });
    await this.questions.release(sessionId);
  }

  /** What the service keeps per session now: pin boards, pinned cards, writes queued, question boards. */
  held(): { pinBoards: number; pinsNow: number; pinWrites: number; statusWrites: number; questionBoards: number } {
    return { pinBoards: this.#boards.size, pinsNow: this.#pinsNow.size, pinWrites: this.#pinWrites.size, statusWrites: this.#statusWrites.size, questionBoards: this.questions.held() };
  }

  /** Resolves once every status change asked for so far is written (before the store closes). */
  async statusWritten(): Promise<void> {
    await this.#statusWrites.settled();
  }

  async createEmployer(input: EmployerInput): Promise<Employer> {
    const employer: Employer = { ...input, id: newId() as Employer['id'], createdAt: this.#stamp() };
    await this.#store.put('employer', employer);
    return employer;
  }

  async updateEmployer(id: string, patch: Partial<EmployerInput>): Promise<Employer> {
    const next = { ...(await this.#require('employer', id)), ...patch };
    await this.#store.put('employer', next);
    this.#catalogChanged(id);
    return next;
  }

  async createVacancy(input: VacancyInput): Promise<Vacancy> {
    await this.#require('employer', input.employerId);
    const vacancy: Vacancy = { ...input, id: newId() as Vacancy['id'], createdAt: this.#stamp(), flags: vacancyFlags(input) };
    await this.#store.put('vacancy', vacancy);
    return vacancy;
  }

  async updateVacancy(id: string, input: VacancyInput): Promise<Vacancy> {
    const current = await this.#require('vacancy', id);
    await this.#require('employer', input.employerId);
    // A check covers the rules it saw: an edit that trips another rule holds the vacancy again.
    const next: Vacancy = { ...input, id: current.id, createdAt: current.createdAt, flags: vacancyFlags(input), ...(current.review ? { review: current.review } : {}) };
    await this.#store.put('vacancy', next);
    this.#catalogChanged(id);
    return next;
  }

  async createPolicy(input: PolicyInput): Promise<PolicyCard> {
    const policy: PolicyCard = { ...input, id: newId() as PolicyCard['id'], createdAt: this.#stamp() };
    await this.#store.put('policy', policy);
    return policy;
  }

  async updatePolicy(id: string, input: PolicyInput): Promise<PolicyCard> {
    const current = await this.#require('policy', id);
    const next: PolicyCard = { ...input, id: current.id, createdAt: current.createdAt };
    await this.#store.put('policy', next);
    this.#catalogChanged(id);
    return next;
  }

  /** The bureau has checked a flagged vacancy and found it genuine: job seekers may see it again. */
  async reviewVacancy(id: string, by: { name: string }): Promise<Vacancy> {
    const current = await this.#require('vacancy', id);
    const next: Vacancy = { ...current, review: { by: by.name, at: this.#stamp(), rules: current.flags ?? [] } };
    await this.#store.put('vacancy', next);
    this.#catalogChanged(id);
    return next;
  }

  /** A vacancy job seekers may see: not one held back for unchecked scam-guard flags. */
  async #openVacancy(vacancyId: string): Promise<Vacancy> {
    const vacancy = await this.#require('vacancy', vacancyId);
    if (openFlags(vacancy).length > 0) throw new DomainError('NOT_FOUND', 'this vacancy is waiting for the bureau to check it');
    return vacancy;
  }

  /** A vacancy with its employer's public facts and its FAQ: what a viewer's card shows. */
  async card(vacancyId: string): Promise<VacancyCard> {
    return this.#cardOf(await this.#openVacancy(vacancyId));
  }

  async #cardOf(vacancy: Vacancy): Promise<VacancyCard> {
    const e = await this.#require('employer', vacancy.employerId);
    const answered = await this.#store.faq(vacancy.id, FAQ_SHOWN);
    // The scam-guard flags and their check are for the bureau, not for the public card.
    const { flags: _flags, review: _review, ...publicFacts } = vacancy;
    return {
      ...publicFacts,
      employer: { id: e.id, name: e.name, industry: e.industry, district: e.district, verified: e.verified },
      faq: answered.map((q) => ({ question: q.text, answer: q.answer?.text ?? null, onStage: q.answer?.onStage ?? false })),
    };
  }

  /** What anyone may see of a session: its lineup as cards, and what is pinned now with its sequence number. */
  async publicSession(sessionId: string): Promise<{
    session: LiveSession;
    vacancies: VacancyCard[];
    policies: PolicyCard[];
    pinned: PinsNow;
  }> {
    const session = await this.#require('session', sessionId);
    // Vacancies held back for unchecked scam-guard flags are left out of the public lineup.
    const docs = await Promise.all(session.lineup.filter((i) => i.kind === 'vacancy').map((i) => this.#store.get('vacancy', i.id)));
    const shown = docs.filter((v): v is Vacancy => v !== undefined && openFlags(v).length === 0);
    const [vacancies, policies, pinned] = await Promise.all([
      Promise.all(shown.map((v) => this.#cardOf(v))),
      Promise.all(session.lineup.filter((i) => i.kind === 'policy').map((i) => this.#require('policy', i.id))),
      this.pinsNow(sessionId),
    ]);
    return { session, vacancies, policies, pinned };
  }

  // ── pinning ────────────────────────────────────────────────────────────────────────────────

  /**
   * Pins a vacancy or policy card in a live session (the caller checked that the host asks),
   * replacing what was pinned of that kind in one write and one event. Pins, unpins and the end of
   * the session are applied one after another per session; `open` says whether the stage is still
   * open when this pin's turn comes (a pin still in flight when the host ends is refused, never left
   * open in an ended session); `fence`, the stage's lease epoch (a stale one is refused, nothing stored).
   */
  pin(sessionId: string, kind: PinKind, itemId: string, { open = () => true, fence }: { open?: () => boolean; fence?: StageFence } = {}): Promise<{ pinnedAt: string; seq: number }> {
    return this.#pinWrites.run(sessionId, async () => {
      const item = kind === 'vacancy' ? await this.card(itemId) : await this.#require('policy', itemId);
      const session = await this.#store.get('session', sessionId);
      if (!open() || session?.status === 'ended') throw new DomainError('SESSION_ENDED', 'this session has ended');
      const board = await this.#board(sessionId);
      const change = board.pin(kind, itemId, this.#stamp());
      if (!change.pinned) return { pinnedAt: board.current(kind)?.pinnedAt ?? this.#stamp(), seq: change.seq };
      const pinned = change.pinned;
      await this.#persist(sessionId, [change.unpinned, pinned], fence);
      await this.#setPinsNow(sessionId, (now) => ({ ...now, seq: change.seq, [kind]: item }));
      if (kind === 'vacancy') this.funnels.vacanciesChanged(sessionId);
      this.emit('pinned', { sessionId, kind, item, pinnedAt: pinned.pinnedAt, seq: change.seq });
      this.emit('changed', sessionId);
      return { pinnedAt: pinned.pinnedAt, seq: change.seq };
    });
  }

  unpin(sessionId: string, kind: PinKind, { fence }: { fence?: StageFence } = {}): Promise<{ seq: number }> {
    return this.#pinWrites.run(sessionId, async () => {
      const change = (await this.#board(sessionId)).unpin(kind, this.#stamp());
      await this.#announceUnpins(sessionId, [change], fence);
      return { seq: change.seq };
    });
  }

  /** Closes every open pin of the session (it ended), after the pins asked for before. */
  unpinAll(sessionId: string, { fence }: { fence?: StageFence | undefined } = {}): Promise<void> {
    return this.#pinWrites.run(sessionId, async () => {
      const changes = (await this.#board(sessionId)).unpinAll(this.#stamp());
      if (changes.length > 0) await this.#announceUnpins(sessionId, changes, fence);
    });
  }

  /** What the session shows pinned now, with the pin board's sequence number. */
  pinsNow(sessionId: string): Promise<PinsNow> {
    return this.#pinsNow.load(sessionId, () =>
      this.#board(sessionId).then(async (board) => {
        const v = board.current('vacancy');
        const p = board.current('policy');
        return {
          seq: board.seq,
          vacancy: v ? await this.card(v.itemId).catch(() => null) : null,
          policy: p ? ((await this.#store.get('policy', p.itemId)) ?? null) : null,
        };
      }),
    );
  }

  async #announceUnpins(sessionId: string, changes: PinChange[], fence: StageFence | undefined): Promise<void> {
    await this.#persist(sessionId, changes.map((c) => c.unpinned), fence);
    const last = changes.at(-1)!.seq;
    await this.#setPinsNow(sessionId, (now) => ({ ...now, seq: last, ...Object.fromEntries(changes.map((c) => [c.unpinned!.kind, null])) }));
    for (const { unpinned, seq } of changes) {
      this.emit('unpinned', { sessionId, kind: unpinned!.kind, itemId: unpinned!.itemId, unpinnedAt: unpinned!.unpinnedAt ?? this.#stamp(), seq });
    }
    this.emit('changed', sessionId);
  }

  /** Writes one change's records together; if that fails, the board is read again from the store next time. */
  async #persist(sessionId: string, events: Array<PinEvent | undefined>, fence: StageFence | undefined): Promise<void> {
    try {
      await this.#fenced(fence, this.#store.putPins(events.filter((e): e is PinEvent => e !== undefined), fence ? { fence } : {}));
    } catch (err) {
      this.#boards.delete(sessionId);
      this.#pinsNow.delete(sessionId);
      throw err;
    }
  }

  async #setPinsNow(sessionId: string, next: (now: PinsNow) => PinsNow): Promise<void> {
    const now = await this.pinsNow(sessionId);
    this.#pinsNow.set(sessionId, Promise.resolve(next(now)));
  }

  /** A catalog item changed: the pinned cards are read again when next asked for (edits are rare, pins are not). */
  #catalogChanged(id: string): void {
    this.#pinsNow.clear();
    this.emit('changed', id);
  }

  #board(sessionId: string): Promise<PinBoard> {
    return this.#boards.load(sessionId, () => this.#store.listPins(sessionId).then((history) => new PinBoard(sessionId, history)));
  }

  // ── the funnel ─────────────────────────────────────────────────────────────────────────────

  /** The vacancies a session's funnel may count: its lineup's, and any it has pinned. */
  async #sessionVacancies(sessionId: string): Promise<ReadonlySet<string>> {
    const [session, board] = await Promise.all([this.#store.get('session', sessionId), this.#board(sessionId)]);
    const lineup = (session?.lineup ?? []).filter((i) => i.kind === 'vacancy').map((i) => i.id);
    const pinned = board.history().filter((e) => e.kind === 'vacancy').map((e) => e.itemId);
    return new Set([...lineup, ...pinned]);
  }

  // ── applications ───────────────────────────────────────────────────────────────────────────

  /**
   * Stores an application durably (or finds the one it repeats) before anything is acknowledged. The
   * answer is the same whatever was stored before: a repeat under another key for a phone that
   * already applied leaves a receipt for that key (a write, as a new application is) and learns
   * nothing of the stored application.
   */
  async apply(input: ApplyInput, { deviceId = null, keyHash = hashKey(input.idempotencyKey) }: {
    deviceId?: string | null;
    /** hashKey(input.idempotencyKey), when the caller has it already. */
    keyHash?: string;
  } = {}): Promise<ApplyReceipt> {
    // Side by side: on Redis each read is a round trip.
    const [vacancy, session] = await Promise.all([
      this.#openVacancy(input.vacancyId),
      input.sessionId === undefined ? undefined : this.#store.get('session', input.sessionId),
    ]);
    if (input.sessionId !== undefined) {
      if (!session) throw new DomainError('NOT_FOUND', 'no such session');
      if (!session.lineup.some((item) => item.kind === 'vacancy' && item.id === vacancy.id)) {
        throw new DomainError('VALIDATION', 'that vacancy is not in this session');
      }
    }
    if (input.consent.version !== CONSENT_VERSION) {
      throw new DomainError('VALIDATION', 'the consent text has changed; please read and accept it again');
    }
    const at = this.#stamp();
    const application: ApplicationRecord = {
      id: newId() as Application['id'],
      vacancyId: vacancy.id,
      employerId: vacancy.employerId,
      sessionId: input.sessionId ?? null,
      name: input.name,
      phone: input.phone,
      targetGroup: input.targetGroup ?? null,
      consent: { version: input.consent.version, at },
      source: input.source,
      ...(input.channel === undefined ? {} : { channel: input.channel }),
      keyHash,
      deviceId,
      status: 'new',
      history: [{ status: 'new', at, by: 'applicant', note: '' }],
      createdAt: at,
    };
    const { application: stored, created } = await this.#store.apply(application);
    if (created) {
      this.emit('applicationCreated', stored);
      if (stored.sessionId) void this.funnels.countApplied(stored.sessionId, stored.vacancyId);
    } else if (stored.keyHash !== application.keyHash && !(await this.#store.get('receipt', application.keyHash))) {
      await this.#store.put('receipt', { id: application.keyHash, receiptId: newId(), vacancyId: vacancy.id, status: 'new', createdAt: at });
    }
    return APPLY_RECEIPT;
  }

  async #checkLineup(lineup: LineupItem[]): Promise<void> {
    for (const item of lineup) await this.#require(item.kind, item.id);
  }

  async #require<K extends 'campaign' | 'session' | 'employer' | 'vacancy' | 'policy'>(kind: K, id: string) {
    const doc = await this.#store.get(kind, id);
    if (!doc) throw new DomainError('NOT_FOUND', `no such ${kind}`);
    return doc;
  }
}
