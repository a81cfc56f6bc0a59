import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { PinEvent } from '@chunfeng/shared/recruitment';
import { DomainError } from '../domain/errors';
import { QuestionBoard, answerOf, byVotesThenAge, storedQuestion, type QuestionRecord, type StoredQuestion } from '../domain/questions';
import { spend, type RateLimiter } from '../domain/rateLimiter';
import { SessionCache } from '../domain/sessionCache';
import { screen } from '../domain/scamRules';
import type { JobStore } from '../store/jobStore';

/** Sessions whose question board stays in memory at most. */
export const BOARDS_CACHED = 500;
/**
 * Questions of each state a board reads (open ones by votes then age, answered ones likewise), and
 * an employer's queue across sessions at most: the wall of a live session shows the top of each.
 */
export const QUESTIONS_READ = 500;

export interface QuestionEvents {
  question: [{ question: QuestionRecord; change: 'asked' | 'voted' | 'answered'; employerId: string | null }];
}

/**
 * Viewers' questions: each goes to the vacancy pinned when it was asked (or is general), gathers
 * votes, and is answered by that vacancy's employer or the host, in text or on stage.
 */
export class QuestionService extends EventEmitter<QuestionEvents> {
  readonly #store: JobStore;
  readonly #now: () => Date;
  readonly #pinHistory: (sessionId: string) => Promise<PinEvent[]>;
  /** Changes of a session's board not yet stored: its board is not dropped from memory meanwhile. */
  readonly #writing = new Map<string, number>();
  /**
   * Each session's board, let go when its stage closes here; boards read after that (an answer given
   * from a console after the session) are bounded, least recently used first out.
   */
  readonly #boards = new SessionCache<QuestionBoard>({ capacity: BOARDS_CACHED, inUse: (id) => this.#writing.has(id) });
  readonly #askLimiter: RateLimiter;

  constructor({ store, now, pinHistory, askLimiter }: {
    store: JobStore;
    now: () => Date;
    pinHistory: (sessionId: string) => Promise<PinEvent[]>;
    /** Questions per asker. */
    askLimiter: RateLimiter;
  }) {
    super();
    this.#store = store;
    this.#askLimiter = askLimiter;
    this.#now = now;
    this.#pinHistory = pinHistory;
  }

