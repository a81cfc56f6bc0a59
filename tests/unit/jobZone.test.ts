import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import { JobZoneQuery, type JobZonePage } from '@chunfeng/shared/jobZone';
import type { Campaign, Employer, LiveSession, Vacancy } from '@chunfeng/shared/recruitment';
import type { RecruitmentService } from '../../server/src/services/recruitment';
import type { JobStore } from '../../server/src/store/jobStore';
import { JobZone, leadSession } from '../../server/src/transport/jobZone';

const at = '2027-02-01T00:00:00.000Z';
const session = (id: string, status: LiveSession['status'], scheduledAt: string, vacancyIds: string[]): LiveSession => ({
  id,
  campaignId: 'spring' as LiveSession['campaignId'],
  title: id,
  scheduledAt,
  status,
  lineup: vacancyIds.map((v) => ({ kind: 'vacancy', id: v as Vacancy['id'] })),
  createdAt: at,
});

/** A store holding one campaign's catalog, counting the reads the board makes. */
function fakeService(sessions: LiveSession[], pinned: Record<string, string[]> = {}) {
  const campaign: Campaign = { id: 'spring' as Campaign['id'], name: '春风行动', startsOn: '2027-01-01', endsOn: '2027-12-31', description: '', createdAt: at };
  const employer: Employer = { id: 'e1' as Employer['id'], name: '春晖电子', industry: '电子制造', district: '经开区', verified: true, createdAt: at };
  const vacancy = (id: string): Vacancy => ({
    id: id as Vacancy['id'], employerId: employer.id, title: id, headcount: 1, pay: { min: 1, max: 2, unit: 'month' }, hours: 'h', location: 'l',
    insurance: [], benefits: [], requirements: '', badges: [], targetGroups: [], accessibility: [], createdAt: at,
  });
  const reads = { builds: 0 };
  const store = {
    list: () => (reads.builds++, Promise.resolve([campaign])),
    pageCatalog: () => Promise.resolve({ docs: sessions, next: undefined }),
    get: (kind: string, id: string) => Promise.resolve(kind === 'employer' ? employer : kind === 'vacancy' ? vacancy(id) : undefined),
    // The vacancies the host pinned in each session: the replay's chapters.
    listPins: (sessionId: string) => Promise.resolve((pinned[sessionId] ?? []).map((itemId) => ({ sessionId, kind: 'vacancy', itemId, pinnedAt: at, unpinnedAt: null }))),
  } as unknown as JobStore;
  const events = new EventEmitter();
  const service = Object.assign(events, { store }) as unknown as RecruitmentService & EventEmitter;
  return { service, reads };
}

const everything = JobZoneQuery.parse({});
const read = async (zone: JobZone): Promise<JobZonePage> => JSON.parse((await zone.page(everything)).body.toString()) as JobZonePage;

describe('the job zone board', () => {
  test('a vacancy leads to its live session, else the next scheduled, else the most recent ended', () => {
    const ended1 = session('ended1', 'ended', '2027-01-01T10:00:00Z', []);
    const ended2 = session('ended2', 'ended', '2027-01-05T10:00:00Z', []);
    const later = session('later', 'scheduled', '2027-03-01T10:00:00Z', []);
    const sooner = session('sooner', 'scheduled', '2027-02-10T10:00:00Z', []);
    const live = session('live', 'live', '2027-01-20T10:00:00Z', []);
    expect(leadSession([ended1, later, live, sooner])?.id).toBe('live');
    expect(leadSession([later, ended2, sooner, ended1])?.id).toBe('sooner');
    expect(leadSession([ended2, ended1])?.id).toBe('ended2');
  });

  test('an ended session leads to its replay only when the recording can be played and the vacancy has a chapter in it', async () => {
    const { service } = fakeService([session('with', 'ended', at, ['v1', 'v3']), session('without', 'ended', at, ['v2'])], { with: ['v1'], without: ['v2'] });
    const zone = new JobZone({ service, hasReplay: (id) => Promise.resolve(id === 'with'), now: () => Date.parse('2027-02-01T00:00:00Z') });
    const page = await read(zone);
    // v3 was in the lineup of the recorded session but never pinned: no chapter to open at.
    expect(Object.fromEntries(page.vacancies.map((v) => [v.id, v.session.replay]))).toEqual({ v1: true, v2: false, v3: false });
  });

  test('built once and served from memory; rebuilt after a change to what it shows or after maxAgeMs, not after a change to something else', async () => {
    let now = Date.parse('2027-02-01T00:00:00Z');
    const { service, reads } = fakeService([session('s1', 'scheduled', at, ['v1'])]);
    const zone = new JobZone({ service, hasReplay: undefined, maxAgeMs: 10_000, now: () => now });
    const first = await zone.page(everything);
    expect(await zone.page(everything)).toBe(first);
    expect(reads.builds).toBe(1);
    service.emit('changed', 'another-session');
    await zone.page(everything);
    expect(reads.builds).toBe(1);
    service.emit('changed', 'v1');
    await zone.page(everything);
    expect(reads.builds).toBe(2);
    now += 10_001;
    await zone.page(everything);
    expect(reads.builds).toBe(3);
  });
});
