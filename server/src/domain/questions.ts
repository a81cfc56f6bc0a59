import type { PinEvent, Question } from '@chunfeng/shared/recruitment';

export type { Question };
import { DomainError } from './errors';


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
export function byVotesThenAge(a: Question, b: Question): number {
  return b.voters.length - a.voters.length || a.askedAt.localeCompare(b.askedAt) || a.id.localeCompare(b.id);
}

/**
 * A session's questions: each tagged with the vacancy pinned when it was asked (so it reaches that
 * employer), upvoted once per viewer, answered in text or on stage. Answered questions become the
 * vacancy's FAQ.
 */
export class QuestionBoard {
  readonly #questions = new Map<string, Question>();

  constructor(questions: Question[] = []) {
    for (const q of questions) this.#questions.set(q.id, { ...q, voters: [...q.voters] });
  }

  ask({ id, sessionId, text, askedBy, at, pins }: { id: string; sessionId: string; text: string; askedBy: string; at: string; pins: PinEvent[] }): Question {
    const question: Question = { id, sessionId, vacancyId: pinnedAt(pins, at), text, askedBy, askedAt: at, voters: [], answer: null };
    this.#questions.set(id, question);
    return { ...question };
  }

  vote(id: string, voter: string): Question {
    const q = this.#get(id);
    if (q.askedBy === voter) throw new DomainError('CONFLICT', 'you cannot vote for your own question');
    if (!q.voters.includes(voter)) q.voters.push(voter);
    return { ...q, voters: [...q.voters] };
  }

  answer(id: string, { text, onStage, by, at }: { text: string | null; onStage: boolean; by: string; at: string }): Question {
    const q = this.#get(id);
    if (!onStage && !text?.trim()) throw new DomainError('VALIDATION', 'an answer needs text, or to be given on stage');
    q.answer = { text: text?.trim() || null, onStage, by, at };
    return { ...q, voters: [...q.voters] };
  }

  /** Open questions for one employer's vacancies (or all, for the host), in queue order. */
  queue({ vacancyIds }: { vacancyIds?: ReadonlySet<string> } = {}): Question[] {
    return [...this.#questions.values()]
      .filter((q) => q.answer === null && (!vacancyIds || (q.vacancyId !== null && vacancyIds.has(q.vacancyId))))
      .sort(byVotesThenAge);
  }

  /** Answered questions about a vacancy, most asked-for first: its FAQ. */
  faq(vacancyId: string): Question[] {
    return [...this.#questions.values()].filter((q) => q.vacancyId === vacancyId && q.answer !== null).sort(byVotesThenAge);
  }

  answered(): Question[] {
    return [...this.#questions.values()].filter((q) => q.answer !== null).sort(byVotesThenAge);
  }

  get(id: string): Question {
    return { ...this.#get(id) };
  }

  #get(id: string): Question {
    const q = this.#questions.get(id);
    if (!q) throw new DomainError('NOT_FOUND', 'no such question');
    return q;
  }
}
