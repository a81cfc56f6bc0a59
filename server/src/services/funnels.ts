import { EventEmitter } from 'node:events';
import { Coalescer } from '../domain/coalescer';
import { DomainError } from '../domain/errors';
import type { FunnelStep, VacancyFunnel } from '../domain/funnel';
import { MemoryFunnelCounter, type FunnelCounter } from './funnelCounter';

export interface FunnelEvents {
  /** The vacancies of a session whose counts changed, at most once per interval per session. */
  updated: [{ sessionId: string; funnel: VacancyFunnel[] }];
  /**
   * Counted on this node into a session whose stage another node holds (merged, at most once per
   * interval): that node should push these vacancies' counts to its host (see countedElsewhere).
   */
  countedHere: [{ sessionId: string; vacancyIds: string[] }];
}

/** What this node keeps of a session whose funnel it counts into: caches and the pending push. */
interface SessionFunnel {
  /** Opened here (this node holds the stage): this node pushes the counts to the host. */
  owned: boolean;
  /** The vacancies the session may count (lineup and pins), read once and again after a change. */
  vacancies: Promise<ReadonlySet<string>> | undefined;
  /** When the vacancies were last read because a vacancy was not among them. */
  missReadAt: number;
  readonly dirty: Set<string>;
  readonly coalescer: Coalescer;
  lastUsed: number;
}

/** A vacancy not among those read is read again at most this often (a pin made through another node). */
const MISS_REREAD_MS = 1000;
/** A node forgets a session it only counted into after this long without a count. */
const IDLE_MS = 5 * 60_000;

/**
 * The live funnel of each session whose stage is open: card shown and opened (once per viewer and
 * vacancy) and applied. Only the session's own vacancies count. The counts live in a FunnelCounter
 * (this process, or Redis for every node), so a viewer or an application through any node counts in
 * the one funnel; what is counted is released when the stage closes. The node holding the stage
 * pushes the changed vacancies' counts to the host merged, at most once per interval, read from the
 * counter; another node that counts tells it which vacancies changed (merged the same way).
 */
export class SessionFunnels extends EventEmitter<FunnelEvents> {
  readonly #sessions = new Map<string, SessionFunnel>();
  readonly #counter: FunnelCounter;
  readonly #now: () => Date;
  readonly #vacanciesOf: (sessionId: string) => Promise<ReadonlySet<string>>;
  readonly #intervalMs: number;
  #sweptAt = 0;

  constructor({ now = () => new Date(), vacanciesOf, intervalMs = 1000, counter = new MemoryFunnelCounter() }: {
    now?: () => Date;
    /** The vacancies a session may count: those in its lineup and any it pinned. */
    vacanciesOf: (sessionId: string) => Promise<ReadonlySet<string>>;
    intervalMs?: number;
    /** Where the counts live (Redis for several nodes). */
    counter?: FunnelCounter;
  }) {
    super();
    this.#now = now;
    this.#vacanciesOf = vacanciesOf;
    this.#intervalMs = intervalMs;
    this.#counter = counter;
  }

  /** The session's stage opened: its funnel counts from now on (from zero, unless it was never released). */
  open(sessionId: string): Promise<void> {
    this.#entry(sessionId).owned = true;
    return this.#counter.open(sessionId);
  }

  /** Another node counted these vacancies of a session opened here: push their counts to the host. */
  countedElsewhere(sessionId: string, vacancyIds: readonly string[]): void {
    const entry = this.#sessions.get(sessionId);
    if (!entry?.owned) return;
    for (const id of vacancyIds) this.#changed(entry, id);
  }

  /** The session's stage closed: everything its funnel held is let go. */
  release(sessionId: string): Promise<void> {
    this.#forget(sessionId);
    return this.#counter.release(sessionId);
  }

  /**
   * The session's stage closed (here, or elsewhere and this node heard of it): what this node kept to
   * count into it goes, unless a stage of it is open here again (that one's funnel stays).
   */
  forget(sessionId: string): void {
    const entry = this.#sessions.get(sessionId);
    if (entry && !entry.owned) this.#forget(sessionId, entry);
  }

  /** Sessions this node keeps funnel state for (the vacancies read, a pending push). */
  sessionsHeld(): number {
    return this.#sessions.size;
  }

  /** The session's lineup or pins changed: read its vacancies again at the next event. */
  vacanciesChanged(sessionId: string): void {
    const entry = this.#sessions.get(sessionId);
    if (entry) entry.vacancies = undefined;
  }

