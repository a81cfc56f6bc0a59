import { describe, expect, test } from 'vitest';
import type { Application } from '@chunfeng/shared/recruitment';
import { appendSample, breakdown, breakdownOf, countApplications, countChanges, peak, sumCounts } from '../../server/src/domain/statistics';

const app = (vacancyId: string, over: Partial<Application> = {}): Application =>
  ({ vacancyId, targetGroup: null, source: 'live', status: 'new', ...over }) as Application;

describe('statistics', () => {
  test('breakdown() counts per vacancy, group, source and status, largest first, unnamed groups as unspecified', () => {
    const b = breakdown(
      [app('v1'), app('v2', { targetGroup: 'disabled' }), app('v2', { targetGroup: 'disabled', source: 'list', status: 'withdrawn' })],
      (id) => ({ title: `title ${id}`, employer: 'E' }),
    );
    expect(b.total).toBe(3);
    expect(b.byVacancy).toEqual([
      { vacancyId: 'v2', title: 'title v2', employer: 'E', count: 2 },
      { vacancyId: 'v1', title: 'title v1', employer: 'E', count: 1 },
    ]);
    expect(b.byTargetGroup).toEqual([
      { group: 'disabled', count: 2 },
      { group: 'unspecified', count: 1 },
    ]);
    expect(b.bySource).toEqual([
      { source: 'live', count: 2 },
      { source: 'list', count: 1 },
    ]);
    expect(b.byStatus).toEqual([
      { status: 'new', count: 2 },
      { status: 'withdrawn', count: 1 },
    ]);
    // Follow-up by priority group and by vacancy: each pair of group (or vacancy) and status.
    expect(b.byGroupAndStatus).toEqual([
      { group: 'disabled', status: 'new', count: 1 },
      { group: 'unspecified', status: 'new', count: 1 },
      { group: 'disabled', status: 'withdrawn', count: 1 },
    ]);
    expect(b.byVacancyAndStatus).toEqual([
      { vacancyId: 'v1', status: 'new', count: 1 },
      { vacancyId: 'v2', status: 'new', count: 1 },
      { vacancyId: 'v2', status: 'withdrawn', count: 1 },
    ]);
  });

  test('countChanges(): a new application adds 1 to each of its session\'s cells, a status move is −1 and +1, nothing outside a session', () => {
    const made = app('v1', { sessionId: 's1', targetGroup: 'graduate' });
    expect(countChanges(undefined, made)).toEqual([
      { sessionId: 's1', dimension: 'total', key: '', delta: 1 },
      { sessionId: 's1', dimension: 'vacancy', key: 'v1', delta: 1 },
      { sessionId: 's1', dimension: 'targetGroup', key: 'graduate', delta: 1 },
      { sessionId: 's1', dimension: 'source', key: 'live', delta: 1 },
      { sessionId: 's1', dimension: 'status', key: 'new', delta: 1 },
      { sessionId: 's1', dimension: 'groupStatus', key: 'new:graduate', delta: 1 },
      { sessionId: 's1', dimension: 'vacancyStatus', key: 'new:v1', delta: 1 },
    ]);
    // The follow-up cells move with the status: out of the old pair, into the new one.
    expect(countChanges(made, { ...made, status: 'withdrawn' })).toEqual([
      { sessionId: 's1', dimension: 'status', key: 'new', delta: -1 },
      { sessionId: 's1', dimension: 'groupStatus', key: 'new:graduate', delta: -1 },
      { sessionId: 's1', dimension: 'vacancyStatus', key: 'new:v1', delta: -1 },
      { sessionId: 's1', dimension: 'status', key: 'withdrawn', delta: 1 },
      { sessionId: 's1', dimension: 'groupStatus', key: 'withdrawn:graduate', delta: 1 },
      { sessionId: 's1', dimension: 'vacancyStatus', key: 'withdrawn:v1', delta: 1 },
    ]);
    // A vacancy id with a ':' in it stays whole after the status.
    expect(breakdown([app('a:b', { status: 'hired' })], (id) => ({ title: id, employer: '' })).byVacancyAndStatus).toEqual([{ vacancyId: 'a:b', status: 'hired', count: 1 }]);
    expect(countChanges(made, { ...made })).toEqual([]);
    expect(countChanges(undefined, app('v1', { sessionId: null }))).toEqual([]);
    expect(countChanges(made, { ...made, sessionId: 's2' }).filter((c) => c.dimension === 'total')).toEqual([
      { sessionId: 's1', dimension: 'total', key: '', delta: -1 },
      { sessionId: 's2', dimension: 'total', key: '', delta: 1 },
    ]);
  });

  test('sessions\' counts summed give the breakdown of all their applications; tallies at zero are not listed', () => {
    const one = [app('v1'), app('v2', { status: 'hired' })];
    const two = [app('v2', { targetGroup: 'disabled', source: 'replay' }), app('v3', { status: 'withdrawn' })];
    const names = (id: string) => ({ title: id, employer: '' });
    expect(breakdownOf(sumCounts([countApplications(one), countApplications(two)]), names)).toEqual(breakdown([...one, ...two], names));
    const moved = countApplications(one);
    moved.byStatus.set('new', 0);
    expect(breakdownOf(moved, names).byStatus).toEqual([{ status: 'hired', count: 1 }]);
  });

  test('appendSample() keeps every sample up to the cap, then thins the older half and keeps the recent half whole', () => {
    let series: Array<{ at: string; viewers: number }> = [];
    for (let i = 0; i < 10; i++) series = appendSample(series, { at: String(i).padStart(3, '0'), viewers: i }, 10);
    expect(series).toHaveLength(10);
    series = appendSample(series, { at: '010', viewers: 10 }, 10);
    expect(series.length).toBeLessThanOrEqual(10);
    expect(series.slice(-5).map((s) => s.viewers)).toEqual([6, 7, 8, 9, 10]);
    expect(series[0]!.viewers).toBe(0);
    for (let i = 11; i < 500; i++) series = appendSample(series, { at: String(i).padStart(3, '0'), viewers: i % 37 }, 10);
    expect(series.length).toBeLessThanOrEqual(10);
    expect(series.map((s) => s.at)).toEqual([...series.map((s) => s.at)].sort());
    expect(peak([{ at: 'a', viewers: 3 }, { at: 'b', viewers: 9 }, { at: 'c', viewers: 1 }])).toBe(9);
  });
});
