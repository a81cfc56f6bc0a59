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
  type MyApplicationView,
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
import { applicantView, followUpView, hashKey, keyMatches, moveApplication, type ApplicationRecord } from '../domain/applications';
import { DomainError } from '../domain/errors';
import { PinBoard, type PinChange, type PinKind } from '../domain/pinBoard';
import type { RateLimiter } from '../domain/rateLimiter';
import { KeyedQueue } from '../domain/keyedQueue';
import { byVotesThenAge } from '../domain/questions';
import { screen } from '../domain/scamRules';
import type { ApplicationFilter, JobStore } from '../store/jobStore';
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
}

const newId = (): string => crypto.randomUUID();

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
  readonly #boards = new Map<string, Promise<PinBoard>>();
  /** Pins, unpins and the unpinning at the end of each session, one after another in the order asked. */
  readonly #pinWrites = new KeyedQueue();
  /** What each session shows pinned now, as the cards were when pinned (built from the board after a restart). */
  readonly #pinsNow = new Map<string, Promise<PinsNow>>();
  /** Each session's status change still being written: later changes and reads wait for it. */
  readonly #statusWrites = new KeyedQueue();
  /** Viewers' questions, routed to the vacancy pinned when they were asked. */
  readonly questions: QuestionService;
  /** The live funnel of each open stage, counting only the session's own vacancies. */
  readonly funnels: SessionFunnels;

  constructor({ store, now = () => new Date(), askLimiter }: { store: JobStore; now?: () => Date; askLimiter: RateLimiter }) {
    super();
    this.#store = store;
    this.#now = now;
    this.questions = new QuestionService({ store, now, askLimiter, pinHistory: async (sessionId) => (await this.#board(sessionId)).history() });
    this.funnels = new SessionFunnels({ now, vacanciesOf: (sessionId) => this.#sessionVacancies(sessionId) });
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
   * session are written in the order they were asked for.
   */
  setSessionStatus(sessionId: string, status: SessionStatus, { from }: { from?: SessionStatus } = {}): Promise<void> {
    return this.#statusWrites.run(sessionId, async () => {
      const session = await this.#store.get('session', sessionId);
      if (!session || session.status === status || session.status === 'ended') return;
      if (from !== undefined && session.status !== from) return;
      await this.#store.put('session', { ...session, status });
      this.emit('changed', sessionId);
      if (status === 'ended') await this.unpinAll(sessionId);
    });
  }

  /** A registered session's status, after the changes asked for so far; undefined for an unknown id. */
  async sessionStatus(sessionId: string): Promise<SessionStatus | undefined> {
    await this.#statusWrites.settled(sessionId);
    return (await this.#store.get('session', sessionId))?.status;
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
    const answered = (await this.#store.list('question', { value: vacancy.id })).filter((q) => q.answer !== null).sort(byVotesThenAge);
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
   * open in an ended session).
   */
  pin(sessionId: string, kind: PinKind, itemId: string, { open = () => true }: { open?: () => boolean } = {}): Promise<{ pinnedAt: string; seq: number }> {
    return this.#pinWrites.run(sessionId, async () => {
      const item = kind === 'vacancy' ? await this.card(itemId) : await this.#require('policy', itemId);
      const session = await this.#store.get('session', sessionId);
      if (!open() || session?.status === 'ended') throw new DomainError('SESSION_ENDED', 'this session has ended');
      const board = await this.#board(sessionId);
      const change = board.pin(kind, itemId, this.#stamp());
      if (!change.pinned) return { pinnedAt: board.current(kind)?.pinnedAt ?? this.#stamp(), seq: change.seq };
      const pinned = change.pinned;
      await this.#persist(sessionId, [change.unpinned, pinned]);
      await this.#setPinsNow(sessionId, (now) => ({ ...now, seq: change.seq, [kind]: item }));
      if (kind === 'vacancy') this.funnels.vacanciesChanged(sessionId);
      this.emit('pinned', { sessionId, kind, item, pinnedAt: pinned.pinnedAt, seq: change.seq });
      this.emit('changed', sessionId);
      return { pinnedAt: pinned.pinnedAt, seq: change.seq };
    });
  }

  unpin(sessionId: string, kind: PinKind): Promise<{ seq: number }> {
    return this.#pinWrites.run(sessionId, async () => {
      const change = (await this.#board(sessionId)).unpin(kind, this.#stamp());
      await this.#announceUnpins(sessionId, [change]);
      return { seq: change.seq };
    });
  }

  /** Closes every open pin of the session (it ended), after the pins asked for before. */
  unpinAll(sessionId: string): Promise<void> {
    return this.#pinWrites.run(sessionId, async () => {
      const changes = (await this.#board(sessionId)).unpinAll(this.#stamp());
      if (changes.length > 0) await this.#announceUnpins(sessionId, changes);
    });
  }

  /** What the session shows pinned now, with the pin board's sequence number. */
  pinsNow(sessionId: string): Promise<PinsNow> {
    let now = this.#pinsNow.get(sessionId);
    if (!now) {
      now = this.#board(sessionId).then(async (board) => {
        const v = board.current('vacancy');
        const p = board.current('policy');
        return {
          seq: board.seq,
          vacancy: v ? await this.card(v.itemId).catch(() => null) : null,
          policy: p ? ((await this.#store.get('policy', p.itemId)) ?? null) : null,
        };
      });
      this.#pinsNow.set(sessionId, now);
      now.catch(() => this.#pinsNow.delete(sessionId));
    }
    return now;
  }

  async #announceUnpins(sessionId: string, changes: PinChange[]): Promise<void> {
    await this.#persist(sessionId, changes.map((c) => c.unpinned));
    const last = changes.at(-1)!.seq;
    await this.#setPinsNow(sessionId, (now) => ({ ...now, seq: last, ...Object.fromEntries(changes.map((c) => [c.unpinned!.kind, null])) }));
    for (const { unpinned, seq } of changes) {
      this.emit('unpinned', { sessionId, kind: unpinned!.kind, itemId: unpinned!.itemId, unpinnedAt: unpinned!.unpinnedAt ?? this.#stamp(), seq });
    }
    this.emit('changed', sessionId);
  }

  /** Writes one change's records together; if that fails, the board is read again from the store next time. */
  async #persist(sessionId: string, events: Array<PinEvent | undefined>): Promise<void> {
    try {
      await this.#store.putPins(events.filter((e): e is PinEvent => e !== undefined));
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
    let board = this.#boards.get(sessionId);
    if (!board) {
      board = this.#store.listPins(sessionId).then((history) => new PinBoard(sessionId, history));
      this.#boards.set(sessionId, board);
      board.catch(() => this.#boards.delete(sessionId));
    }
    return board;
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
  async apply(input: ApplyInput, { deviceId = null }: { deviceId?: string | null } = {}): Promise<ApplyReceipt> {
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
      keyHash: hashKey(input.idempotencyKey),
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

  /** Whether a tap with this idempotency key was answered (stored, or a repeat with a receipt), in one read. */
  answered(idempotencyKey: string): Promise<boolean> {
    return this.#store.keyAnswered(hashKey(idempotencyKey));
  }

  /** The applicant's own view of what they applied with `idempotencyKey` (and, when given, under that id). */
  async mine(idempotencyKey: string, id?: string): Promise<MyApplicationView | undefined> {
    const keyHash = hashKey(idempotencyKey);
    const own = await this.#store.applicationByKey(keyHash);
    if (own) return id === undefined || own.id === id ? applicantView(own) : undefined;
    const receipt = await this.#store.get('receipt', keyHash);
    if (!receipt || (id !== undefined && receipt.receiptId !== id)) return undefined;
    return { id: receipt.receiptId, vacancyId: receipt.vacancyId, status: receipt.status, createdAt: receipt.createdAt };
  }

  async listApplications(actor: Actor, filter: ApplicationFilter): Promise<Application[]> {
    if (actor.kind === 'employer') {
      if (filter.employerId && filter.employerId !== actor.employerId) {
        throw new DomainError('FORBIDDEN', "another employer's applicants are not yours to see");
      }
      if (filter.vacancyId) {
        const vacancy = await this.#require('vacancy', filter.vacancyId);
        if (vacancy.employerId !== actor.employerId) throw new DomainError('FORBIDDEN', "another employer's applicants are not yours to see");
      }
      return (await this.#store.listApplications({ ...filter, employerId: actor.employerId })).map(followUpView);
    }
    return (await this.#store.listApplications(filter)).map(followUpView);
  }

  async getApplication(actor: Actor, id: string): Promise<Application> {
    const application = await this.#store.getApplication(id);
    if (!application) throw new DomainError('NOT_FOUND', 'no such application');
    this.#assertMayFollowUp(actor, application);
    return followUpView(application);
  }

  async changeStatus(actor: Actor, id: string, { status, note }: { status: Application['status']; note: string }): Promise<Application> {
    await this.getApplication(actor, id);
    const by = actor.kind === 'bureau' ? `bureau:${actor.name}` : `employer:${actor.id}`;
    const next = await this.#store.updateApplication(id, (current) => moveApplication(current, { status, by, note, at: this.#stamp() }));
    this.emit('applicationUpdated', next);
    return followUpView(next);
  }

  /** The applicant withdraws, proving it is them with the idempotency key only their device holds. */
  async withdraw(id: string, idempotencyKey: string): Promise<MyApplicationView> {
    const application = await this.#store.getApplication(id);
    if (!application || !keyMatches(application, idempotencyKey)) {
      // A receipt (a repeat under another key) is withdrawn as its holder sees it; the stored application is not touched.
      const receipt = await this.#store.get('receipt', hashKey(idempotencyKey));
      if (!receipt || receipt.receiptId !== id) throw new DomainError('NOT_FOUND', 'no such application');
      if (receipt.status !== 'withdrawn') await this.#store.put('receipt', { ...receipt, status: 'withdrawn' });
      return { id: receipt.receiptId, vacancyId: receipt.vacancyId, status: 'withdrawn', createdAt: receipt.createdAt };
    }
    const next = await this.#store.updateApplication(id, (current) =>
      moveApplication(current, { status: 'withdrawn', by: 'applicant', note: '', at: this.#stamp() }),
    );
    this.emit('applicationUpdated', next);
    return applicantView(next);
  }

  #assertMayFollowUp(actor: Actor, application: ApplicationRecord): void {
    if (actor.kind === 'employer' && application.employerId !== actor.employerId) {
      throw new DomainError('FORBIDDEN', "another employer's applicants are not yours to see");
    }
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
