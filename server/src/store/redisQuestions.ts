import type { ChainableCommander, Redis } from 'ioredis';
import { DomainError } from '../domain/errors';
import type { QuestionAnswer, StoredQuestion } from '../domain/questions';
import type { QuestionState, VoteResult } from './jobStore';
import { questionRow } from './recordSchemas';

/** A question: a hash of its record without the count (`body`), `askedBy`, `votes` and `answered` (0 or 1). */
export const questionKey = (prefix: string, id: string): string => `${prefix}question:${id}`;
/** Who voted for a question: a set, so a repeat vote adds nobody. */
export const questionVotersKey = (prefix: string, id: string): string => `${prefix}question:${id}:voters`;
/** A session's questions in one state, in queue order (see queueMember). */
export const sessionQuestionsKey = (prefix: string, sessionId: string, state: QuestionState): string => `${prefix}questions:session:${sessionId}:${state}`;
/** A vacancy's questions in one state: its employer's queue (open) and its FAQ (answered). */
export const vacancyQuestionsKey = (prefix: string, vacancyId: string, state: QuestionState): string => `${prefix}questions:vacancy:${vacancyId}:${state}`;

/**
 * A question's member in the queue sets, scored by minus its votes: the set's own order (score, then
 * member bytes) is then most votes first and, among equals, the oldest first (ISO times sort as
 * text), which is the board's order (byVotesThenAge) read with one bounded ZRANGE.
 */
const queueMember = (q: Pick<StoredQuestion, 'askedAt' | 'id'>): string => `${q.askedAt}|${q.id}`;
const memberId = (member: string): string => member.slice(member.indexOf('|') + 1);

/** The queue sets a question is in: the session's and, when it has one, its vacancy's, open then answered for each. */
function queueKeys(prefix: string, q: Pick<StoredQuestion, 'sessionId' | 'vacancyId'>): string[] {
  const keys = [sessionQuestionsKey(prefix, q.sessionId, 'open'), sessionQuestionsKey(prefix, q.sessionId, 'answered')];
  if (q.vacancyId !== null) keys.push(vacancyQuestionsKey(prefix, q.vacancyId, 'open'), vacancyQuestionsKey(prefix, q.vacancyId, 'answered'));
  return keys;
}

// A new question, unless one is stored under its id. KEYS: the question, then its queues in pairs
// (open, answered); ARGV: its record, its asker, its queue member.
const PUT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'body', ARGV[1], 'askedBy', ARGV[2], 'votes', 0, 'answered', 0)
for i = 2, #KEYS, 2 do redis.call('ZADD', KEYS[i], 0, ARGV[3]) end
return 1
`;

// One vote (SADD, then HINCRBY only when the voter is new), its queues rescored in the same step.
// KEYS: the question, its voters, then its queues in pairs (open, answered); ARGV: the voter, its
// queue member. Answers {-1} for no such question, {-2} for the asker's own, else {counted, votes}.
const VOTE_SCRIPT = `
local asker = redis.call('HGET', KEYS[1], 'askedBy')
if not asker then return {-1, 0} end
if asker == ARGV[1] then return {-2, 0} end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return {0, tonumber(redis.call('HGET', KEYS[1], 'votes'))} end
local votes = redis.call('HINCRBY', KEYS[1], 'votes', 1)
local state = 0
if redis.call('HGET', KEYS[1], 'answered') == '1' then state = 1 end
for i = 3, #KEYS, 2 do redis.call('ZADD', KEYS[i + state], -votes, ARGV[2]) end
return {1, votes}
`;

// An answer: the record replaced (it holds the answer; the count is not in it), and the question
// moved from its open queues to its answered ones at its current count. KEYS: the question, then its
// queues in pairs (open, answered); ARGV: the record, its queue member. Answers the votes, or false.
const ANSWER_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'body', ARGV[1], 'answered', 1)
local votes = redis.call('HGET', KEYS[1], 'votes')
for i = 2, #KEYS, 2 do
  redis.call('ZREM', KEYS[i], ARGV[2])
  redis.call('ZADD', KEYS[i + 1], -tonumber(votes), ARGV[2])
end
return votes
`;

type Scripts = Record<'cfQuestionPut' | 'cfQuestionVote' | 'cfQuestionAnswer', (...args: Array<string | number>) => Promise<unknown>>;

/** A stored count as the schema reads it: a number when Redis holds digits, else the text (refused as corrupt). */
const count = (votes: string | null): unknown => (votes !== null && /^\d{1,15}$/.test(votes) ? Number(votes) : votes);

/**
 * Stores a question read from a document of the releases before (the Redis migration moves them):
 * its hash, its voters and its place in the queues, replacing whatever a cut-short run left.
 */