  #stamp(): string {
    return this.#now().toISOString();
  }

  /** The session's board: its open and answered questions read through the session's index, with their voters. */
  #questionBoard(sessionId: string): Promise<QuestionBoard> {
    return this.#boards.load(sessionId, async () => {
      const [open, answered] = await Promise.all([
        this.#store.questionsOf({ sessionId }, 'open', QUESTIONS_READ),
        this.#store.questionsOf({ sessionId }, 'answered', QUESTIONS_READ),
      ]);
      return new QuestionBoard(await this.#withVoters([...open, ...answered]));
    });
  }

  async #withVoters(questions: StoredQuestion[]): Promise<QuestionRecord[]> {
    const voters = await this.#store.questionVoters(questions.map((q) => q.id));
    return questions.map((q) => ({ ...q, voters: voters.get(q.id) ?? [] }));
  }

  /** The session's board holding this question: one past what the board read is read on its own. */
  async #boardWith(sessionId: string, questionId: string): Promise<QuestionBoard> {
    const board = await this.#questionBoard(sessionId);
    if (board.has(questionId)) return board;
    const stored = await this.#store.getQuestion(questionId);
    if (!stored || stored.sessionId !== sessionId) throw new DomainError('NOT_FOUND', 'no such question');
    const [question] = await this.#withVoters([stored]);
    board.add(question!);
    return board;
  }

  /** Runs a change of the session's board and its write with the board kept in memory until stored. */
  async #change<T>(sessionId: string, change: () => Promise<T>): Promise<T> {
    this.#writing.set(sessionId, (this.#writing.get(sessionId) ?? 0) + 1);
    try {
      return await change();
    } finally {
      const left = (this.#writing.get(sessionId) ?? 1) - 1;
      if (left > 0) this.#writing.set(sessionId, left);
      else this.#writing.delete(sessionId);
    }
  }

  /** The session's stage closed here (or it ended): its board is read from the store again if needed. */
  release(sessionId: string): Promise<void> {
    if (!this.#writing.has(sessionId)) this.#boards.delete(sessionId);
    return Promise.resolve();
  }

  /** Sessions whose board (or a change of it) is in memory now. */
  held(): number {
    return this.#boards.size + this.#writing.size;
  }

  /** A viewer asks: the question goes to the vacancy pinned right now (or is general). */
  async ask(sessionId: string, askedBy: string, text: string): Promise<QuestionRecord> {
    if (screen(text).held) throw new DomainError('VALIDATION', 'questions cannot carry contact details or requests for money');
    await spend(this.#askLimiter, askedBy, (seconds) => `please wait ${seconds} seconds before asking again`);
    const question = await this.#change(sessionId, async () => {
      const board = await this.#questionBoard(sessionId);
      const pins = await this.#pinHistory(sessionId);
      const asked = board.ask({ id: crypto.randomUUID(), sessionId, text, askedBy, at: this.#stamp(), pins });
      await this.#store.putQuestion(storedQuestion(asked));
      return asked;
    });
    this.emit('question', { question, change: 'asked', employerId: await this.#employerOf(question) });
    return question;
  }

  async vote(sessionId: string, questionId: string, voter: string): Promise<QuestionRecord> {
    const question = await this.#change(sessionId, async () => {
      const board = await this.#boardWith(sessionId, questionId);
      board.checkVote(questionId, voter);
      // The store counts the vote atomically (once per voter, whichever node sends it); the board takes its count.
      const { votes } = await this.#store.voteQuestion(questionId, voter);
      return board.voted(questionId, voter, votes);
    });
    this.emit('question', { question, change: 'voted', employerId: await this.#employerOf(question) });
    return question;
  }

  /** The employer of the question's vacancy answers (or the host, any question), in text or on stage. */
  async answer(by: { kind: 'host'; sessionId: string } | { kind: 'employer'; employerId: string }, questionId: string, answer: { text: string | null; onStage: boolean }): Promise<QuestionRecord> {
    const stored = await this.#store.getQuestion(questionId);
    if (!stored) throw new DomainError('NOT_FOUND', 'no such question');
    const employerId = await this.#employerOf(stored);
    if (by.kind === 'host' && by.sessionId !== stored.sessionId) throw new DomainError('FORBIDDEN', 'that question belongs to another session');
    if (by.kind === 'employer' && by.employerId !== employerId) throw new DomainError('FORBIDDEN', 'only the employer of that vacancy can answer it');
    const question = await this.#change(stored.sessionId, async () => {
      const given = answerOf({ ...answer, by: by.kind === 'host' ? 'host' : `employer:${by.employerId}`, at: this.#stamp() });
      const board = await this.#boardWith(stored.sessionId, questionId);
      return board.takeAnswer(await this.#store.answerQuestion(questionId, given));
    });
    this.emit('question', { question, change: 'answered', employerId });
    return question;
  }

  /** All of a session's questions for the wall (open ones in queue order, then answered), or one employer's queue. */
  async list(sessionId: string, { employerId }: { employerId?: string } = {}): Promise<QuestionRecord[]> {
    const board = await this.#questionBoard(sessionId);
    if (employerId) {
      const vacancyIds = new Set((await this.#store.list('vacancy', { value: employerId })).map((v) => v.id as string));
      return [...board.queue({ vacancyIds }), ...board.answered().filter((q) => q.vacancyId !== null && vacancyIds.has(q.vacancyId))];
    }
    return [...board.queue(), ...board.answered()];
  }

  /**
   * Questions about an employer's vacancies, open ones in queue order, then the answered ones (its
   * history): in one session (from its board), or across sessions, each vacancy's queues read through
   * their index, the first QUESTIONS_READ of each.
   */
  async forEmployer(employerId: string, sessionId?: string): Promise<QuestionRecord[]> {
    if (sessionId) return this.list(sessionId, { employerId });
    const vacancies = await this.#store.list('vacancy', { value: employerId });
    const read = (state: 'open' | 'answered') =>
      Promise.all(vacancies.map((v) => this.#store.questionsOf({ vacancyId: v.id }, state, QUESTIONS_READ))).then((all) => all.flat().sort(byVotesThenAge).slice(0, QUESTIONS_READ));
    const [open, answered] = await Promise.all([read('open'), read('answered')]);
    // Voters are not needed here: an employer's console is told the count, never who voted.
    return [...open, ...answered].map((q) => ({ ...q, voters: [] }));
  }

  async #employerOf(question: StoredQuestion): Promise<string | null> {
    if (!question.vacancyId) return null;
    return (await this.#store.get('vacancy', question.vacancyId))?.employerId ?? null;
  }
}
