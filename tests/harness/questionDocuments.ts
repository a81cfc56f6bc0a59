import { expect } from 'vitest';
import type { Redis } from 'ioredis';
import type { JobStore } from '../../server/src/store/jobStore';

/** A question as the releases before question tables stored it: one document, its voters inside. */
export interface QuestionDocument {
  id: string;
  sessionId: string;
  vacancyId: string | null;
  text: string;
  askedBy: string;
  askedAt: string;
  voters: string[];
  answer: { text: string | null; onStage: boolean; by: string; at: string } | null;
}

// The Redis catalog put of the release before question tables (PUT_BODY of server/src/store/
// redisStore.ts at 478ea40, verbatim), which stored questions as catalog documents of kind
// 'question' indexed by vacancy. Kept here, frozen, so the migration from it stays tested.
const PUT_BEFORE_QUESTION_TABLES = `
local previous = redis.call('GET', KEYS[1])
local seq = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not seq then seq = redis.call('INCR', KEYS[3]) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
if ARGV[3] ~= '' then
  local field = ARGV[3]
  if previous then
    -- As JavaScript's String() names a missing or null field.
    local old = cjson.decode(previous)[field]
    if old == nil then old = 'undefined' elseif old == cjson.null then old = 'null' else old = tostring(old) end
    if old ~= ARGV[4] then redis.call('ZREM', ARGV[5] .. old, ARGV[1]) end
  end
  redis.call('ZADD', ARGV[5] .. ARGV[4], seq, ARGV[1])
end
return 1
`;

/**
 * Stores question documents as that release's `put('question', doc)` did (each vote rewrote the
 * whole document, so a document holds its voters as given), and its schema version, 1.
 */
export async function putQuestionDocuments(redis: Redis, p: string, docs: readonly QuestionDocument[]): Promise<void> {
  for (const doc of docs) {
    await redis.eval(PUT_BEFORE_QUESTION_TABLES, 3, `${p}doc:question:${doc.id}`, `${p}docs:question`, `${p}docs:seq`, doc.id, JSON.stringify(doc), 'vacancyId', String(doc.vacancyId), `${p}docs:question:idx:`);
  }
  await redis.set(`${p}schema:version`, '1');
}

/** A varied set: open ones with voters, answered ones (text, on stage), a general one, another session's. */
export function questionDocuments(): QuestionDocument[] {
  const at = (m: number) => `2026-03-01T08:${String(m).padStart(2, '0')}:00.000Z`;
  const q = (id: string, over: Partial<QuestionDocument>): QuestionDocument => ({ id, sessionId: 's1', vacancyId: 'v1', text: `问题${id}`, askedBy: `asker-${id}`, askedAt: at(0), voters: [], answer: null, ...over });
  return [
    q('q1', { askedAt: at(1), voters: ['a', 'b'] }),
    q('q2', { askedAt: at(2), voters: ['c'], answer: { text: '包住，四人间', onStage: false, by: 'employer:e1', at: at(10) } }),
    q('q3', { askedAt: at(3), vacancyId: null, voters: ['a', 'b', 'c'] }),
    q('q4', { askedAt: at(4), answer: { text: null, onStage: true, by: 'host', at: at(11) } }),
    q('q5', { askedAt: at(5), sessionId: 's2', voters: ['d'] }),
  ];
}

/** What a store holds once the documents of `questionDocuments()` were moved: each in its queues, counted from its voters. */
export async function expectMovedQuestions(store: JobStore): Promise<void> {
  const ids = (qs: Array<{ id: string }>) => qs.map((q) => q.id);
  const [q1] = questionDocuments();
  const { voters: _voters, ...record } = q1!;
  expect(await store.getQuestion('q1')).toEqual({ ...record, votes: 2 });
  expect((await store.questionsOf({ sessionId: 's1' }, 'open', 10)).map((q) => [q.id, q.votes])).toEqual([['q3', 3], ['q1', 2]]);
  expect(ids(await store.questionsOf({ sessionId: 's1' }, 'answered', 10))).toEqual(['q2', 'q4']);
  expect(ids(await store.questionsOf({ vacancyId: 'v1' }, 'open', 10))).toEqual(['q1', 'q5']);
  expect((await store.faq('v1', 10)).map((q) => [q.id, q.answer?.text ?? null, q.answer?.onStage])).toEqual([['q2', '包住，四人间', false], ['q4', null, true]]);
  const voters = await store.questionVoters(['q1', 'q3', 'q4']);
  expect([voters.get('q1')?.sort(), voters.get('q3')?.sort(), voters.get('q4')]).toEqual([['a', 'b'], ['a', 'b', 'c'], []]);
  // Counted from here on by the store: a voter moved with the document is not counted again.
  expect(await store.voteQuestion('q1', 'a')).toEqual({ votes: 2, counted: false });
  expect(await store.voteQuestion('q1', 'z')).toEqual({ votes: 3, counted: true });
  await expect(store.voteQuestion('q1', 'asker-q1')).rejects.toMatchObject({ code: 'CONFLICT' });
}
