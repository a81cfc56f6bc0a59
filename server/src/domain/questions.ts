import type { PinEvent, Question } from '@chunfeng/shared/recruitment';
import { DomainError } from './errors';

export type QuestionAnswer = NonNullable<Question['answer']>;

/**
 * A question as stored: who asked, as the per-session keyed author id of the chat (never a device
 * id), and how many voted. The voters themselves are stored beside it, one row each, so a vote adds
 * a row and a count and never rewrites the question.
 */
export interface StoredQuestion {
  id: string;
  sessionId: string;
  vacancyId: string | null;
  text: string;
  askedBy: string;
  askedAt: string;
  votes: number;
  answer: Question['answer'];
}

/** A question on a board: with the voters the board knows, to tell each of them they voted. Only `questionView` leaves the server. */
export interface QuestionRecord extends StoredQuestion {
  voters: string[];
}

/** What one receiver is sent: the vote count, and whether they asked it or voted (null: nobody in the audience). */
export function questionView(q: QuestionRecord, receiver: string | null): Question {
  return {
    id: q.id,
    sessionId: q.sessionId,
    vacancyId: q.vacancyId,
    text: q.text,
    askedAt: q.askedAt,
    votes: q.votes,
    mine: receiver !== null && q.askedBy === receiver,
    youVoted: receiver !== null && q.voters.includes(receiver),
    answer: q.answer,
  };
}

/** The record without its voters: what the store keeps in the question's own row. */
export function storedQuestion({ voters: _voters, ...stored }: QuestionRecord): StoredQuestion {
  return stored;
}

/** An answer as given: text, or given on stage (then text may be left out). */
export function answerOf({ text, onStage, by, at }: { text: string | null; onStage: boolean; by: string; at: string }): QuestionAnswer {
  if (!onStage && !text?.trim()) throw new DomainError('VALIDATION', 'an answer needs text, or to be given on stage');
  return { text: text?.trim() || null, onStage, by, at };
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
export function byVotesThenAge(a: StoredQuestion, b: StoredQuestion): number {
  return b.votes - a.votes || a.askedAt.localeCompare(b.askedAt) || a.id.localeCompare(b.id);
}

/**
 * A session's questions as the stage's node holds them: each tagged with the vacancy pinned when it
 * was asked (so it reaches that employer), upvoted once per viewer, answered in text or on stage.
 * Answered questions become the vacancy's FAQ. The store keeps the counts; the board mirrors what
 * the store answered, and knows the voters to tell each one they voted.
 */
export class QuestionBoard {
  readonly #questions = new Map<string, QuestionRecord>();

  constructor(questions: QuestionRecord[] = []) {
    for (const q of questions) this.add(q);
  }

  ask({ id, sessionId, text, askedBy, at, pins }: { id: string; sessionId: string; text: string; askedBy: string; at: string; pins: PinEvent[] }): QuestionRecord {
    const question: QuestionRecord = { id, sessionId, vacancyId: pinnedAt(pins, at), text, askedBy, askedAt: at, votes: 0, voters: [], answer: null };
    this.#questions.set(id, question);
    return { ...question, voters: [] };
  }

  /** Puts (or replaces) a question read from the store. */
  add(q: QuestionRecord): void {
    this.#questions.set(q.id, { ...q, voters: [...q.voters] });
  }

  has(id: string): boolean {
    return this.#questions.has(id);
  }

  /** Refuses a vote for the voter's own question before it reaches the store (which refuses it too). */
  checkVote(id: string, voter: string): void {
    if (this.#get(id).askedBy === voter) throw new DomainError('CONFLICT', 'you cannot vote for your own question');
  }

  /** The store counted a vote (or found it counted): the count it answered, and the voter. */
  voted(id: string, voter: string, votes: number): QuestionRecord {
    const q = this.#get(id);
    if (!q.voters.includes(voter)) q.voters.push(voter);
    q.votes = votes;
    return { ...q, voters: [...q.voters] };
  }

  /** The store answered a question: the board takes the answer (and the count the store holds). */
  takeAnswer(stored: StoredQuestion): QuestionRecord {
    const q = this.#get(stored.id);
    q.answer = stored.answer;
    q.votes = stored.votes;
    return { ...q, voters: [...q.voters] };
  }

  /** Open questions for one employer's vacancies (or all, for the host), in queue order. */
  queue({ vacancyIds }: { vacancyIds?: ReadonlySet<string> } = {}): QuestionRecord[] {
    return [...this.#questions.values()]
      .filter((q) => q.answer === null && (!vacancyIds || (q.vacancyId !== null && vacancyIds.has(q.vacancyId))))
      .sort(byVotesThenAge);
  }

  /** Answered questions, most asked-for first. */
  answered(): QuestionRecord[] {
    return [...this.#questions.values()].filter((q) => q.answer !== null).sort(byVotesThenAge);
  }

  get(id: string): QuestionRecord {
    const q = this.#get(id);
    return { ...q, voters: [...q.voters] };
  }

  #get(id: string): QuestionRecord {
    const q = this.#questions.get(id);
    if (!q) throw new DomainError('NOT_FOUND', 'no such question');
    return q;
  }
}
