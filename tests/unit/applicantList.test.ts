import { describe, expect, test } from 'vitest';
import type { Application } from '@chunfeng/shared/recruitment';
import { inFilter, listQuery, mergeApplicants } from '../../client/src/features/employer/applicantList';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 8, minute)).toISOString();
const applicant = (id: string, minute: number, over: Partial<Application> = {}): Application => ({
  id: id as Application['id'],
  vacancyId: 'v1' as Application['vacancyId'],
  employerId: 'e1' as Application['employerId'],
  sessionId: 's1',
  name: `申请人${id}`,
  phone: `1380000000${id}`,
  targetGroup: null,
  consent: { version: 'v1', at: at(minute) },
  source: 'live',
  status: 'new',
  history: [],
  createdAt: at(minute),
  ...over,
});

describe("the employer console's applicant list", () => {
  test('a change to one shown is put where it stands; an arrival goes where its time puts it', () => {
    const shown = [applicant('3', 30), applicant('2', 20), applicant('1', 10)];
    const merged = mergeApplicants(shown, [applicant('2', 20, { status: 'contacted' }), applicant('4', 40)], {}, true);
    expect(merged.map((a) => [a.id, a.status])).toEqual([['4', 'new'], ['3', 'new'], ['2', 'contacted'], ['1', 'new']]);
  });

  test('an arrival older than everything shown waits for its page while older pages are left to load', () => {
    const shown = [applicant('3', 30), applicant('2', 20)];
    expect(mergeApplicants(shown, [applicant('1', 10)], {}, false).map((a) => a.id)).toEqual(['3', '2']);
    expect(mergeApplicants(shown, [applicant('1', 10)], {}, true).map((a) => a.id)).toEqual(['3', '2', '1']);
  });

  test('an arrival outside the filter is not shown; one already shown is updated even if it no longer matches', () => {
    const shown = [applicant('2', 20)];
    const merged = mergeApplicants(shown, [applicant('5', 50, { vacancyId: 'v2' as Application['vacancyId'] }), applicant('2', 20, { status: 'hired' })], { vacancyId: 'v1', status: 'new' }, true);
    expect(merged.map((a) => [a.id, a.status])).toEqual([['2', 'hired']]);
  });

  test('the filter matches as the server does: name or phone fragment, days in the browser’s zone', () => {
    const a = applicant('7', 30, { name: '王小明' });
    expect(inFilter(a, { q: '小明' })).toBe(true);
    expect(inFilter(a, { q: '00007' })).toBe(true);
    expect(inFilter(a, { q: '李' })).toBe(false);
    expect(listQuery({})).toBe('');
    const query = new URLSearchParams(listQuery({ vacancyId: 'v1', status: 'hired', q: ' 王 ', fromDay: '2026-03-01', toDay: '2026-03-01' }, 'CUR'));
    expect(Object.fromEntries(query)).toMatchObject({ vacancyId: 'v1', status: 'hired', q: '王', cursor: 'CUR' });
    // One day: from its start to the next day's start.
    expect(new Date(query.get('to')!).getTime() - new Date(query.get('from')!).getTime()).toBe(24 * 3600 * 1000);
  });
});
