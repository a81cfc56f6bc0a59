import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Application, LiveSession, Vacancy } from '@chunfeng/shared/recruitment';
import { apiClient, applyBody, bureauClient, type ApiReply } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';

type Client = ReturnType<typeof apiClient>;

/** POSTs an application as if from `from` (an X-Forwarded-For the server may or may not trust). */
async function applyFrom(url: string, body: unknown, from?: string): Promise<ApiReply<{ error?: { code: string; message: string } }>> {
  const res = await fetch(`${url}/api/applications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(from ? { 'x-forwarded-for': from } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

const mine = async (url: string, idempotencyKey: string) =>
  (await apiClient(url).post<{ applications: Array<{ id: string; status: string; vacancyId: string }> }>('/applications/mine', { items: [{ idempotencyKey }] })).body.applications;

describe('the apply flow cannot be abused', () => {
  let server: TestServer;
  let bureau: Client;
  let vacancies: Vacancy[];

  beforeAll(async () => {
    // Behind a proxy on this host, which names the client in X-Forwarded-For.
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', TRUST_PROXY: 'loopback' });
    bureau = await bureauClient(server.url);
    vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
  });
  afterAll(() => server.stop());

  test('retrying a refused apply is refused too: the rate limit has no bypass', async () => {
    const phone = '13722220000';
    const replies = [];
    for (let i = 0; i < 11; i += 1) replies.push(await applyFrom(server.url, applyBody(vacancies[i % 5]!.id, { phone }), '10.9.0.1'));
    const refused = replies.findIndex((r) => r.status === 429);
    expect(refused).toBeGreaterThan(0);
    // The very same request (same idempotency key) again, several times: still refused, never stored.
    const body = applyBody(vacancies[10]!.id, { phone });
    for (let i = 0; i < 3; i += 1) expect((await applyFrom(server.url, body, '10.9.0.1')).status).toBe(429);
    expect(await mine(server.url, body.idempotencyKey)).toEqual([]);
  });

  test('a retry of an answered apply is never limited, and answers the same', async () => {
    const body = applyBody(vacancies[0]!.id);
    const first = await applyFrom(server.url, body, '10.9.1.1');
    expect(first).toEqual({ status: 202, body: { received: true } });
    for (let i = 0; i < 15; i += 1) expect(await applyFrom(server.url, body, '10.9.1.1')).toEqual(first);
    expect(await mine(server.url, body.idempotencyKey)).toHaveLength(1);
  });

  test('a village behind one carrier NAT applies 200 times in a minute; a script from one /24 is stopped at the ceiling; another block is not affected', async () => {
    const started = performance.now();
    const village = [];
    for (let i = 0; i < 200; i += 1) village.push(await applyFrom(server.url, applyBody(vacancies[i % 15]!.id), `100.64.7.${i % 250}`));
    const villageMs = performance.now() - started;
    expect(village.filter((r) => r.status !== 202)).toEqual([]);
    // The script keeps going from the same /24: past the ceiling (300 a minute) it is refused.
    const script = [];
    for (let i = 0; i < 150; i += 1) script.push(await applyFrom(server.url, applyBody(vacancies[i % 15]!.id), `100.64.7.${(i * 7) % 250}`));
    const refused = script.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.body.error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/wait \d+ seconds/) as string });
    // Only the first ~100 of the script fit under the ceiling (plus what refilled meanwhile).
    expect(script.filter((r) => r.status === 202).length).toBeLessThan(100 + Math.ceil(((performance.now() - started) / 1000) * 5) + 1);
    expect((await applyFrom(server.url, applyBody(vacancies[0]!.id), '100.64.8.1')).status).toBe(202);
    console.log(`[measure] 200 applications from one /24: ${villageMs.toFixed(0)} ms, all accepted; script refused after ${script.findIndex((r) => r.status === 429)} more`);
  });

  test('an IPv6 /48 shares one ceiling the same way', async () => {
    const limited = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', TRUST_PROXY: 'loopback', APPLY_LIMIT_PER_BLOCK: '5' });
    try {
      const v = (await (await bureauClient(limited.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
      const same48 = ['2408:8000:1:1::1', '2408:8000:1:ffff::2', '2408:8000:1::3', '2408:8000:1:2:3:4:5:6', '2408:8000:1:9::9'];
      for (const from of same48) expect((await applyFrom(limited.url, applyBody(v.id), from)).status).toBe(202);
      expect((await applyFrom(limited.url, applyBody(v.id), '2408:8000:1:abcd::1')).status).toBe(429);
      expect((await applyFrom(limited.url, applyBody(v.id), '2408:8000:2::1')).status).toBe(202);
    } finally {
      await limited.stop();
    }
  });

  test("a script past its own budgets (its address block's, its device's) spends no one else's: a phone it names can still apply", async () => {
    const limited = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', TRUST_PROXY: 'loopback', APPLY_LIMIT_PER_BLOCK: '3' });
    try {
      const v = (await (await bureauClient(limited.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
      // The script's block spends its ceiling (on made-up phones and a vacancy that does not exist) ...
      for (let i = 0; i < 3; i += 1) expect((await applyFrom(limited.url, applyBody('no-such-vacancy', { phone: `1370000000${i}` }), '100.70.1.1')).status).toBe(404);
      // ... then names a job seeker's phone more often than that phone's budget allows: refused every time.
      const victim = '13911112222';
      for (let i = 0; i < 12; i += 1) expect((await applyFrom(limited.url, applyBody('no-such-vacancy', { phone: victim }), '100.70.1.1')).status).toBe(429);
      // The job seeker, on another network, applies at once.
      expect((await applyFrom(limited.url, applyBody(v.id, { phone: victim }), '100.70.2.1')).status).toBe(202);

      // The same with a device past its own budget (10 a minute), each request from another block.
      const device = (await apiClient(limited.url).post<{ token: string }>('/device')).body.token;
      const fromDevice = (body: unknown, from: string) =>
        fetch(`${limited.url}/api/applications`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from, 'x-device-token': device }, body: JSON.stringify(body) }).then((r) => r.status);
      for (let i = 0; i < 10; i += 1) expect(await fromDevice(applyBody('no-such-vacancy', { phone: `1370000001${i}` }), `100.71.${i}.1`)).toBe(404);
      const second = '13933334444';
      for (let i = 0; i < 12; i += 1) expect(await fromDevice(applyBody('no-such-vacancy', { phone: second }), `100.72.${i}.1`)).toBe(429);
      expect((await applyFrom(limited.url, applyBody(v.id, { phone: second }), '100.73.0.1')).status).toBe(202);
    } finally {
      await limited.stop();
    }
  });

  test('without TRUST_PROXY, X-Forwarded-For is ignored: the connection address decides the block', async () => {
    const direct = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', APPLY_LIMIT_PER_BLOCK: '5' });
    try {
      const v = (await (await bureauClient(direct.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
      const statuses = [];
      for (let i = 0; i < 6; i += 1) statuses.push((await applyFrom(direct.url, applyBody(v.id), `203.0.${i}.1`)).status);
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    } finally {
      await direct.stop();
    }
  });

  test('sessionId must be a session whose lineup holds the vacancy', async () => {
    const outside = await bureau.post<{ vacancy: Vacancy }>('/vacancies', {
      employerId: vacancies[0]!.employerId, title: '不在本场的岗位', headcount: 1, pay: { min: 3000, max: 4000, unit: 'month' }, hours: '白班', location: '城关',
    });
    expect((await applyFrom(server.url, applyBody(vacancies[0]!.id, { sessionId: 'no-such-session' }), '10.9.2.1')).body.error).toMatchObject({ code: 'NOT_FOUND' });
    const notInLineup = await applyFrom(server.url, applyBody(outside.body.vacancy.id, { sessionId: 'demo' }), '10.9.2.1');
    expect(notInLineup.status).toBe(400);
    expect(notInLineup.body.error).toMatchObject({ code: 'VALIDATION' });
    // Without a session (applied from the list or a shared link) it is fine.
    const { sessionId: _s, ...fromList } = applyBody(outside.body.vacancy.id, { source: 'list' });
    expect((await applyFrom(server.url, fromList, '10.9.2.1')).status).toBe(202);
    const sessions = (await bureau.get<{ sessions: LiveSession[] }>('/sessions')).body.sessions;
    expect(sessions.find((s) => s.id === 'demo')?.lineup.some((i) => i.id === outside.body.vacancy.id)).toBe(false);
  });

  test('a withdrawn application does not block a new one for the same vacancy and phone', async () => {
    const phone = '13722221111';
    const first = applyBody(vacancies[2]!.id, { phone });
    await applyFrom(server.url, first, '10.9.3.1');
    const [own] = await mine(server.url, first.idempotencyKey);
    expect((await apiClient(server.url).post(`/applications/${own!.id}/withdraw`, { idempotencyKey: first.idempotencyKey })).status).toBe(200);
    const second = applyBody(vacancies[2]!.id, { phone });
    expect((await applyFrom(server.url, second, '10.9.3.1')).status).toBe(202);
    const [again] = await mine(server.url, second.idempotencyKey);
    expect(again).toMatchObject({ status: 'new' });
    expect(again!.id).not.toBe(own!.id);
    const stored = (await bureau.get<{ applications: Application[] }>(`/applications?vacancyId=${vacancies[2]!.id}`)).body.applications.filter((a) => a.phone === phone);
    // Newest first.
    expect(stored.map((a) => [a.id, a.status])).toEqual([[again!.id, 'new'], [own!.id, 'withdrawn']]);
  });

  test('a repeat under another key for a phone that applied answers exactly as a new application, learns nothing, and changes nothing', async () => {
    const phone = '13722223333';
    const original = applyBody(vacancies[4]!.id, { phone, name: '原报名人' });
    const fresh = await applyFrom(server.url, original, '10.9.4.1');
    const [stored] = await mine(server.url, original.idempotencyKey);
    // Someone else types that number with a key of their own.
    const repeat = applyBody(vacancies[4]!.id, { phone, name: '冒名者' });
    const answer = await applyFrom(server.url, repeat, '10.9.5.1');
    expect(answer).toEqual(fresh);
    expect(JSON.stringify(answer.body)).not.toContain(stored!.id);
    // What their key shows them looks like an application of their own: none of the stored one's id or status.
    const [theirs] = await mine(server.url, repeat.idempotencyKey);
    expect(theirs).toMatchObject({ vacancyId: vacancies[4]!.id, status: 'new' });
    expect(theirs!.id).not.toBe(stored!.id);
    // The employer moves the real one on; the repeat's holder still sees only their receipt. Withdrawing it touches nothing stored.
    await bureau.patch(`/applications/${stored!.id}/status`, { status: 'contacted', note: '' });
    expect((await mine(server.url, repeat.idempotencyKey))[0]).toMatchObject({ status: 'new' });
    expect((await apiClient(server.url).post(`/applications/${theirs!.id}/withdraw`, { idempotencyKey: repeat.idempotencyKey })).body).toEqual({ application: { id: theirs!.id, status: 'withdrawn' } });
    expect(await apiClient(server.url).post(`/applications/${stored!.id}/withdraw`, { idempotencyKey: repeat.idempotencyKey })).toMatchObject({ status: 404 });
    const forPhone = (await bureau.get<{ applications: Application[] }>(`/applications?vacancyId=${vacancies[4]!.id}`)).body.applications.filter((a) => a.phone === phone);
    expect(forPhone.map((a) => [a.name, a.status])).toEqual([['原报名人', 'contacted']]);
  });

  test('a repeat takes about as long to answer as a new application (both write once)', async () => {
    const timed = async (body: unknown): Promise<number> => {
      const t0 = performance.now();
      expect((await applyFrom(server.url, body, `10.10.${crypto.randomInt(0, 250)}.1`)).status).toBe(202);
      return performance.now() - t0;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const fresh: number[] = [];
    const repeats: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      const body = applyBody(vacancies[i % 15]!.id);
      fresh.push(await timed(body));
      repeats.push(await timed({ ...body, idempotencyKey: crypto.randomUUID() }));
    }
    console.log(`[measure] apply answer: new ${median(fresh).toFixed(2)} ms, repeat under another key ${median(repeats).toFixed(2)} ms (medians of 30)`);
    // The repeat path writes a receipt as the new path writes the application: no markedly faster answer gives it away.
    expect(median(repeats)).toBeGreaterThan(median(fresh) * 0.5);
  });
});
