import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { MemoryFunnelCounter } from '../../server/src/services/funnelCounter';
import { SessionFunnels } from '../../server/src/services/funnels';

describe('SessionFunnels', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-03-01T09:30:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function funnels(lineups: Record<string, string[]>) {
    let reads = 0;
    const f = new SessionFunnels({
      vacanciesOf: (sessionId) => {
        reads += 1;
        return Promise.resolve(new Set(lineups[sessionId] ?? []));
      },
    });
    const updates: Array<{ sessionId: string; funnel: Array<{ vacancyId: string; shown: number; opened: number; applied: number }> }> = [];
    f.on('updated', (u) => updates.push(u));
    return { f, updates, reads: () => reads };
  }

  test('counts a card once per viewer and step, only for the session’s vacancies', async () => {
    const { f } = funnels({ s: ['A', 'B'] });
    await f.open('s');
    await f.countCard('s', 'v1', 'A', 'shown');
    await f.countCard('s', 'v1', 'A', 'shown');
    await f.countCard('s', 'v2', 'A', 'shown');
    await f.countCard('s', 'v1', 'A', 'opened');
    await expect(f.countCard('s', 'v1', 'made-up', 'shown')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await f.all('s')).toEqual([expect.objectContaining({ vacancyId: 'A', shown: 2, opened: 1, applied: 0 })]);
    expect(f.size()).toEqual({ sessions: 1, vacancies: 1, viewers: 3 });
  });

  test('made-up vacancies read the session’s vacancies once and store nothing', async () => {
    const { f, reads, updates } = funnels({ s: ['A'] });
    await f.open('s');
    for (let i = 0; i < 1000; i += 1) await f.countCard('s', `v${i}`, `x${i}`, 'shown').catch(() => undefined);
    expect(reads()).toBe(1);
    expect(f.size()).toEqual({ sessions: 1, vacancies: 0, viewers: 0 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(updates).toEqual([]);
  });

  test('a session without an open stage counts nothing: card events are refused, applications ignored', async () => {
    const { f } = funnels({ s: ['A'] });
    await expect(f.countCard('s', 'v1', 'A', 'shown')).rejects.toMatchObject({ code: 'SESSION_NOT_LIVE' });
    await f.countApplied('s', 'A');
    await f.countApplied('made-up-session', 'A');
    expect(f.size()).toEqual({ sessions: 0, vacancies: 0, viewers: 0 });
  });

  test('a vacancy added to the lineup counts after vacanciesChanged()', async () => {
    const lineups = { s: ['A'] };
    const { f } = funnels(lineups);
    await f.open('s');
    await expect(f.countCard('s', 'v1', 'B', 'shown')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    lineups.s.push('B');
    f.vacanciesChanged('s');
    await f.countCard('s', 'v1', 'B', 'shown');
    await f.countApplied('s', 'B');
    expect(await f.all('s')).toEqual([expect.objectContaining({ vacancyId: 'B', shown: 1, applied: 1 })]);
  });

  test('the host hears the first change at once, then the changed vacancies at most once a second', async () => {
    const { f, updates } = funnels({ s: ['A', 'B'] });
    await f.open('s');
    await f.countCard('s', 'v1', 'A', 'shown');
    expect(updates).toHaveLength(1);
    for (let i = 2; i < 100; i += 1) await f.countCard('s', `v${i}`, i % 2 ? 'A' : 'B', 'shown');
    expect(updates).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(updates).toHaveLength(2);
    expect(updates[1]!.funnel.map((v) => [v.vacancyId, v.shown]).sort()).toEqual([['A', 50], ['B', 49]]);
  });

  test('release() lets go of everything and sends nothing pending', async () => {
    const { f, updates } = funnels({ s: ['A'] });
    await f.open('s');
    await f.countCard('s', 'v1', 'A', 'shown');
    await f.countCard('s', 'v2', 'A', 'shown');
    await f.release('s');
    await vi.advanceTimersByTimeAsync(5000);
    expect(updates).toHaveLength(1);
    expect(f.size()).toEqual({ sessions: 0, vacancies: 0, viewers: 0 });
    expect(await f.all('s')).toEqual([]);
  });

  test('forget() lets go of a session a node only counted into (another node holds its stage), never of one whose stage it holds', async () => {
    const counter = new MemoryFunnelCounter();
    const vacanciesOf = (): Promise<ReadonlySet<string>> => Promise.resolve(new Set(['A']));
    const holding = new SessionFunnels({ vacanciesOf, counter });
    const counting = new SessionFunnels({ vacanciesOf, counter });
    await holding.open('s');
    await counting.countApplied('s', 'A');
    await counting.countCard('s', 'v1', 'A', 'shown');
    expect(counting.sessionsHeld()).toBe(1);
    counting.forget('s');
    holding.forget('s');
    expect(counting.sessionsHeld()).toBe(0);
    expect(holding.sessionsHeld()).toBe(1);
    expect(await holding.all('s')).toEqual([expect.objectContaining({ vacancyId: 'A', shown: 1, applied: 1 })]);
  });
});
