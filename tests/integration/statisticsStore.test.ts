import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import type { Campaign, Employer, LiveSession, Vacancy } from '@chunfeng/shared/recruitment';
import type { CampaignStatistics } from '@chunfeng/shared/statistics';
import { moveApplication, type ApplicationRecord } from '../../server/src/domain/applications';
import { breakdown, peak } from '../../server/src/domain/statistics';
import { Statistics } from '../../server/src/services/statistics';
import type { JobStore } from '../../server/src/store/jobStore';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';
import { applicationRecord } from '../harness/records';

const stores: Array<{ name: string; open: () => { store: JobStore; cleanup: () => void } }> = [
  {
    name: 'embedded (SQLite)',
    open: () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-stats-'));
      return { store: new SqliteJobStore({ dataDir }), cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  { name: 'Redis', open: () => ({ store: new RedisJobStore({ url: inject('redisUrl'), prefix: `st${crypto.randomUUID().slice(0, 8)}:` }), cleanup: () => undefined }) },
];

const at = '2027-03-01T08:00:00.000Z';
const employer = (id: string, name: string): Employer => ({ id: id as Employer['id'], name, industry: '制造业', district: '城关区', verified: true, createdAt: at });
const vacancy = (id: string, employerId: string, title: string): Vacancy => ({
  id: id as Vacancy['id'],
  employerId: employerId as Vacancy['employerId'],
  title,
  headcount: 5,
  pay: { min: 4000, max: 6000, unit: 'month' },
  hours: '8:00-17:00',
  location: '工业园区',
  insurance: [],
  benefits: [],
  requirements: '',
  badges: [],
  targetGroups: [],
  accessibility: [],
  createdAt: at,
});
const campaign = (id: string): Campaign => ({ id: id as Campaign['id'], name: `春风行动 ${id}`, startsOn: '2027-03-01', endsOn: '2027-03-31', description: '', createdAt: at });
const session = (id: string, campaignId: string): LiveSession => ({
  id,
  campaignId: campaignId as LiveSession['campaignId'],
  title: `专场 ${id}`,
  scheduledAt: at,
  lineup: [],
  status: 'ended',
  createdAt: at,
});

const groups = [null, 'rural-worker', 'employment-difficulty', 'disabled', 'graduate'] as const;
const sources = ['live', 'replay', 'list'] as const;

describe.each(stores)('statistics from the store\'s tallies: $name', ({ open }) => {
  const { store, cleanup } = open();
  afterAll(async () => {
    await store.close();
    cleanup();
  });

  test('a campaign\'s and each session\'s figures equal a recount of their applications, after repeats, withdrawals and moves', async () => {
    await store.put('employer', employer('e1', '春风机械厂'));
    await store.put('employer', employer('e2', '城关物流'));
    for (const [id, e, title] of [['v1', 'e1', '数控车床操作工'], ['v2', 'e1', '焊工'], ['v3', 'e2', '分拣员'], ['v4', 'e2', '叉车司机']] as const) await store.put('vacancy', vacancy(id, e, title));
    await store.put('campaign', campaign('c1'));
    await store.put('campaign', campaign('c2'));
    for (const [id, c] of [['sA', 'c1'], ['sB', 'c1'], ['sEmpty', 'c1'], ['sOther', 'c2']] as const) await store.put('session', session(id, c));
    await store.put('viewers', { id: 'sA', samples: [{ at, viewers: 12 }, { at: '2027-03-01T08:01:00.000Z', viewers: 40 }] });

    const sessionIds = ['sA', 'sB', 'sOther', null];
    const made: ApplicationRecord[] = [];
    for (let i = 0; i < 60; i += 1) {
      const { application, created } = await store.apply(
        applicationRecord({
          phone: `1350${String(i).padStart(7, '0')}`,
          sessionId: sessionIds[i % sessionIds.length]!,
          vacancyId: `v${(i % 4) + 1}` as ApplicationRecord['vacancyId'],
          employerId: (i % 4 < 2 ? 'e1' : 'e2') as ApplicationRecord['employerId'],
          targetGroup: groups[i % groups.length]!,
          source: sources[i % sources.length]!,
        }),
      );
      expect(created).toBe(true);
      made.push(application);
    }
    // Repeats count nothing; withdrawals and moves change only the status figures.
    for (const a of made.slice(0, 5)) expect((await store.apply({ ...a, id: crypto.randomUUID() as ApplicationRecord['id'] })).created).toBe(false);
    for (const [i, a] of made.entries()) {
      if (i % 3 === 0) await store.updateApplication(a.id, (cur) => moveApplication(cur, { status: 'contacted', by: 'bureau:李敏', note: '', at }));
      if (i % 5 === 0) await store.updateApplication(a.id, (cur) => moveApplication(cur, { status: 'withdrawn', by: 'applicant', note: '', at }));
      if (i % 7 === 0 && i % 5 !== 0) await store.updateApplication(a.id, (cur) => moveApplication(cur, { status: 'hired', by: 'bureau:李敏', note: '', at }));
    }

    // The recount: every application of every session read and tallied, as the statistics did before.
    const [vacancies, employers] = await Promise.all([store.list('vacancy'), store.list('employer')]);
    const names = (id: string) => {
      const v = vacancies.find((x) => x.id === id);
      return { title: v?.title ?? id, employer: employers.find((e) => e.id === v?.employerId)?.name ?? '' };
    };
    const sessions = await store.list('session', { value: 'c1' });
    const perSession = await Promise.all(sessions.map(async (s) => ({ s, applications: await store.listApplications({ sessionId: s.id }) })));
    const recount: CampaignStatistics = {
      campaign: { id: 'c1', name: '春风行动 c1', startsOn: '2027-03-01', endsOn: '2027-03-31' },
      sessions: await Promise.all(
        perSession.map(async ({ s, applications }) => ({
          id: s.id,
          title: s.title,
          status: s.status,
          scheduledAt: s.scheduledAt,
          peakViewers: peak((await store.get('viewers', s.id))?.samples ?? []),
          uniqueViewers: 0,
          applications: applications.length,
        })),
      ),
      // Nobody joined a stage in this test: no viewer was counted.
      uniqueViewers: { count: 0, approximate: (await store.uniqueViewers([])).approximate },
      applications: breakdown(perSession.flatMap((p) => p.applications), names),
    };

    // Only the campaign's own sessions are listed (its index); vacancies and employers are read by
    // id, never as whole kinds, which grow with every campaign the province has run.
    const listed: Array<[string, string | undefined]> = [];
    const list: JobStore['list'] = (kind, where) => {
      listed.push([kind, where?.value]);
      return store.list(kind, where);
    };
    const spied = new Proxy(store, {
      get: (target, key) => {
        if (key === 'list') return list;
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const statistics = new Statistics({ store: spied });
    const whole = await statistics.campaign('c1');
    expect(whole).toEqual(recount);
    expect(whole.sessions.map((s) => [s.id, s.peakViewers, s.applications])).toEqual([
      ['sA', 40, 15],
      ['sB', 0, 15],
      ['sEmpty', 0, 0],
    ]);
    expect(whole.applications.byStatus.find((s) => s.status === 'withdrawn')?.count).toBeGreaterThan(0);
    for (const { s, applications } of perSession) {
      const one = await statistics.session(s.id);
      expect(one.applications).toEqual(breakdown(applications, names));
      expect(one.session.applications).toBe(applications.length);
    }
    expect(listed).toEqual([['session', 'c1']]);
    await expect(statistics.campaign('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(statistics.session('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
