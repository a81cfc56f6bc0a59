import { describe, expect, test } from 'vitest';
import type { PinEvent } from '@chunfeng/shared/recruitment';
import { QuestionBoard, pinnedAt } from '../../server/src/domain/questions';

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

  test('the queue sorts by votes, then by age', () => {
    const b = board();
    expect(b.queue().map((q) => q.id)).toEqual(['old', 'mid', 'new']);
    b.vote('new', 'x');
    b.vote('new', 'y');
    b.vote('mid', 'x');
    expect(b.queue().map((q) => q.id)).toEqual(['new', 'mid', 'old']);
  });

  test('each viewer votes once, and not for their own question', () => {
    const b = board();
    b.vote('old', 'x');
    b.vote('old', 'x');
    expect(b.get('old').voters).toEqual(['x']);
    expect(() => b.vote('old', 'asker-old')).toThrow(expect.objectContaining({ code: 'CONFLICT' }) as Error);
  });

  test('answered questions leave the queue and become the FAQ of their vacancy', () => {
    const b = board();
    expect(() => b.answer('old', { text: '  ', onStage: false, by: 'e', at: at(5) })).toThrow(expect.objectContaining({ code: 'VALIDATION' }) as Error);
    b.answer('old', { text: '包住，四人间', onStage: false, by: 'employer:A', at: at(5) });
    b.answer('mid', { text: null, onStage: true, by: 'host', at: at(6) });
    expect(b.queue().map((q) => q.id)).toEqual(['new']);
    expect(b.faq('A').map((q) => [q.id, q.answer?.text ?? null, q.answer?.onStage])).toEqual([
      ['old', '包住，四人间', false],
      ['mid', null, true],
    ]);
  });
});
