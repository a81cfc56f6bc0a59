import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Application, ApplicationChangesPage, ApplicationListPage, Employer, Vacancy } from '@chunfeng/shared/recruitment';
import { allApplications, apiClient, applyBody, bureauClient } from '../harness/api';
import { startRedis, type TestRedis } from '../harness/redis';
import { startTestServer, type TestServer } from '../harness/server';

type Client = ReturnType<typeof apiClient>;

/**
 * The applicant lists a province's bureau and its employers work from: pages of 50 (newest first,
 * keyset cursors), narrowed by vacancy, status, dates and name or phone, and the changes since a
 * cursor — so a console never reloads everything. Each on the embedded store and on Redis.
 */
describe.each([{ store: 'embedded' }, { store: 'redis' }])('application pages and changes over HTTP ($store store)', ({ store }) => {
  let server: TestServer;
  let redis: TestRedis | undefined;
  let bureau: Client;
  let employers: Employer[];
  let vacancies: Vacancy[];
  const applied: Record<string, string[]> = {};

  const apply = async (vacancy: Vacancy, over: Record<string, unknown> = {}): Promise<string> => {
    const body = applyBody(vacancy.id, over);
    // From one address per employer: far under the address block's ceiling.
    const res = await fetch(`${server.url}/api/applications`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify(body) });
    expect(res.status).toBe(202);
    (applied[vacancy.employerId] ??= []).push(body.phone);
    return body.phone;
  };
  const employerClient = async (employerId: string): Promise<Client> => {
    const invite = await bureau.post<{ token: string }>(`/employers/${employerId}/invite`);
    return apiClient(server.url, invite.body.token);
  };

  beforeAll(async () => {
    // Redis: one of its own, so the demo data and the lists hold only what this file wrote.
    if (store === 'redis') redis = await startRedis();
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', ...(redis ? { REDIS_URL: redis.url } : {}) });
    bureau = await bureauClient(server.url);
    employers = (await bureau.get<{ employers: Employer[] }>('/employers')).body.employers;
    vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    const [a, b] = employers;
    const ofA = vacancies.filter((v) => v.employerId === a!.id);
    const ofB = vacancies.find((v) => v.employerId === b!.id)!;
    for (let i = 0; i < 45; i += 1) await apply(ofA[i % ofA.length]!);
    for (let i = 0; i < 15; i += 1) await apply(ofB, { name: i === 3 ? '赵小燕' : '李四' });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
  });

  test('the bureau walks every application in pages of 50, newest first, each once, while new ones arrive', async () => {
    const first = await bureau.get<ApplicationListPage>('/applications');
    expect(first.status).toBe(200);
    expect(first.body.applications).toHaveLength(50);
    expect(first.body.next).toEqual(expect.any(String));
    const times = first.body.applications.map((a) => a.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    // An application arriving between pages does not shift the next page.
    const late = await apply(vacancies[0]!);
    const second = await bureau.get<ApplicationListPage>(`/applications?cursor=${first.body.next}`);
    expect(second.body.next).toBeNull();
    const walked = [...first.body.applications, ...second.body.applications].map((a) => a.phone);
    expect(new Set(walked).size).toBe(walked.length);
    expect(walked).not.toContain(late);
    const everyone = Object.values(applied).flat();
    expect(walked.sort()).toEqual(everyone.filter((p) => p !== late).sort());
    expect((await bureau.get<ApplicationListPage>('/applications?limit=1')).body.applications.map((a) => a.phone)).toEqual([late]);
  });

  test("an employer's pages hold only its own applicants, narrowed by vacancy, status, dates and name or phone", async () => {
    const [a, b] = employers;
    const repB = await employerClient(b!.id);
    const own = await allApplications(repB);
    expect(own.map((x) => x.phone).sort()).toEqual([...applied[b!.id]!].sort());
    expect(own.every((x) => x.employerId === b!.id)).toBe(true);
    expect((await repB.get(`/applications?employerId=${a!.id}`)).status).toBe(403);
    expect((await repB.get(`/applications?vacancyId=${vacancies.find((v) => v.employerId === a!.id)!.id}`)).status).toBe(403);

    const found = await repB.get<ApplicationListPage>(`/applications?q=${encodeURIComponent('小燕')}`);
    expect(found.body.applications.map((x) => x.name)).toEqual(['赵小燕']);
    const byPhone = await repB.get<ApplicationListPage>(`/applications?q=${own[4]!.phone.slice(-6)}`);
    expect(byPhone.body.applications.map((x) => x.id)).toEqual([own[4]!.id]);

    await repB.patch(`/applications/${own[2]!.id}/status`, { status: 'contacted', note: '' });
    const contacted = await repB.get<ApplicationListPage>('/applications?status=contacted');
    expect(contacted.body.applications.map((x) => x.id)).toEqual([own[2]!.id]);

    const from = own[9]!.createdAt;
    const to = own[5]!.createdAt;
    const between = await repB.get<ApplicationListPage>(`/applications?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(between.body.applications.map((x) => x.id)).toEqual(own.slice(6, 10).map((x) => x.id));
  });

  test('a console asks for what changed since its cursor: new and moved applications, only its own, each once', async () => {
    const [a, b] = employers;
    const repA = await employerClient(a!.id);
    const page = await repA.get<ApplicationListPage>('/applications');
    const since = page.body.changes!;
    expect(since).toEqual(expect.any(String));
    // The bureau's own cursor (an employer's is its own log's position, behind others' changes).
    const bureauSince = (await bureau.get<ApplicationListPage>('/applications?limit=1')).body.changes!;
    // The pages after the first carry no change cursor of their own: the first page's covers them.
    const first = await repA.get<ApplicationListPage>('/applications?limit=2');
    const second = await repA.get<ApplicationListPage>(`/applications?limit=2&cursor=${first.body.next}`);
    expect(second.status).toBe(200);
    expect(second.body.changes).toBeNull();
    expect((await repA.get<ApplicationChangesPage>(`/applications/changes?since=${since}`)).body).toEqual({ applications: [], changes: since, more: false });

    const newcomer = await apply(vacancies.find((v) => v.employerId === a!.id)!);
    await apply(vacancies.find((v) => v.employerId === b!.id)!);
    const moved = page.body.applications[7]!;
    expect((await repA.patch(`/applications/${moved.id}/status`, { status: 'interviewing', note: '周三面试' })).status).toBe(200);

    const changes = await repA.get<ApplicationChangesPage>(`/applications/changes?since=${since}`);
    expect(changes.status).toBe(200);
    expect(changes.body.applications.map((x) => x.phone)).toEqual([newcomer, moved.phone]);
    expect(changes.body.applications[1]).toMatchObject({ status: 'interviewing' } satisfies Partial<Application>);
    expect(changes.body.more).toBe(false);
    // Asked again from where it left off: nothing new.
    expect((await repA.get<ApplicationChangesPage>(`/applications/changes?since=${changes.body.changes}`)).body.applications).toEqual([]);
    // A small limit pages through them.
    const one = await repA.get<ApplicationChangesPage>(`/applications/changes?since=${since}&limit=1`);
    expect(one.body).toMatchObject({ more: true });
    // The bureau sees the other employer's too.
    expect((await bureau.get<ApplicationChangesPage>(`/applications/changes?since=${bureauSince}`)).body.applications).toHaveLength(3);
    // Signed out: nothing.
    expect((await apiClient(server.url).get(`/applications/changes?since=${since}`)).status).toBe(401);
  });

  test("another employer's activity tells an employer nothing: no application, the same cursor, no `more`", async () => {
    const [a, b] = employers;
    const repA = await employerClient(a!.id);
    const since = (await repA.get<ApplicationListPage>('/applications?limit=1')).body.changes!;
    const others = vacancies.find((v) => v.employerId === b!.id)!;
    for (let i = 0; i < 3; i += 1) await apply(others);
    // Nor does the first page's cursor move with them: it is the employer's own log's position.
    expect((await repA.get<ApplicationListPage>('/applications?limit=1')).body.changes).toBe(since);
    // The bureau, one change at a time, is told more follow; the employer, asking the same, is not.
    expect((await bureau.get<ApplicationChangesPage>(`/applications/changes?since=${since}&limit=1`)).body.more).toBe(true);
    expect((await repA.get<ApplicationChangesPage>(`/applications/changes?since=${since}&limit=1`)).body).toEqual({ applications: [], changes: since, more: false });
    // Its own next change comes through from that same cursor.
    const own = await apply(vacancies.find((v) => v.employerId === a!.id)!);
    const changes = await repA.get<ApplicationChangesPage>(`/applications/changes?since=${since}&limit=1`);
    expect(changes.body.applications.map((x) => x.phone)).toEqual([own]);
  });

  test('the CSV export streams every applicant the list has, narrowed the same way, one row each', async () => {
    const res = await bureau.raw('/applications.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const lines = (await res.text()).split('\r\n').filter(Boolean);
    const everyone = (await allApplications(bureau)).map((a) => a.phone);
    expect(lines).toHaveLength(everyone.length + 1);
    // Newest first, as the list.
    expect(lines.slice(1).map((l) => /="(\d+)"/.exec(l)?.[1])).toEqual(everyone);
    const [, b] = employers;
    const repB = await employerClient(b!.id);
    const contacted = (await (await repB.raw('/applications.csv?status=contacted')).text()).split('\r\n').filter(Boolean);
    expect(contacted).toHaveLength(2);
    expect(contacted[1]).toContain('已联系');
    expect((await repB.raw(`/applications.csv?employerId=${employers[0]!.id}`)).status).toBe(403);
  });

  test('a cursor the server did not give, or a page too large, is a typed 400, never a 500', async () => {
    const otherShape = Buffer.from(JSON.stringify({ before: -4 })).toString('base64url');
    const wrongStore = Buffer.from(JSON.stringify({ after: store === 'redis' ? '12' : '12-0' })).toString('base64url');
    const injected = Buffer.from(JSON.stringify({ after: "1' OR 1=1" })).toString('base64url');
    for (const path of [
      '/applications?cursor=not-a-cursor',
      `/applications?cursor=${otherShape}`,
      '/applications?cursor=%00%FF',
      '/applications?limit=1000',
      '/applications?limit=0',
      '/applications?from=yesterday',
      `/applications?q=${'x'.repeat(41)}`,
      '/applications/changes',
      '/applications/changes?since=garbage',
      `/applications/changes?since=${wrongStore}`,
      `/applications/changes?since=${injected}`,
      '/applications/changes?since=e30&limit=-1',
    ]) {
      const res = await bureau.get<{ error: { code: string } }>(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe('VALIDATION');
    }
  });
});