  /** Counts a viewer's card shown / opened, once per viewer and vacancy; other sessions' vacancies are refused. */
  async countCard(sessionId: string, viewer: string, vacancyId: string, step: Exclude<FunnelStep, 'applied'>): Promise<void> {
    const entry = this.#entry(sessionId);
    if (!(await this.#counts(sessionId, entry, vacancyId))) throw new DomainError('NOT_FOUND', 'that vacancy is not in this session');
    const outcome = await this.#counter.count(sessionId, vacancyId, step, viewer, this.#now());
    if (outcome === 'closed') {
      this.#forget(sessionId, entry);
      throw new DomainError('SESSION_NOT_LIVE', 'this session is not live');
    }
    if (outcome === 'counted') this.#changed(entry, vacancyId);
  }

  /** Counts an application made in a session whose funnel is open (on any node); anything else is not counted. */
  async countApplied(sessionId: string, vacancyId: string): Promise<void> {
    const outcome = await this.#counter.count(sessionId, vacancyId, 'applied', undefined, this.#now()).catch(() => 'closed' as const);
    if (outcome === 'counted') this.#changed(this.#entry(sessionId), vacancyId);
  }

  /** Every vacancy of the session counted so far, on every node. */
  all(sessionId: string): Promise<VacancyFunnel[]> {
    return this.#counter.read(sessionId);
  }

  /** What the funnels hold in this process (for tests and health): sessions, vacancies counted, viewers remembered. */
  size(): { sessions: number; vacancies: number; viewers: number } {
    return this.#counter.held();
  }

  #entry(sessionId: string): SessionFunnel {
    const now = Date.now();
    this.#sweep(now);
    let entry = this.#sessions.get(sessionId);
    if (!entry) {
      const created: SessionFunnel = {
        owned: false,
        vacancies: undefined,
        missReadAt: now,
        dirty: new Set(),
        coalescer: new Coalescer({ intervalMs: this.#intervalMs, send: () => void this.#flush(sessionId, created) }),
        lastUsed: now,
      };
      this.#sessions.set(sessionId, (entry = created));
    }
    entry.lastUsed = now;
    return entry;
  }

  #forget(sessionId: string, entry = this.#sessions.get(sessionId)): void {
    if (!entry || this.#sessions.get(sessionId) !== entry) return;
    entry.coalescer.close();
    this.#sessions.delete(sessionId);
  }

  /** Sessions this node has not counted into for a while are forgotten here (their counts stay in the counter). */
  #sweep(now: number): void {
    if (now - this.#sweptAt < 60_000) return;
    this.#sweptAt = now;
    for (const [sessionId, entry] of this.#sessions) if (!entry.owned && now - entry.lastUsed > IDLE_MS && entry.dirty.size === 0) this.#forget(sessionId, entry);
  }

  /** Whether the session counts this vacancy: its lineup and pins, read again (rarely) on a miss. */
  async #counts(sessionId: string, entry: SessionFunnel, vacancyId: string): Promise<boolean> {
    if ((await this.#vacancies(sessionId, entry)).has(vacancyId)) return true;
    // A vacancy pinned through another node is not in what this node read: read again, at most once a second.
    const now = Date.now();
    if (now - entry.missReadAt < MISS_REREAD_MS) return false;
    entry.missReadAt = now;
    entry.vacancies = undefined;
    return (await this.#vacancies(sessionId, entry)).has(vacancyId);
  }

  #vacancies(sessionId: string, entry: SessionFunnel): Promise<ReadonlySet<string>> {
    if (!entry.vacancies) {
      const loading = this.#vacanciesOf(sessionId);
      entry.vacancies = loading;
      // A failed read is not remembered: the next event tries again.
      void loading.catch(() => {
        if (entry.vacancies === loading) entry.vacancies = undefined;
      });
    }
    return entry.vacancies;
  }

  #changed(entry: SessionFunnel, vacancyId: string): void {
    entry.dirty.add(vacancyId);
    entry.coalescer.changed();
  }

  async #flush(sessionId: string, entry: SessionFunnel): Promise<void> {
    const changed = [...entry.dirty];
    entry.dirty.clear();
    // One node pushes to the host, the one holding the stage: pushes read at different moments by
    // several nodes could reach the host out of order and leave it an older count.
    if (!entry.owned) {
      this.emit('countedHere', { sessionId, vacancyIds: changed });
      return;
    }
    try {
      const funnel = await this.#counter.read(sessionId, changed);
      if (this.#sessions.get(sessionId) === entry) this.emit('updated', { sessionId, funnel });
    } catch {
      // Not read now (Redis out of reach): sent with the next change.
      for (const id of changed) entry.dirty.add(id);
    }
  }
}
