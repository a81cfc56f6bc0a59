import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Invite, StaffView } from '@chunfeng/shared/admin';
import type { Campaign, Employer, LiveSession, PolicyCard, Vacancy } from '@chunfeng/shared/recruitment';
import { apiClient, bureauClient } from '../harness/api';
import { startRedis, type TestRedis } from '../harness/redis';
import { startTestServer, type TestServer } from '../harness/server';

type Client = ReturnType<typeof apiClient>;
type Page<Name extends string, T> = { [N in Name]: T[] } & { next: string | null; error?: { code: string } };

/** A cursor as the server's codec writes one (base64url JSON), to show a forged or foreign one is refused. */
const forged = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The bureau's lists a page at a time (keyset on creation order, opaque cursors), narrowed where a
 * bureau needs it, and scoped by role as before — on the embedded store and on Redis.
 */
describe.each([{ store: 'embedded' }, { store: 'redis' }])('the bureau lists in pages over HTTP ($store store)', ({ store }) => {
  let server: TestServer;
  let redis: TestRedis | undefined;
  let bureau: Client;

  /** Every page of a list, walked by its cursors. */
  async function walk<Name extends string, T>(path: string, name: Name, client = bureau): Promise<{ items: T[]; pages: number }> {
    const items: T[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const joiner = path.includes('?') ? '&' : '?';
      const res: { status: number; body: Page<Name, T> } = await client.get<Page<Name, T>>(cursor ? `${path}${joiner}cursor=${encodeURIComponent(cursor)}` : path);
      expect(res.status).toBe(200);
      items.push(...res.body[name]);
      cursor = res.body.next;
      pages += 1;
    } while (cursor !== null);
    return { items, pages };
  }

  beforeAll(async () => {
    // Redis: one of its own, so the lists hold only what this file wrote.
    if (store === 'redis') redis = await startRedis();
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', ...(redis ? { REDIS_URL: redis.url } : {}) });
    bureau = await bureauClient(server.url);
    for (let i = 0; i < 60; i += 1) {
      const made = await bureau.post('/employers', { name: i === 7 ? 'Yellow River Textiles 黄河纺织' : `物流公司${i}`, industry: '物流', district: '城关区', verified: i % 10 === 0 });
      expect(made.status).toBe(201);
    }
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
  });

  test('employers come 50 a page in creation order with a cursor to the next; one created between pages comes at the end, each once', async () => {
    const first = await bureau.get<Page<'employers', Employer>>('/employers');
    expect(first.status).toBe(200);
    expect(first.body.employers).toHaveLength(50);
    expect(first.body.next).toEqual(expect.any(String));
    const created = await bureau.post<{ employer: Employer }>('/employers', { name: '新来的企业', industry: '制造业', district: '城关区' });
    const second = await bureau.get<Page<'employers', Employer>>(`/employers?cursor=${first.body.next}`);
    expect(second.body.next).toBeNull();
    const ids = [...first.body.employers, ...second.body.employers].map((e) => e.id);
    // The demo's five, the sixty made here, and the one made between the pages.
    expect(ids).toHaveLength(66);
    expect(new Set(ids).size).toBe(66);
    expect(ids.at(-1)).toBe(created.body.employer.id);
    const times = [...first.body.employers, ...second.body.employers].map((e) => e.createdAt);
    expect([...times].sort()).toEqual(times);
  });

  test('limit asks for fewer (at most 100); a limit out of range is a typed 400', async () => {
    const walked = await walk<'employers', Employer>('/employers?limit=20', 'employers');
    expect(walked.pages).toBe(4);
    expect(walked.items).toHaveLength(66);
    expect((await bureau.get<Page<'employers', Employer>>('/employers?limit=100')).body.employers).toHaveLength(66);
    for (const limit of ['0', '101', 'many', '-1']) {
      const res = await bureau.get<{ error: { code: string } }>(`/employers?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
    }
  });

  test('a cursor the server did not give, or gave for another list, is a typed 400 on every list', async () => {
    const vacanciesCursor = (await bureau.get<Page<'vacancies', Vacancy>>('/vacancies?limit=1')).body.next;
    expect(vacanciesCursor).toEqual(expect.any(String));
    const bad = ['garbage', forged({ list: 'employer', after: -3 }), forged({ list: 'employer', after: 1, extra: true }), forged({ before: 5 }), 'x'.repeat(201), vacanciesCursor!];
    for (const cursor of bad) {
      const res = await bureau.get<{ error: { code: string } }>(`/employers?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
    }
    for (const path of ['/campaigns', '/sessions', '/vacancies', '/policies', '/invites', '/staff']) {
      const res = await bureau.get<{ error: { code: string } }>(`${path}?cursor=garbage`);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
    }
  });

  test('employers narrowed by a fragment of the name (any case) and by whether they are verified', async () => {
    const found = await walk<'employers', Employer>('/employers?q=yellow%20RIVER', 'employers');
    expect(found.items.map((e) => e.name)).toEqual(['Yellow River Textiles 黄河纺织']);
    expect((await walk<'employers', Employer>(`/employers?q=${encodeURIComponent('黄河')}`, 'employers')).items).toHaveLength(1);
    const unverified = await walk<'employers', Employer>('/employers?verified=no&limit=10', 'employers');
    expect(unverified.items.length).toBeGreaterThan(0);
    expect(unverified.items.every((e) => !e.verified)).toBe(true);
    const verified = await walk<'employers', Employer>('/employers?verified=yes', 'employers');
    expect(verified.items.length + unverified.items.length).toBe(66);
    expect((await bureau.get('/employers?verified=maybe')).status).toBe(400);
  });

  test('sessions narrowed by campaign, status and title; vacancies by employer', async () => {
    const [campaign] = (await bureau.get<Page<'campaigns', Campaign>>('/campaigns')).body.campaigns;
    const other = await bureau.post<{ campaign: Campaign }>('/campaigns', { name: '就业援助月', startsOn: '2027-01-01', endsOn: '2027-02-28' });
    for (let i = 0; i < 3; i += 1) await bureau.post('/sessions', { campaignId: other.body.campaign.id, title: `援助月专场${i}`, scheduledAt: '2027-01-10T10:00:00+08:00' });
    const ofOther = await walk<'sessions', LiveSession>(`/sessions?campaignId=${other.body.campaign.id}&limit=2`, 'sessions');
    expect(ofOther.pages).toBe(2);
    expect(ofOther.items.map((s) => s.title)).toEqual(['援助月专场0', '援助月专场1', '援助月专场2']);
    const ofDemo = await walk<'sessions', LiveSession>(`/sessions?campaignId=${campaign!.id}`, 'sessions');
    expect(ofDemo.items.length).toBeGreaterThan(0);
    expect(ofDemo.items.every((s) => s.campaignId === campaign!.id)).toBe(true);
    expect((await walk<'sessions', LiveSession>('/sessions?status=live', 'sessions')).items).toEqual([]);
    expect((await walk<'sessions', LiveSession>('/sessions?status=scheduled', 'sessions')).items.length).toBe(ofDemo.items.length + 3);
    expect((await walk<'sessions', LiveSession>(`/sessions?q=${encodeURIComponent('专场1')}`, 'sessions')).items.map((s) => s.title)).toEqual(['援助月专场1']);
    expect((await bureau.get('/sessions?status=paused')).status).toBe(400);

    const vacancies = (await walk<'vacancies', Vacancy>('/vacancies', 'vacancies')).items;
    const employerId = vacancies[0]!.employerId;
    const ofOne = await walk<'vacancies', Vacancy>(`/vacancies?employerId=${employerId}&limit=1`, 'vacancies');
    expect(ofOne.items.map((v) => v.id)).toEqual(vacancies.filter((v) => v.employerId === employerId).map((v) => v.id));
    const title = vacancies[0]!.title;
    const byTitle = await walk<'vacancies', Vacancy>(`/vacancies?q=${encodeURIComponent(title)}`, 'vacancies');
    expect(byTitle.items.every((v) => v.title.includes(title))).toBe(true);
    // Held by a scam-guard flag until the bureau checks it: found on the server, past the pages shown.
    const held = await bureau.post<{ vacancy: Vacancy }>('/vacancies', { employerId, title: '包装工', headcount: 3, pay: { min: 4000, max: 5000, unit: 'month' }, hours: '8:00-17:00', location: '河东镇', requirements: '详情加V：abc12345' });
    expect(held.status).toBe(201);
    const flagged = await walk<'vacancies', Vacancy>('/vacancies?flagged=yes&limit=1', 'vacancies');
    expect(flagged.items.map((v) => v.title)).toEqual(['包装工']);
    const unflagged = (await walk<'vacancies', Vacancy>('/vacancies?flagged=no', 'vacancies')).items;
    expect(unflagged.length + 1).toBe((await walk<'vacancies', Vacancy>('/vacancies', 'vacancies')).items.length);
    for (const bad of ['maybe', '1', 'yes&flagged=no']) {
      const res = await bureau.get<{ error: { code: string } }>(`/vacancies?flagged=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
    }
    expect((await walk<'policies', PolicyCard>('/policies?limit=1', 'policies')).items.length).toBeGreaterThan(0);
  });

  test('ids read just those documents (in the order asked, unknown ones left out), order=newest lists the latest first, and counts come from the index', async () => {
    const employers = (await walk<'employers', Employer>('/employers', 'employers')).items;
    const [a, b] = [employers[3]!, employers[1]!];
    const byIds = await bureau.get<Page<'employers', Employer>>(`/employers?ids=${a.id},nobody,${b.id},${a.id}`);
    expect(byIds.status).toBe(200);
    expect(byIds.body.employers.map((e) => e.id)).toEqual([a.id, b.id]);
    expect(byIds.body.next).toBeNull();
    // The other narrowing still holds: a fragment that only one of them has.
    const narrowed = await bureau.get<Page<'employers', Employer>>(`/employers?ids=${a.id},${b.id}&q=${encodeURIComponent(b.name)}`);
    expect(narrowed.body.employers.map((e) => e.id)).toEqual([b.id]);
    const newest = await bureau.get<Page<'employers', Employer>>('/employers?order=newest&limit=2');
    expect(newest.body.employers.map((e) => e.id)).toEqual(employers.slice(-2).reverse().map((e) => e.id));
    const older = await walk<'employers', Employer>(`/employers?order=newest&limit=40`, 'employers');
    expect(older.items.map((e) => e.id)).toEqual([...employers].reverse().map((e) => e.id));

    const vacancies = (await walk<'vacancies', Vacancy>('/vacancies', 'vacancies')).items;
    const owners = [...new Set(vacancies.map((v): string => v.employerId))];
    const counts = await bureau.get<{ counts: Record<string, number> }>(`/catalog/counts?of=vacancy&ids=${[...owners, 'nobody'].join(',')}`);
    expect(counts.status).toBe(200);
    expect(counts.body.counts).toEqual(Object.fromEntries([...owners.map((id) => [id, vacancies.filter((v) => v.employerId === id).length]), ['nobody', 0]]));
    const campaigns = (await walk<'campaigns', Campaign>('/campaigns', 'campaigns')).items;
    const sessions = (await walk<'sessions', LiveSession>('/sessions', 'sessions')).items;
    const sessionCounts = await bureau.get<{ counts: Record<string, number> }>(`/catalog/counts?of=session&ids=${campaigns.map((c) => c.id).join(',')}`);
    expect(sessionCounts.body.counts).toEqual(Object.fromEntries(campaigns.map((c) => [c.id, sessions.filter((s) => s.campaignId === c.id).length])));

    // An employer reads by id only its own vacancies, and no counts.
    const invite = await bureau.post<{ token: string }>(`/employers/${owners[0]}/invite`);
    const employer = apiClient(server.url, invite.body.token);
    const theirs = vacancies.find((v) => v.employerId !== owners[0])!;
    const mine = vacancies.find((v) => v.employerId === owners[0])!;
    expect((await employer.get<Page<'vacancies', Vacancy>>(`/vacancies?ids=${theirs.id},${mine.id}`)).body.vacancies.map((v) => v.id)).toEqual([mine.id]);
    expect((await employer.get(`/catalog/counts?of=vacancy&ids=${owners[0]}`)).status).toBe(403);

    // Ids and a cursor together are refused (a read by id has no pages), a forged cursor or the server's own.
    const firstPage = await bureau.get<Page<'employers', Employer>>('/employers?limit=1');
    for (const path of [`/employers?ids=${a.id}&cursor=${firstPage.body.next}`, `/vacancies?ids=${a.id}&cursor=forged`, `/sessions?ids=a&cursor=${forged({ list: 'session', after: 1 })}`, '/campaigns?ids=a&cursor=x', '/policies?ids=a&cursor=x']) {
      const res = await bureau.get<{ error: { code: string } }>(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe('VALIDATION');
    }
    // Hostile shapes are typed 400s: too many ids, a blank one, an array, an unknown kind or order.
    const tooMany = Array.from({ length: 101 }, (_, i) => `e${i}`).join(',');
    for (const path of [`/employers?ids=${tooMany}`, '/employers?ids=a,,b', '/employers?ids=', '/employers?ids=a&ids=b', '/employers?order=sideways', '/catalog/counts?of=staff&ids=a', '/catalog/counts?of=vacancy', `/catalog/counts?of=vacancy&ids=${tooMany}`]) {
      const res = await bureau.get<{ error: { code: string } }>(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe('VALIDATION');
    }
  });

  test("an employer pages only its own vacancies, whatever employer or cursor it asks with, and none of the bureau's lists", async () => {
    const vacancies = (await walk<'vacancies', Vacancy>('/vacancies', 'vacancies')).items;
    const [mine, theirs] = [...new Set(vacancies.map((v): string => v.employerId))] as [string, string];
    const invite = await bureau.post<{ token: string }>(`/employers/${mine}/invite`);
    const employer = apiClient(server.url, invite.body.token);
    const own = await walk<'vacancies', Vacancy>(`/vacancies?employerId=${theirs}&limit=1`, 'vacancies', employer);
    expect(own.items.length).toBeGreaterThan(0);
    expect(own.items.every((v) => v.employerId === mine)).toBe(true);
    // A cursor from the bureau's page of another employer's vacancies goes on within its own only.
    const theirPage = await bureau.get<Page<'vacancies', Vacancy>>(`/vacancies?employerId=${theirs}&limit=1`);
    const onward = await employer.get<Page<'vacancies', Vacancy>>(`/vacancies?cursor=${encodeURIComponent(theirPage.body.next ?? forged({ list: 'vacancy', after: 1 }))}`);
    expect(onward.status).toBe(200);
    expect(onward.body.vacancies.every((v) => v.employerId === mine)).toBe(true);
    for (const path of ['/campaigns', '/sessions', '/employers', '/policies', '/invites', '/staff']) {
      const res = await employer.get<{ error: { code: string } }>(path);
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    expect((await apiClient(server.url).get('/vacancies')).status).toBe(401);
  });

  test('the public landing list pages by its cursor (no sign-in), and refuses a cursor of another list with a typed 400', async () => {
    const anonymous = apiClient(server.url);
    const first = await anonymous.get<{ sessions: Array<{ id: string; status: string }>; next: string | null; current?: unknown }>('/public/sessions?limit=1');
    expect(first.status).toBe(200);
    expect(first.body).toHaveProperty('current');
    expect(first.body.sessions).toHaveLength(1);
    const walked = await walk<'sessions', { id: string }>('/public/sessions?limit=1', 'sessions', anonymous);
    const all = (await anonymous.get<{ sessions: Array<{ id: string }> }>('/public/sessions?limit=100')).body.sessions.map((s) => s.id);
    expect(all.length).toBeGreaterThan(1);
    expect(walked.items.map((s) => s.id)).toEqual(all);
    const employersCursor = (await bureau.get<Page<'employers', Employer>>('/employers?limit=1')).body.next!;
    for (const cursor of ['garbage', employersCursor]) {
      const res = await anonymous.get<{ error: { code: string } }>(`/public/sessions?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
    }
  });

  test('invite links page newest first and narrow by kind; staff accounts page without the removed ones', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) made.push((await bureau.post<{ invite: Invite }>('/sessions/demo/host-link')).body.invite.id);
    const employerLink = (await bureau.post<{ invite: Invite }>(`/employers/${(await bureau.get<Page<'employers', Employer>>('/employers?limit=1')).body.employers[0]!.id}/invite`)).body.invite;
    const first = await bureau.get<Page<'invites', Invite> & { now: string }>('/invites?limit=3');
    expect(first.body.now).toEqual(expect.any(String));
    expect(first.body.invites.map((i) => i.id)).toEqual([employerLink.id, made[4], made[3]]);
    const hosts = await walk<'invites', Invite>('/invites?kind=host&limit=2', 'invites');
    expect(hosts.items.every((i) => i.kind === 'host')).toBe(true);
    expect(hosts.items.slice(0, 5).map((i) => i.id)).toEqual([...made].reverse());
    expect((await bureau.get('/invites?kind=janitor')).status).toBe(400);

    for (const name of ['wang.a', 'wang.b', 'wang.c']) await bureau.post('/staff', { username: name, displayName: name, password: 'long-enough-pw' });
    const before = await walk<'staff', StaffView>('/staff?limit=2', 'staff');
    expect(before.items.map((s) => s.username)).toEqual(['admin', 'wang.a', 'wang.b', 'wang.c']);
    await bureau.delete(`/staff/${before.items[2]!.id}`);
    expect((await walk<'staff', StaffView>('/staff?limit=2', 'staff')).items.map((s) => s.username)).toEqual(['admin', 'wang.a', 'wang.c']);
  });
});