export function writeMovedQuestion(tx: ChainableCommander, prefix: string, q: StoredQuestion & { voters: readonly string[] }): void {
  const { voters, votes: _votes, ...record } = q;
  const unique = [...new Set(voters)];
  const key = questionKey(prefix, q.id);
  const votersKey = questionVotersKey(prefix, q.id);
  tx.del(key, votersKey);
  tx.hset(key, 'body', JSON.stringify(record), 'askedBy', q.askedBy, 'votes', unique.length, 'answered', q.answer === null ? 0 : 1);
  if (unique.length > 0) tx.sadd(votersKey, ...unique);
  const keys = queueKeys(prefix, q);
  for (let i = 0; i < keys.length; i += 2) {
    tx.zrem(keys[i + (q.answer === null ? 1 : 0)]!, queueMember(q));
    tx.zadd(keys[i + (q.answer === null ? 0 : 1)]!, -unique.length, queueMember(q));
  }
}

/**
 * Questions and votes on Redis: a hash per question, a set of voters per question, and sorted sets
 * per session and per vacancy for each state, kept in order by the scripts that write them. Every
 * key is passed to the scripts (none is built inside one).
 */
export class RedisQuestions {
  readonly #redis: Redis;
  readonly #p: string;
  readonly #scripts: Scripts;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#p = prefix;
    redis.defineCommand('cfQuestionPut', { lua: PUT_SCRIPT });
    redis.defineCommand('cfQuestionVote', { lua: VOTE_SCRIPT });
    redis.defineCommand('cfQuestionAnswer', { lua: ANSWER_SCRIPT });
    this.#scripts = redis as unknown as Scripts;
  }

  async put(question: StoredQuestion): Promise<void> {
    const { votes: _votes, ...record } = question;
    const keys = [questionKey(this.#p, question.id), ...queueKeys(this.#p, question)];
    await this.#scripts.cfQuestionPut(keys.length, ...keys, JSON.stringify(record), question.askedBy, queueMember(question));
  }

  async get(id: string): Promise<StoredQuestion | undefined> {
    const [body, votes] = await this.#redis.hmget(questionKey(this.#p, id), 'body', 'votes');
    return body === null || body === undefined ? undefined : questionRow(body, count(votes ?? null), `question ${id}`);
  }

  async vote(id: string, voter: string): Promise<VoteResult> {
    const q = await this.#require(id);
    const keys = [questionKey(this.#p, id), questionVotersKey(this.#p, id), ...queueKeys(this.#p, q)];
    const [code, votes] = (await this.#scripts.cfQuestionVote(keys.length, ...keys, voter, queueMember(q))) as [number, number];
    if (code === -1) throw new DomainError('NOT_FOUND', 'no such question');
    if (code === -2) throw new DomainError('CONFLICT', 'you cannot vote for your own question');
    return { votes, counted: code === 1 };
  }

  async answer(id: string, answer: QuestionAnswer): Promise<StoredQuestion> {
    const q = await this.#require(id);
    const { votes: _votes, ...record } = { ...q, answer };
    const keys = [questionKey(this.#p, id), ...queueKeys(this.#p, q)];
    const votes = (await this.#scripts.cfQuestionAnswer(keys.length, ...keys, JSON.stringify(record), queueMember(q))) as string | null;
    if (votes === null) throw new DomainError('NOT_FOUND', 'no such question');
    return questionRow(JSON.stringify(record), count(votes), `question ${id}`);
  }

  /** One bounded ZRANGE of the queue, then each question's hash (pipelined). */
  async of(of: { sessionId: string } | { vacancyId: string }, state: QuestionState, limit: number): Promise<StoredQuestion[]> {
    if (limit <= 0) return [];
    const key = 'sessionId' in of ? sessionQuestionsKey(this.#p, of.sessionId, state) : vacancyQuestionsKey(this.#p, of.vacancyId, state);
    const members = await this.#redis.zrange(key, 0, limit - 1);
    const found = await Promise.all(members.map((m) => this.get(memberId(m))));
    return found.filter((q): q is StoredQuestion => q !== undefined);
  }

  async voters(ids: readonly string[]): Promise<Map<string, string[]>> {
    const unique = [...new Set(ids)];
    const sets = await Promise.all(unique.map((id) => this.#redis.smembers(questionVotersKey(this.#p, id))));
    return new Map(unique.map((id, i) => [id, sets[i]!]));
  }

  async #require(id: string): Promise<StoredQuestion> {
    const q = await this.get(id);
    if (!q) throw new DomainError('NOT_FOUND', 'no such question');
    return q;
  }
}
