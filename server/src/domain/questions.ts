import type { PinEvent, Question } from '@chunfeng/shared/recruitment';
import { DomainError } from './errors';

/**
 * A question as stored: who asked and who voted, as the per-session keyed author ids of the chat
 * (never a device id). Only `questionView` leaves the server.
 */
export interface QuestionRecord {
  id: string;
  sessionId: string;
  vacancyId: string | null;
  text: string;
  askedBy: string;
  askedAt: string;
  voters: string[];
  answer: Question['answer'];
}

/** What one receiver is sent: the vote count, and whether they asked it or voted (null: nobody in the audience). */
export function questionView(q: QuestionRecord, receiver: string | null): Question {
  return {
    id: q.id,
    sessionId: q.sessionId,
    vacancyId: q.vacancyId,
    text: q.text,
    askedAt: q.askedAt,
    votes: q.voters.length,
    mine: receiver !== null && q.askedBy === receiver,
    youVoted: receiver !== null && q.voters.includes(receiver),
    answer: q.answer,
  };
}

/** The vacancy pinned at `at` according to the pin history, if any. */
export function pinnedAt(pins: PinEvent[], at: string): string | null {
  let found: PinEvent | undefined;
  for (const p of pins) {
    if (p.kind !== 'vacancy' || p.pinnedAt > at) continue;
    if (p.unpinnedAt !== null && p.unpinnedAt <= at) continue;
    if (!found || p.pinnedAt > found.pinnedAt) found = p;
  }
  return found?.itemId ?? null;
}

/** Queue order: most votes first; among equals, the longest waiting first. */
export function byVotesThenAge(a: QuestionRecord, b: QuestionRecord): number {
  return b.voters.length - a.voters.length || a.askedAt.localeCompare(b.askedAt) || a.id.localeCompare(b.id);
}

/**
 * A session's questions: each tagged with the vacancy pinned when it was asked (so it reaches that
 * employer), upvoted once per viewer, answered in text or on stage. Answered questions become the
 * vacancy's FAQ.
 */
export class QuestionBoard {
  readonly #questions = new Map<string, QuestionRecord>();

  constructor(questions: QuestionRecord[] = []) {
    for (const q of questions) this.#questions.set(q.id, { ...q, voters: [...q.voters] });
  }

  ask({ id, sessionId, text, askedBy, at, pins }: { id: string; sessionId: string; text: string; askedBy: string; at: string; pins: PinEvent[] }): QuestionRecord {
    const question: QuestionRecord = { id, sessionId, vacancyId: pinnedAt(pins, at), text, askedBy, askedAt: at, voters: [], answer: null };
    this.#questions.set(id, question);
    return { ...question };
  }

  vote(id: string, voter: string): QuestionRecord {
    const q = this.#get(id);
    if (q.askedBy === voter) throw new DomainError('CONFLICT', 'you cannot vote for your own question');
    if (!q.voters.includes(voter)) q.voters.push(voter);
    return { ...q, voters: [...q.voters] };
  }

  answer(id: string, { text, onStage, by, at }: { text: string | null; onStage: boolean; by: string; at: string }): QuestionRecord {
    const q = this.#get(id);
    if (!onStage && !text?.trim()) throw new DomainError('VALIDATION', 'an answer needs text, or to be given on stage');
    q.answer = { text: text?.trim() || null, onStage, by, at };
    return { ...q, voters: [...q.voters] };
  }

  /** Open questions for one employer's vacancies (or all, for the host), in queue order. */
  queue({ vacancyIds }: { vacancyIds?: ReadonlySet<string> } = {}): QuestionRecord[] {
    return [...this.#questions.values()]
      .filter((q) => q.answer === null && (!vacancyIds || (q.vacancyId !== null && vacancyIds.has(q.vacancyId))))
      .sort(byVotesThenAge);
  }

  /** Answered questions about a vacancy, most asked-for first: its FAQ. */
  faq(vacancyId: string): QuestionRecord[] {
    return [...this.#questions.values()].filter((q) => q.vacancyId === vacancyId && q.answer !== null).sort(byVotesThenAge);
  }

  answered(): QuestionRecord[] {
    return [...this.#questions.values()].filter((q) => q.answer !== null).sort(byVotesThenAge);
  }

  get(id: string): QuestionRecord {
    return { ...this.#get(id) };
  }

  #get(id: string): QuestionRecord {
    const q = this.#questions.get(id);
    if (!q) throw new DomainError('NOT_FOUND', 'no such question');
    return q;
  }
}
