import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JobZonePage } from '@chunfeng/shared/jobZone';
import type { Campaign, Employer, LiveSession, Vacancy } from '@chunfeng/shared/recruitment';
import { allApplications, apiClient, applyBody, bureauClient } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';

type Client = ReturnType<typeof apiClient>;
type Reply = JobZonePage & { error?: { code: string; message: string } };

const forged = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const today = new Date().toISOString().slice(0, 10);
const year = today.slice(0, 4);

/**
 * The online job zone over HTTP (`GET /api/public/jobs`): the current campaign's vacancies, narrowed
 * by the filters of the /jobs page, in keyset pages, cached with an ETag, nothing personal in it.
 */
describe('the online job zone (GET /api/public/jobs)', () => {
  let server: TestServer;
  let bureau: Client;
  let anyone: Client;
  const vacancies: Vacancy[] = [];
  let upcoming: LiveSession;
  let past: LiveSession;
  let flagged: Vacancy;
  let outsider: Vacancy;

  async function walk(query: string, limit = 7): Promise<{ ids: string[]; pages: Reply[] }> {
    const pages: Reply[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams(query);
      params.set('limit', String(limit));
      if (cursor) params.set('cursor', cursor);
      const res = await anyone.get<Reply>(`/public/jobs?${params}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      pages.push(res.body);
      cursor = res.body.next;
    } while (cursor !== null);
    return { ids: pages.flatMap((p) => p.vacancies.map((v) => v.id)), pages };
  }

  beforeAll(async () => {
    server = await startTestServer({ MEDIA_WORKERS: '1' });
    bureau = await bureauClient(server.url);
    anyone = apiClient(server.url);
    // Two campaigns running today: the later to start is the current one; the other's vacancy stays out.
    const older = (await bureau.post<{ campaign: Campaign }>('/campaigns', { name: '去年的专场', startsOn: `${year}-01-01`, endsOn: `${year}-12-31` })).body.campaign;
    const spring = (await bureau.post<{ campaign: Campaign }>('/campaigns', { name: '春风行动专区', startsOn: today, endsOn: `${year}-12-31` })).body.campaign;
    const make = async (name: string, industry: string, district: string) => (await bureau.post<{ employer: Employer }>('/employers', { name, industry, district, verified: true })).body.employer;
    const factory = await make('春晖电子', '电子制造', '经开区');
    const farm = await make('绿源农业', '现代农业', '河西镇');
    const base = { hours: '8:00-17:00', location: '经开区春晖路18号', headcount: 2 };
    const vacancy = async (employer: Employer, i: number, over: Record<string, unknown> = {}) => {
      const res = await bureau.post<{ vacancy: Vacancy }>('/vacancies', { ...base, employerId: employer.id, title: `岗位${i}`, pay: { min: 3000, max: 3000 + i * 200, unit: 'month' }, ...over });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.vacancy;
    };
    for (let i = 0; i < 20; i += 1) {
      const employer = i % 2 === 0 ? factory : farm;
      const over = {
        ...(i % 4 === 0 ? { badges: ['love'] } : {}),
        ...(i % 5 === 0 ? { badges: ['public-welfare'], targetGroups: ['disabled'] } : {}),
        ...(i % 3 === 0 ? { accessibility: ['wheelchair-accessible'] } : {}),
        ...(i === 19 ? { pay: { min: 100, max: 150, unit: 'day' } } : {}),
      };
      vacancies.push(await vacancy(employer, i, over));
    }
    flagged = await vacancy(factory, 99, { requirements: '加微信 wx13912345678 先交押金200元' });
    expect(flagged.flags?.length).toBeGreaterThan(0);
    outsider = await vacancy(farm, 98);
    const lineup = (list: Vacancy[]) => list.map((v) => ({ kind: 'vacancy', id: v.id }));
    const session = async (campaignId: string, title: string, scheduledAt: string, list: Vacancy[]) =>
      (await bureau.post<{ session: LiveSession }>('/sessions', { campaignId, title, scheduledAt, lineup: lineup(list) })).body.session;
    past = await session(spring.id, '上周的专场', '2020-01-01T10:00:00+08:00', [...vacancies.slice(0, 12), flagged]);
    upcoming = await session(spring.id, '下周的专场', `${year}-12-30T10:00:00+08:00`, vacancies.slice(10));
    await session(older.id, '别的活动', `${year}-06-01T10:00:00+08:00`, [outsider]);
    await server.service.setSessionStatus(past.id, 'ended');
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  test("every vacancy of the current campaign's sessions, newest first, in keyset pages; each with its employer and the session it leads to", async () => {
    const { ids, pages } = await walk('');
    expect(pages).toHaveLength(3);
    expect(ids).toEqual(vacancies.map((v) => v.id).reverse());
    expect(pages.every((p) => p.total === 20)).toBe(true);
    expect(pages[0]!.campaign).toMatchObject({ name: '春风行动专区' });
    expect(pages[0]!.districts).toEqual(['河西镇', '经开区'].sort((a, b) => a.localeCompare(b, 'zh-CN')));
    expect(pages[0]!.sectors).toHaveLength(2);
    expect(pages.slice(1).every((p) => !('campaign' in p) && !('districts' in p))).toBe(true);
    const all = pages.flatMap((p) => p.vacancies);
    // Only in the ended session: leads there (no recording on this server); in both: the upcoming one.
    expect(all.find((v) => v.id === vacancies[0]!.id)!.session).toEqual({ id: past.id, title: '上周的专场', status: 'ended', scheduledAt: past.scheduledAt, replay: false });
    expect(all.find((v) => v.id === vacancies[11]!.id)!.session).toMatchObject({ id: upcoming.id, status: 'scheduled' });
    expect(all.find((v) => v.id === vacancies[3]!.id)!.employer).toEqual(expect.objectContaining({ name: '绿源农业', district: '河西镇', industry: '现代农业', verified: true }));
    // Held back for its flags, or in another campaign: not on the board.
    expect(ids).not.toContain(flagged.id);
    expect(ids).not.toContain(outsider.id);
  });

  test('filters by district, sector, pay, badges, target group and accessibility, each page counting every match', async () => {
    const expectIds = async (query: string, pick: (v: Vacancy, i: number) => boolean) => {
      const { ids, pages } = await walk(query, 4);
      const expected = vacancies.filter(pick).map((v) => v.id).reverse();
      expect(ids, query).toEqual(expected);
      expect(pages[0]!.total, query).toBe(expected.length);
    };
    await expectIds(`district=${encodeURIComponent('经开区')}`, (_v, i) => i % 2 === 0);
    await expectIds(`sector=${encodeURIComponent('现代农业')}`, (_v, i) => i % 2 === 1);
    // 5,000 a month or more: 3000 + i*200 ≥ 5000 from i = 10; the day rate 150 × 22 = 3,300 is under it.
    await expectIds('pay=5000', (_v, i) => i >= 10 && i !== 19);
    await expectIds('badge=love', (v) => v.badges.includes('love'));
    await expectIds('badge=love&badge=public-welfare', () => false);
    await expectIds('group=disabled', (_v, i) => i % 5 === 0);
    await expectIds('access=wheelchair-accessible', (_v, i) => i % 3 === 0);
    await expectIds(`access=wheelchair-accessible&district=${encodeURIComponent('经开区')}&badge=public-welfare`, (_v, i) => i === 0);
    // A parameter the board does not know (a share channel, say) narrows nothing.
    await expectIds('ch=wechat', () => true);
  });

  test('bad filter values and forged cursors are a typed 400, never a 500', async () => {
    const bad = [
      'badge=gold',
      'access=stairs',
      'group=everyone',
      'pay=lots',
      'pay=-1',
      'limit=0',
      'limit=500',
      `district=${'区'.repeat(61)}`,
      'cursor=not-a-cursor',
      `cursor=${forged({ list: 'sessions', at: '2026', id: 'x' })}`,
      `cursor=${forged({ list: 'jobs', at: 5, id: 'x' })}`,
      'badge=love&badge=love&badge=love',
    ];
    for (const query of bad) {
      const res = await anyone.get<Reply>(`/public/jobs?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error?.code, query).toBe('VALIDATION');
    }
  });

  test('served from memory with an ETag and a short max-age; a 304 for a copy still current; an edit shows at once', async () => {
    const first = await anyone.raw('/public/jobs?badge=love');
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=5');
    const again = await fetch(`${server.url}/api/public/jobs?badge=love`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const target = vacancies.find((v) => v.badges.includes('love'))!;
    const { id: _id, createdAt: _c, flags: _f, review: _r, ...input } = target;
    expect((await bureau.put(`/vacancies/${target.id}`, { ...input, title: '改过名的岗位' })).status).toBe(200);
    const edited = await fetch(`${server.url}/api/public/jobs?badge=love`, { headers: { 'if-none-match': etag } });
    expect(edited.status).toBe(200);
    expect(((await edited.json()) as Reply).vacancies.find((v) => v.id === target.id)?.title).toBe('改过名的岗位');
  });

  test('nothing personal in it: an application from the zone is stored with source "zone", and its name and phone appear nowhere on the board', async () => {
    const target = vacancies[12]!;
    const body = applyBody(target.id, { sessionId: upcoming.id, source: 'zone', name: '赵专区' });
    const applied = await anyone.post('/applications', body);
    expect(applied.status).toBe(202);
    const stored = await allApplications(bureau, `vacancyId=${target.id}`);
    expect(stored).toEqual([expect.objectContaining({ name: '赵专区', source: 'zone', sessionId: upcoming.id })]);
    const stats = await bureau.get<{ applications: { bySource: Array<{ source: string; count: number }> } }>(`/statistics/sessions/${upcoming.id}`);
    expect(stats.body.applications.bySource).toEqual([{ source: 'zone', count: 1 }]);
    const { pages } = await walk('', 50);
    const text = JSON.stringify(pages);
    expect(text).not.toContain('赵专区');
    expect(text).not.toContain(body.phone);
    // The scam-guard flags and who checked them are the bureau's.
    expect(text).not.toMatch(/"flags"|"review"|"keyHash"|"phone"/);
  });
});
