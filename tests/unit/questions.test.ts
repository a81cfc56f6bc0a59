import { describe, expect, test } from 'vitest';
import type { PinEvent } from '@chunfeng/shared/recruitment';
import { QuestionBoard, answerOf, pinnedAt, questionView, storedQuestion } from '../../server/src/domain/questions';

const pins: PinEvent[] = [
  { sessionId: 's', kind: 'vacancy', itemId: 'A', pinnedAt: '2026-01-01T10:00:00Z', unpinnedAt: '2026-01-01T10:05:00Z' },
  { sessionId: 's', kind: 'policy', itemId: 'P', pinnedAt: '2026-01-01T10:01:00Z', unpinnedAt: null },
  { sessionId: 's', kind: 'vacancy', itemId: 'B', pinnedAt: '2026-01-01T10:05:00Z', unpinnedAt: null },
];

describe('question routing by pin time', () => {
  test('a question goes to the vacancy pinned when it was asked', () => {
    expect(pinnedAt(pins, '2026-01-01T09:59:59Z')).toBeNull();
    expect(pinnedAt(pins, '2026-01-01T10:00:00Z')).toBe('A');
    expect(pinnedAt(pins, '2026-01-01T10:04:59Z')).toBe('A');
    expect(pinnedAt(pins, '2026-01-01T10:05:00Z')).toBe('B');
    expect(pinnedAt(pins, '2026-01-01T11:00:00Z')).toBe('B');
  });

  test('policy pins do not take questions', () => {
    expect(pinnedAt([pins[1]!], '2026-01-01T10:02:00Z')).toBeNull();
  });

  test("an employer's queue holds only questions about its vacancies; the host sees all", () => {
    const board = new QuestionBoard();
    board.ask({ id: 'q1', sessionId: 's', text: '包住吗', askedBy: 'v1', at: '2026-01-01T10:01:00Z', pins });
    board.ask({ id: 'q2', sessionId: 's', text: '夜班补贴多少', askedBy: 'v2', at: '2026-01-01T10:06:00Z', pins });
    board.ask({ id: 'q3', sessionId: 's', text: '什么时候结束', askedBy: 'v3', at: '2026-01-01T09:00:00Z', pins });
    expect(board.get('q3').vacancyId).toBeNull();
    expect(board.queue({ vacancyIds: new Set(['A']) }).map((q) => q.id)).toEqual(['q1']);
    expect(board.queue({ vacancyIds: new Set(['B']) }).map((q) => q.id)).toEqual(['q2']);
    expect(board.queue().map((q) => q.id).sort()).toEqual(['q1', 'q2', 'q3']);
  });
});

describe('votes and answers', () => {
  const at = (m: number) => `2026-01-01T10:0${m}:00Z`;
  function board() {
    const b = new QuestionBoard();
    for (const [i, id] of ['old', 'mid', 'new'].entries()) b.ask({ id, sessionId: 's', text: id, askedBy: `asker-${id}`, at: at(i + 1), pins });
    return b;
  }

  test('the queue sorts by the votes the store counted, then by age', () => {
    const b = board();
    expect(b.queue().map((q) => q.id)).toEqual(['old', 'mid', 'new']);
    b.voted('new', 'x', 1);
    b.voted('new', 'y', 2);
    b.voted('mid', 'x', 1);
    expect(b.queue().map((q) => q.id)).toEqual(['new', 'mid', 'old']);
  });

  test('a voter is known once, and nobody may vote for their own question', () => {
    const b = board();
    b.voted('old', 'x', 1);
    b.voted('old', 'x', 1);
    expect(b.get('old')).toMatchObject({ voters: ['x'], votes: 1 });
    expect(questionView(b.get('old'), 'x')).toMatchObject({ votes: 1, youVoted: true, mine: false });
    expect(questionView(b.get('old'), 'asker-old')).toMatchObject({ votes: 1, youVoted: false, mine: true });
    expect(() => b.checkVote('old', 'asker-old')).toThrow(expect.objectContaining({ code: 'CONFLICT' }) as Error);
    expect(() => b.checkVote('gone', 'x')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }) as Error);
  });

  test('an answer needs text or the stage; answered questions leave the queue', () => {
    const b = board();
    expect(() => answerOf({ text: '  ', onStage: false, by: 'e', at: at(5) })).toThrow(expect.objectContaining({ code: 'VALIDATION' }) as Error);
    expect(answerOf({ text: ' 包住，四人间 ', onStage: false, by: 'employer:A', at: at(5) })).toEqual({ text: '包住，四人间', onStage: false, by: 'employer:A', at: at(5) });
    b.takeAnswer({ ...storedQuestion(b.get('old')), answer: answerOf({ text: '包住，四人间', onStage: false, by: 'employer:A', at: at(5) }) });
    b.takeAnswer({ ...storedQuestion(b.get('mid')), votes: 3, answer: answerOf({ text: null, onStage: true, by: 'host', at: at(6) }) });
    expect(b.queue().map((q) => q.id)).toEqual(['new']);
    expect(b.answered().map((q) => [q.id, q.answer?.text ?? null, q.answer?.onStage])).toEqual([
      ['mid', null, true],
      ['old', '包住，四人间', false],
    ]);
  });
});
