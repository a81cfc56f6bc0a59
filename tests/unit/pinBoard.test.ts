import { describe, expect, test } from 'vitest';
import type { PolicyCard, VacancyCard } from '@chunfeng/shared/recruitment';
import { PinBoard } from '../../server/src/domain/pinBoard';
import { applyPolicy, applySnapshot, applyVacancy, noPins } from '../../client/src/features/viewer/pinState';

const T0 = '2026-01-01T10:00:00.000Z';
const T1 = '2026-01-01T10:01:00.000Z';

describe('PinBoard', () => {
  test('every change raises the sequence number; moving to the next vacancy is one change that closes the previous pin', () => {
    const board = new PinBoard('s');
    expect(board.seq).toBe(0);
    const first = board.pin('vacancy', 'A', T0);
    expect(first).toMatchObject({ unpinned: undefined, pinned: { itemId: 'A', unpinnedAt: null } });
    const move = board.pin('vacancy', 'B', T1);
    expect(move.unpinned).toMatchObject({ itemId: 'A', unpinnedAt: T1 });
    expect(move.pinned).toMatchObject({ itemId: 'B', pinnedAt: T1 });
    expect(move.seq).toBeGreaterThan(first.seq);
    const policy = board.pin('policy', 'P', T1);
    const unpin = board.unpin('vacancy', T1);
    expect(unpin.seq).toBeGreaterThan(policy.seq);
    expect(board.seq).toBe(unpin.seq);
  });

  test('pinning what is pinned already changes nothing', () => {
    const board = new PinBoard('s');
    const first = board.pin('vacancy', 'A', T0);
    expect(board.pin('vacancy', 'A', T1)).toEqual({ unpinned: undefined, pinned: undefined, seq: first.seq });
    expect(board.history()).toHaveLength(1);
  });

  test('a board rebuilt from the stored history continues from the same sequence number', () => {
    const board = new PinBoard('s');
    board.pin('vacancy', 'A', T0);
    board.pin('vacancy', 'B', T1);
    board.pin('policy', 'P', T1);
    board.unpinAll(T1);
    const again = new PinBoard('s', board.history());
    expect(again.seq).toBe(board.seq);
    expect(again.pin('vacancy', 'C', T1).seq).toBe(board.seq + 1);
  });

  test('two pins in the same millisecond get distinct times, so neither overwrites the other when stored', () => {
    const board = new PinBoard('s');
    board.pin('vacancy', 'A', T0);
    board.pin('vacancy', 'B', T0);
    board.unpin('vacancy', T0);
    board.pin('vacancy', 'C', T0);
    const times = board.history().map((e) => e.pinnedAt);
    expect(new Set(times).size).toBe(3);
  });

  test('unpinning with nothing pinned is a CONFLICT', () => {
    expect(() => new PinBoard('s').unpin('policy', T0)).toThrow(expect.objectContaining({ code: 'CONFLICT' }) as Error);
  });
});

const card = (id: string) => ({ id }) as unknown as VacancyCard;
const policy = (id: string) => ({ id }) as unknown as PolicyCard;

describe('a page’s pin state', () => {
  test('drops an event not newer than what it shows', () => {
    let s = applyVacancy(noPins, 3, card('B'));
    s = applyVacancy(s, 2, card('A'));
    s = applyVacancy(s, 3, null);
    expect(s.vacancy?.id).toBe('B');
    expect(applyVacancy(s, 4, null).vacancy).toBeNull();
  });

  test('a join reply older than an event already applied keeps the event, and still fills the other kind', () => {
    let s = applyVacancy(noPins, 6, card('B'));
    s = applySnapshot(s, { seq: 5, vacancy: card('A'), policy: policy('P') });
    expect(s.vacancy?.id).toBe('B');
    expect(s.policy?.id).toBe('P');
  });

  test('a rejoin reply newer than anything seen replaces both kinds (what was missed while offline)', () => {
    let s = applyPolicy(applyVacancy(noPins, 1, card('A')), 2, policy('P'));
    s = applySnapshot(s, { seq: 9, vacancy: card('D'), policy: null });
    expect(s).toMatchObject({ vacancy: { id: 'D' }, policy: null, vacancySeq: 9, policySeq: 9 });
  });

  test('a snapshot before any pin (sequence 0) is taken by a fresh page', () => {
    expect(applySnapshot(noPins, { seq: 0, vacancy: null, policy: null })).toMatchObject({ vacancySeq: 0, policySeq: 0 });
  });
});
