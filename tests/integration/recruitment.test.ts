import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Application, Employer, Vacancy, VacancyCard } from '@chunfeng/shared/recruitment';
import { CONSENT_VERSION } from '@chunfeng/shared/recruitment';
import { hashKey } from '../../server/src/domain/applications';
import { apiClient, applyBody, bureauClient } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';

type Client = ReturnType<typeof apiClient>;


describe('recruitment core over HTTP and socket.io', () => {
  let server: TestServer;
  let bureau: Client;
  let employers: Employer[];
  let vacancies: Vacancy[];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    bureau = await bureauClient(server.url);
    employers = (await bureau.get<{ employers: Employer[] }>('/employers')).body.employers;
    vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.stop();
  });

  const vacancyOf = (employerId: string): Vacancy => vacancies.find((v) => v.employerId === employerId)!;
  async function employerClient(employerId: string): Promise<{ client: Client; token: string }> {
    const invite = await bureau.post<{ token: string; path: string }>(`/employers/${employerId}/invite`);
    expect(invite.status).toBe(200);
    expect(invite.body.path).toBe(`/employer?token=${invite.body.token}`);
    return { client: apiClient(server.url, invite.body.token), token: invite.body.token };
  }

  test('the demo fair is seeded: one campaign, a live-ready session, 5 employers, 15 vacancies', async () => {
    expect((await bureau.get<{ campaigns: unknown[] }>('/campaigns')).body.campaigns).toHaveLength(1);
    expect(employers).toHaveLength(5);
    expect(vacancies).toHaveLength(15);
    const demo = await apiClient(server.url).get<{ session: { status: string }; vacancies: VacancyCard[] }>('/public/sessions/demo');
    expect(demo.body.session.status).toBe('scheduled');
    expect(demo.body.vacancies).toHaveLength(15);
    expect(demo.body.vacancies[0]?.employer.name).toBeTruthy();
  });

  test('sign-in: a wrong password is 401, and the admin API needs a bureau session', async () => {
    expect((await apiClient(server.url).post('/auth/login', { username: 'admin', password: 'nope' })).status).toBe(401);
    expect((await apiClient(server.url).get('/employers')).status).toBe(401);
    expect((await apiClient(server.url, 'forged.token.value').get('/employers')).status).toBe(401);
    const { client } = await employerClient(employers[0]!.id);
    expect((await client.get('/employers')).status).toBe(403);
  });

  test('a vacancy without pay range, hours or location is refused, naming the fields', async () => {
    const { pay: _pay, hours: _hours, location: _location, id: _id, createdAt: _c, ...rest } = vacancies[0]!;
    const res = await bureau.post<{ error: { code: string; issues: Array<{ path: string }> } }>('/vacancies', rest);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION');
    expect(res.body.error.issues.map((i) => i.path).sort()).toEqual(['hours', 'location', 'pay']);
    const inverted = await bureau.post('/vacancies', { ...rest, pay: { min: 9000, max: 3000, unit: 'month' }, hours: 'x', location: 'y' });
    expect(inverted.status).toBe(400);
  });

  test('malformed bodies get a typed 400, never a crash', async () => {
    const res = await fetch(`${server.url}/api/applications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"vacancyId":' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION' } });
    const huge = await apiClient(server.url).post('/applications', { name: 'x'.repeat(100_000) });
    expect(huge.status).toBe(413);
    const badPhone = await apiClient(server.url).post<{ error: { issues: Array<{ path: string }> } }>('/applications', applyBody(vacancies[0]!.id, { phone: '12345' }));
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.error.issues.map((i) => i.path)).toEqual(['phone']);
    const noConsent = await apiClient(server.url).post('/applications', applyBody(vacancies[0]!.id, { consent: { version: CONSENT_VERSION, accepted: false } }));
    expect(noConsent.status).toBe(400);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  test('one phone applying in a burst is slowed with a clear message', async () => {
    const phone = '13711112222';
    const replies = [];
    for (let i = 0; i < 12; i += 1) replies.push(await apiClient(server.url).post<{ error?: { code: string; message: string } }>('/applications', applyBody(vacancies[0]!.id, { phone, name: '连续报名' })));
    const limited = replies.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.body.error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/wait \d+ seconds/) as string });
  });

  test('ten concurrent duplicate applies with one key store exactly one application', async () => {
    const body = applyBody(vacancies[1]!.id);
    const replies = await Promise.all(Array.from({ length: 10 }, () => apiClient(server.url).post('/applications', body)));
    expect(replies.map((r) => [r.status, r.body])).toEqual(Array(10).fill([202, { received: true }]));
    const stored = await bureau.get<{ applications: Application[] }>(`/applications?vacancyId=${vacancies[1]!.id}`);
    expect(stored.body.applications.filter((a) => a.phone === body.phone)).toHaveLength(1);
    // The same phone again with a new key is still the same application.
    const again = await apiClient(server.url).post('/applications', { ...body, idempotencyKey: crypto.randomUUID() });
    expect(again).toEqual({ status: 202, body: { received: true } });
    expect((await bureau.get<{ applications: Application[] }>(`/applications?vacancyId=${vacancies[1]!.id}`)).body.applications.filter((a) => a.phone === body.phone)).toHaveLength(1);
  });

  test("an employer sees its own applicants and gets 403 for another employer's", async () => {
    const [a, b] = employers;
    const body = applyBody(vacancyOf(b!.id).id);
    await apiClient(server.url).post('/applications', body);
    const [mineNow] = (await apiClient(server.url).post<{ applications: Array<{ id: string }> }>('/applications/mine', { items: [{ idempotencyKey: body.idempotencyKey }] })).body.applications;
    const applied = { body: { application: { id: mineNow!.id } } };
    const { client: repA } = await employerClient(a!.id);
    const { client: repB } = await employerClient(b!.id);
    const own = await repB.get<{ applications: Application[] }>('/applications');
    expect(own.status).toBe(200);
    expect(own.body.applications.every((x) => x.employerId === b!.id)).toBe(true);
    expect(own.body.applications.map((x) => x.id)).toContain(applied.body.application.id);

    expect((await repA.get(`/applications?employerId=${b!.id}`)).status).toBe(403);
    expect((await repA.get(`/applications?vacancyId=${vacancyOf(b!.id).id}`)).status).toBe(403);
    // Another employer's application is answered as a missing one would be: its id is not confirmed.
    const missing = await repA.get<{ error: { code: string; message: string } }>('/applications/app_does_not_exist');
    for (const res of [await repA.get<{ error: { code: string; message: string } }>(`/applications/${applied.body.application.id}`), await repA.patch<{ error: { code: string; message: string } }>(`/applications/${applied.body.application.id}/status`, { status: 'contacted', note: '' })]) {
      expect(res.status).toBe(404);
      expect(res.body.error).toEqual(missing.body.error);
    }
    const mine = await repA.get<{ applications: Application[] }>('/applications');
    expect(mine.body.applications.map((x) => x.id)).not.toContain(applied.body.application.id);

    const moved = await repB.patch<{ application: Application }>(`/applications/${applied.body.application.id}/status`, { status: 'contacted', note: '已电话联系' });
    expect(moved.status).toBe(200);
    expect(moved.body.application.history.map((h) => h.status)).toEqual(['new', 'contacted']);
    // The pipeline only moves forward.
    expect((await repB.patch(`/applications/${applied.body.application.id}/status`, { status: 'new', note: '' })).status).toBe(409);
    // A note without a move: kept in the history at the status it has; nothing to save without one.
    const noted = await repB.patch<{ application: Application }>(`/applications/${applied.body.application.id}/status`, { status: 'contacted', note: '周三下午再打一次' });
    expect(noted.status).toBe(200);
    expect(noted.body.application.status).toBe('contacted');
    expect(noted.body.application.history.map((h) => [h.status, h.note])).toEqual([['new', ''], ['contacted', '已电话联系'], ['contacted', '周三下午再打一次']]);
    expect(await repB.patch(`/applications/${applied.body.application.id}/status`, { status: 'contacted', note: '   ' })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
  });

  test('an unsigned, forged or expired invite is refused', async () => {
    const employerId = employers[0]!.id;
    const expired = await server.access.issue('employer', { sub: 'rep', eid: employerId }, { ttlSeconds: -5 });
    const expiredRes = await apiClient(server.url, expired).get<{ error: { code: string; message: string } }>('/applications');
    expect(expiredRes.status).toBe(401);
    expect(expiredRes.body.error.message).toContain('expired');
    const [h, p] = expired.split('.');
    expect((await apiClient(server.url, `${h}.${p}.forgedsignature`).get('/applications')).status).toBe(401);
    expect((await apiClient(server.url, `${h}.${p}`).get('/applications')).status).toBe(401);
    // A stage invite that ran out is refused too.
    const s = await connect(server.url);
    sockets.push(s);
    const cohost = await server.tokens.issue({ sid: 'demo', role: 'cohost', sub: 'x' }, { ttlSeconds: -5 });
    expect(await request(s, 'stage:join', { sessionId: 'demo', role: 'cohost', token: cohost })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    // An employer token is no stage credential.
    const employerToken = await server.access.issue('employer', { sub: 'rep', eid: employerId });
    expect(await request(s, 'stage:join', { sessionId: 'demo', role: 'host', token: employerToken })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  test('the CSV export is UTF-8 with a BOM, Chinese intact, phones kept as text, times in Beijing time, groups in Chinese', async () => {
    const employer = employers[2]!;
    const body = applyBody(vacancyOf(employer.id).id, { name: '李春风', phone: '13812345678', targetGroup: 'disabled' });
    await apiClient(server.url).post('/applications', body);
    const [createdNow] = (await apiClient(server.url).post<{ applications: Array<{ createdAt: string }> }>('/applications/mine', { items: [{ idempotencyKey: body.idempotencyKey }] })).body.applications;
    const applied = { body: { application: { createdAt: createdNow!.createdAt } } };
    const { client } = await employerClient(employer.id);
    const res = await client.raw('/applications.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text).toContain('"姓名"');
    expect(text).toContain('"李春风"');
    expect(text).toContain('="13812345678"');
    expect(text).toContain(`"${employer.name}"`);
    expect(text).not.toContain('王小明');
    // UTC+8, written as a spreadsheet reads a time: 2026-11-30 16:08:34.
    const beijing = new Date(Date.parse(applied.body.application.createdAt) + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    const row = text.split('\r\n').find((line) => line.includes('李春风'))!;
    expect(row.startsWith(`"${beijing}"`)).toBe(true);
    expect(row).toContain('"残疾人"');
  });

  test("an applicant's name reaches the employer's list and CSV without invisible characters, and a formula behind one is still neutralised", async () => {
    const employer = employers[3]!;
    const anonymous = apiClient(server.url);
    // U+202E would show 赵明小 as 赵小明; U+200B would hide the = from the CSV's formula guard.
    for (const name of ['赵\u202E明小', '\u200B=HYPERLINK("http://x.example","点我")']) {
      expect((await anonymous.post('/applications', applyBody(vacancyOf(employer.id).id, { name }))).status).toBe(202);
    }
    const { client } = await employerClient(employer.id);
    const names = (await client.get<{ applications: Application[] }>('/applications')).body.applications.map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['赵明小', '=HYPERLINK("http://x.example","点我")']));
    const text = await (await client.raw('/applications.csv')).text();
    expect(text).toContain('"赵明小"');
    expect(text).toContain('"\'=HYPERLINK(""http://x.example"",""点我"")"');
    expect(text).not.toMatch(/[\u200B\u202E]/);
  });

  test('a pin reaches 200 connected viewers, and applications reach only the right consoles', async () => {
    const host = await connect(server.url);
    sockets.push(host);
    const token = await server.tokens.issue({ sid: 'demo', role: 'host', sub: 'chief' });
    await requestOk(host, 'stage:join', { sessionId: 'demo', role: 'host', token });
    const viewers = await Promise.all(Array.from({ length: 200 }, () => connect(server.url)));
    sockets.push(...viewers);
    await Promise.all(viewers.map((v) => requestOk(v, 'stage:join', { sessionId: 'demo', role: 'viewer' })));

    // Only the host pins.
    expect(await request(viewers[0]!, 'vacancy:pin', { vacancyId: vacancies[3]!.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const started = performance.now();
    const arrivals = viewers.map(
      (v) => new Promise<{ ms: number; card: VacancyCard }>((resolve) => v.once('vacancy:pinned', ({ vacancy }) => resolve({ ms: performance.now() - started, card: vacancy }))),
    );
    await requestOk(host, 'vacancy:pin', { vacancyId: vacancies[3]!.id });
    const got = await Promise.all(arrivals);
    const ms = got.map((g) => g.ms).sort((x, y) => x - y);
    console.log(`[measure] pin → 200 viewers: p50 ${ms[99]!.toFixed(1)} ms, p95 ${ms[189]!.toFixed(1)} ms, max ${ms[199]!.toFixed(1)} ms`);
    expect(got.every((g) => g.card.id === vacancies[3]!.id && g.card.employer.name && g.card.pay.max > 0)).toBe(true);
    // No personal data rides on the viewer channel.
    expect(JSON.stringify(got[0]!.card)).not.toMatch(/phone|13\d{9}/);

    // Someone arriving later sees the pin too.
    const state = await apiClient(server.url).get<{ pinned: { vacancy: VacancyCard | null } }>('/public/sessions/demo');
    expect(state.body.pinned.vacancy?.id).toBe(vacancies[3]!.id);
    await requestOk(host, 'vacancy:unpin', {});
    expect((await apiClient(server.url).get<{ pinned: { vacancy: unknown } }>('/public/sessions/demo')).body.pinned.vacancy).toBeNull();

    // Consoles: the vacancy's employer and the bureau hear of the application, another employer does not.
    const owner = vacancies[3]!.employerId;
    const other = employers.find((e) => e.id !== owner)!.id;
    const ownerConsole = await connect(server.url);
    const otherConsole = await connect(server.url);
    sockets.push(ownerConsole, otherConsole);
    expect(await requestOk(ownerConsole, 'console:subscribe', { token: (await employerClient(owner)).token })).toEqual({ scope: 'employer', employerId: owner });
    await requestOk(otherConsole, 'console:subscribe', { token: (await employerClient(other)).token });
    expect(await request(await connect(server.url), 'console:subscribe', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    let leaked = false;
    otherConsole.on('application:created', () => (leaked = true));
    const heard = new Promise<Application>((resolve) => ownerConsole.once('application:created', resolve));
    const before = (await requestOk(host, 'funnel:get', {})).funnel.find((f) => f.vacancyId === vacancies[3]!.id)?.applied ?? 0;
    const funnel = new Promise<{ applied: number }>((resolve) =>
      host.on('funnel:updated', ({ funnel: changed }) => {
        const mine = changed.find((f) => f.vacancyId === vacancies[3]!.id);
        if (mine) resolve(mine);
      }),
    );
    await apiClient(server.url).post('/applications', applyBody(vacancies[3]!.id, { name: '赵六' }));
    expect((await heard).name).toBe('赵六');
    expect((await funnel).applied).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(leaked).toBe(false);
  });
});

describe('anonymous viewers', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
  });
  afterAll(() => server.stop());

  test('a device token marks applications from that phone; a forged one is ignored, not trusted', async () => {
    const bureau = await bureauClient(server.url);
    const vacancy = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
    const device = await apiClient(server.url).post<{ deviceId: string; token: string }>('/device');
    expect(device.status).toBe(201);
    const post = async (headers: Record<string, string>) => {
      const body = applyBody(vacancy.id);
      await fetch(`${server.url}/api/applications`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      return (await server.store.applicationByKey(hashKey(body.idempotencyKey)))!;
    };
    const mine = await post({ 'x-device-token': device.body.token });
    const forged = await post({ 'x-device-token': `${device.body.token.slice(0, -4)}AAAA` });
    expect(mine.deviceId).toBe(device.body.deviceId);
    expect(forged.deviceId).toBeNull();
    // The bureau's view of them carries no device (nor any key).
    const all = (await bureau.get<{ applications: Application[] }>('/applications')).body.applications;
    expect(all.find((a) => a.id === mine.id)).not.toHaveProperty('deviceId');
  });
});

describe('vacancy text and the scam guard', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
  });
  afterAll(() => server.stop());

  test('a vacancy asking for a deposit or giving a WeChat id is flagged to the bureau; a clean one is not', async () => {
    const bureau = await bureauClient(server.url);
    const employer = (await bureau.get<{ employers: Employer[] }>('/employers')).body.employers[0]!;
    const base = { employerId: employer.id, title: '普工', headcount: 5, pay: { min: 4000, max: 5000, unit: 'month' }, hours: '8:00-17:00', location: '经开区' };
    const shady = await bureau.post<{ vacancy: Vacancy }>('/vacancies', { ...base, requirements: '入职交押金300元，详情加微信 zhaogong88' });
    expect(shady.status).toBe(201);
    expect(shady.body.vacancy.flags?.sort()).toEqual(['private-contact', 'upfront-payment']);
    const clean = await bureau.post<{ vacancy: Vacancy }>('/vacancies', { ...base, requirements: '身体健康，能适应倒班' });
    expect(clean.body.vacancy.flags).toEqual([]);
    const listed = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    expect(listed.find((v) => v.id === shady.body.vacancy.id)?.flags).toHaveLength(2);
  });
});
