import { EventEmitter } from 'node:events';
import { Coalescer } from '../domain/coalescer';
import { DomainError } from '../domain/errors';
import { Funnel, type FunnelStep, type VacancyFunnel } from '../domain/funnel';

export interface FunnelEvents {
  /** The vacancies of a session whose counts changed, at most once per interval per session. */
  updated: [{ sessionId: string; funnel: VacancyFunnel[] }];
}

interface SessionFunnel {
  readonly funnel: Funnel;
  /** Viewers already counted, per `vacancy|step`: only the session's own vacancies get a set. */
  readonly seen: Map<string, Set<string>>;
  /** The vacancies the session may count (lineup and pins), read once and again after a change. */
  vacancies: Promise<ReadonlySet<string>> | undefined;
  readonly dirty: Set<string>;
  readonly coalescer: Coalescer;
}

/**
 * The live funnel of each session whose stage is open on this node: card shown and opened (once per
 * viewer and vacancy) and applied. Only the session's own vacancies count, so what it holds is
 * bounded by its lineup and its viewers; it is released when the stage closes. Changes reach the
 * host merged, at most once per interval.
 */
export class SessionFunnels extends EventEmitter<FunnelEvents> {
  readonly #sessions = new Map<string, SessionFunnel>();
  readonly #now: () => Date;
  readonly #vacanciesOf: (sessionId: string) => Promise<ReadonlySet<string>>;
  readonly #intervalMs: number;

  constructor({ now = () => new Date(), vacanciesOf, intervalMs = 1000 }: {
    now?: () => Date;
    /** The vacancies a session may count: those in its lineup and any it pinned. */
    vacanciesOf: (sessionId: string) => Promise<ReadonlySet<string>>;
    intervalMs?: number;
  }) {
    super();
    this.#now = now;
    this.#vacanciesOf = vacanciesOf;
    this.#intervalMs = intervalMs;
  }

  /** The session's stage opened: its funnel starts from zero. */
  open(sessionId: string): void {
    if (this.#sessions.has(sessionId)) return;
    const entry: SessionFunnel = {
      funnel: new Funnel(),
      seen: new Map(),
      vacancies: undefined,
      dirty: new Set(),
      coalescer: new Coalescer({ intervalMs: this.#intervalMs, send: () => this.#flush(sessionId, entry) }),
    };
    this.#sessions.set(sessionId, entry);
  }

  /** The session's stage closed: everything its funnel held is let go. */
  release(sessionId: string): void {
    this.#sessions.get(sessionId)?.coalescer.close();
    this.#sessions.delete(sessionId);
  }

  /** The session's lineup or pins changed: read its vacancies again at the next event. */
  vacanciesChanged(sessionId: string): void {
    const entry = this.#sessions.get(sessionId);
    if (entry) entry.vacancies = undefined;
  }

  /** Counts a viewer's card shown / opened, once per viewer and vacancy; other sessions' vacancies are refused. */
  async countCard(sessionId: string, viewer: string, vacancyId: string, step: Exclude<FunnelStep, 'applied'>): Promise<void> {
    const entry = await this.#entryFor(sessionId, vacancyId);
    const key = `${vacancyId}|${step}`;
    let seen = entry.seen.get(key);
    if (!seen) entry.seen.set(key, (seen = new Set()));
    if (seen.has(viewer)) return;
    seen.add(viewer);
    this.#count(entry, vacancyId, step);
  }

  /** Counts an application made in a session whose stage is open here; anything else is not counted. */
  async countApplied(sessionId: string, vacancyId: string): Promise<void> {
    if (!this.#sessions.has(sessionId)) return;
    const entry = await this.#entryFor(sessionId, vacancyId).catch(() => undefined);
    if (entry) this.#count(entry, vacancyId, 'applied');
  }

  /** Every vacancy of the session counted so far. */
  all(sessionId: string): VacancyFunnel[] {
    return this.#sessions.get(sessionId)?.funnel.all() ?? [];
  }

  /** What the funnels hold (for tests and health): sessions, vacancies counted, viewers remembered. */
  size(): { sessions: number; vacancies: number; viewers: number } {
    let vacancies = 0;
    let viewers = 0;
    for (const entry of this.#sessions.values()) {
      vacancies += entry.funnel.all().length;
      for (const seen of entry.seen.values()) viewers += seen.size;
    }
    return { sessions: this.#sessions.size, vacancies, viewers };
  }

  async #entryFor(sessionId: string, vacancyId: string): Promise<SessionFunnel> {
    const entry = this.#sessions.get(sessionId);
    if (!entry) throw new DomainError('SESSION_NOT_LIVE', 'this session is not live');
    if (!entry.vacancies) {
      const loading = this.#vacanciesOf(sessionId);
      entry.vacancies = loading;
      // A failed read is not remembered: the next event tries again.
      void loading.catch(() => {
        if (entry.vacancies === loading) entry.vacancies = undefined;
      });
    }
    const vacancies = await entry.vacancies;
    if (!vacancies.has(vacancyId)) throw new DomainError('NOT_FOUND', 'that vacancy is not in this session');
    // Released (or reopened) while the vacancies were read: count nothing.
    if (this.#sessions.get(sessionId) !== entry) throw new DomainError('SESSION_NOT_LIVE', 'this session is not live');
    return entry;
  }

  #count(entry: SessionFunnel, vacancyId: string, step: FunnelStep): void {
    entry.funnel.count(vacancyId, step, this.#now());
    entry.dirty.add(vacancyId);
    entry.coalescer.changed();
  }

  #flush(sessionId: string, entry: SessionFunnel): void {
    const changed = [...entry.dirty];
    entry.dirty.clear();
    this.emit('updated', { sessionId, funnel: changed.map((id) => entry.funnel.of(id)) });
  }
}
