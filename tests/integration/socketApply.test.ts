import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Application, Employer, Vacancy } from '@chunfeng/shared/recruitment';
import { apiClient, applyBody, bureauClient } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, rawRequest, request, requestOk, type TestSocket } from '../harness/socketClient';

type Bureau = Awaited<ReturnType<typeof bureauClient>>;

/** POST /api/applications with the headers a page (or a proxy in front of it) would send. */
async function post(url: string, body: unknown, { device, from }: { device?: string; from?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/applications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(device ? { 'x-device-token': device } : {}), ...(from ? { 'x-forwarded-for': from } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function deviceToken(url: string): Promise<string> {
  return (await apiClient(url).post<{ token: string }>('/device')).body.token;
}

/** A viewer page's socket: its device token in the handshake, and what a proxy in front of it says about its address. */
async function viewerSocket(url: string, { device, from }: { device?: string; from?: string } = {}): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(device ? { auth: { device } } : {}),
    ...(from ? { extraHeaders: { 'x-forwarded-for': from } } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

const mine = async (url: string, idempotencyKey: string) =>
  (await apiClient(url).post<{ applications: Array<{ id: string; status: string; vacancyId: string }> }>('/applications/mine', { items: [{ idempotencyKey }] })).body.applications;

async function applicationsFor(bureau: Bureau, vacancyId: string, phone: string): Promise<Application[]> {
  return (await bureau.get<{ applications: Application[] }>(`/applications?vacancyId=${vacancyId}`)).body.applications.filter((a) => a.phone === phone);
}

describe('application:submit: the viewer page applies over the socket it holds', () => {
  let server: TestServer;
  let bureau: Bureau;
  let vacancies: Vacancy[];
  const sockets: TestSocket[] = [];
  const track = (s: TestSocket): TestSocket => {
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    // Behind a proxy on this host, which names the client in X-Forwarded-For.
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', TRUST_PROXY: 'loopback' });
    bureau = await bureauClient(server.url);
    vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.stop();
  });

  test('an application over the socket is acknowledged once stored and reaches the employer console', async () => {
    const vacancy = vacancies[4]!;
    const employer = (await bureau.get<{ employers: Employer[] }>('/employers')).body.employers.find((e) => e.id === vacancy.employerId)!;
    const invite = await bureau.post<{ token: string }>(`/employers/${employer.id}/invite`);
    const console_ = track(await connect(server.url));
    await requestOk(console_, 'console:subscribe', { token: invite.body.token });
    const heard = new Promise<Application>((resolve) => console_.once('application:created', resolve));

    const viewer = track(await viewerSocket(server.url, { device: await deviceToken(server.url), from: '10.20.0.1' }));
    const body = applyBody(vacancy.id, { name: '孙七', phone: '13811110001' });
    expect(await request(viewer, 'application:submit', body)).toEqual({ ok: true, data: { received: true } });
    // Acknowledged: it is stored, and whoever reads the store next finds it.
    expect(await mine(server.url, body.idempotencyKey)).toMatchObject([{ vacancyId: vacancy.id, status: 'new' }]);
    expect(await applicationsFor(bureau, vacancy.id, '13811110001')).toMatchObject([{ name: '孙七', sessionId: 'demo' }]);
    expect(await heard).toMatchObject({ name: '孙七', phone: '13811110001', vacancyId: vacancy.id });
  });

  test("an applicant's page follows its own applications by their keys: an employer's move reaches it as id and status only; a wrong key, another's id or a repeat's key follows nothing", async () => {
    const vacancy = vacancies[9]!;
    const page = track(await viewerSocket(server.url, { device: await deviceToken(server.url), from: '10.20.9.1' }));
    const body = applyBody(vacancy.id, { name: '跟进者', phone: '13811110090' });
    expect(await request(page, 'application:submit', body)).toEqual({ ok: true, data: { received: true } });
    const [own] = await mine(server.url, body.idempotencyKey);
    expect(await request(page, 'applications:follow', { items: [{ id: own!.id, idempotencyKey: body.idempotencyKey }] })).toEqual({ ok: true, data: { applications: [{ id: own!.id, status: 'new' }] } });

    // Others: the right id with a wrong key, and the key of a repeat (the same phone applying again under a new key: a receipt).
    const snoop = track(await viewerSocket(server.url, { device: await deviceToken(server.url), from: '10.20.9.2' }));
    const repeat = applyBody(vacancy.id, { name: '跟进者', phone: '13811110090' });
    expect((await post(server.url, repeat, { from: '10.20.9.2' })).status).toBe(202);
    const [receipt] = await mine(server.url, repeat.idempotencyKey);
    expect(await request(snoop, 'applications:follow', { items: [{ id: own!.id, idempotencyKey: crypto.randomUUID() }, { id: receipt!.id, idempotencyKey: repeat.idempotencyKey }, { id: own!.id, idempotencyKey: repeat.idempotencyKey }] })).toEqual({ ok: true, data: { applications: [] } });
    const snooped: unknown[] = [];
    snoop.on('application:status', (e) => snooped.push(e));

    const heard = new Promise<unknown>((resolve) => page.once('application:status', resolve));
    expect((await bureau.patch(`/applications/${own!.id}/status`, { status: 'contacted', note: '已电话联系' })).status).toBe(200);
    expect(await heard).toEqual({ id: own!.id, status: 'contacted' });
    // Nothing but where it stands: no name, phone or note.
    const again = new Promise<unknown>((resolve) => page.once('application:status', resolve));
    expect((await bureau.patch(`/applications/${own!.id}/status`, { status: 'interviewing', note: '' })).status).toBe(200);
    expect(await again).toEqual({ id: own!.id, status: 'interviewing' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(snooped).toEqual([]);

    // Checked at the edge like every request.
    for (const bad of [null, {}, { items: 'x' }, { items: [{ id: own!.id }] }, { items: Array.from({ length: 21 }, () => ({ id: own!.id, idempotencyKey: body.idempotencyKey })) }, { items: [], extra: 1 }]) {
      expect(await request(page, 'applications:follow', bad as never), JSON.stringify(bad)?.slice(0, 60)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
  });

  test('the same key over the socket, then over HTTP, is one application with the same answer', async () => {
    const viewer = track(await viewerSocket(server.url, { device: await deviceToken(server.url), from: '10.20.1.1' }));
    const body = applyBody(vacancies[5]!.id, { phone: '13811110002' });
    const overSocket = await request(viewer, 'application:submit', body);
    const overHttp = await post(server.url, body, { from: '10.20.1.1' });
    expect(overSocket).toEqual({ ok: true, data: overHttp.body });
    expect(overHttp.status).toBe(202);
    expect(await mine(server.url, body.idempotencyKey)).toHaveLength(1);
    expect(await applicationsFor(bureau, vacancies[5]!.id, '13811110002')).toHaveLength(1);
  });

  test('the same key over HTTP, then over the socket (twice at once), is one application with the same answer', async () => {
    const viewer = track(await viewerSocket(server.url, { from: '10.20.2.1' }));
    const body = applyBody(vacancies[6]!.id, { phone: '13811110003' });
    const overHttp = await post(server.url, body, { from: '10.20.2.1' });
    const twice = await Promise.all([request(viewer, 'application:submit', body), request(viewer, 'application:submit', body)]);
    expect(twice).toEqual([
      { ok: true, data: overHttp.body },
      { ok: true, data: overHttp.body },
    ]);
    expect(await applicationsFor(bureau, vacancies[6]!.id, '13811110003')).toHaveLength(1);
  });

  test('the limits are shared between the doors: 10 a minute per phone, half over each, and the 11th is refused on both', async () => {
    const phone = '13811110004';
    const viewer = track(await viewerSocket(server.url, { from: '10.20.3.1' }));
    for (let i = 0; i < 10; i += 1) {
      const body = applyBody(vacancies[i]!.id, { phone });
      if (i % 2 === 0) expect(await request(viewer, 'application:submit', body)).toEqual({ ok: true, data: { received: true } });
      else expect((await post(server.url, body, { from: '10.20.3.2' })).status).toBe(202);
    }
    const eleventh = applyBody(vacancies[10]!.id, { phone });
    expect(await request(viewer, 'application:submit', eleventh)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', message: expect.stringMatching(/wait \d+ seconds/) as string } });
    expect((await post(server.url, eleventh, { from: '10.20.3.2' })).status).toBe(429);
    expect(await mine(server.url, eleventh.idempotencyKey)).toEqual([]);
    // A retry of a tap already answered is never limited, whichever door it takes.
    const first = applyBody(vacancies[11]!.id, { phone: '13811110005' });
    expect((await post(server.url, first)).status).toBe(202);
    for (let i = 0; i < 12; i += 1) expect(await request(viewer, 'application:submit', first)).toEqual({ ok: true, data: { received: true } });
  });

  test('hostile payloads get typed errors and the socket stays usable', async () => {
    const viewer = track(await viewerSocket(server.url, { device: await deviceToken(server.url), from: '10.20.4.1' }));
    const valid = () => applyBody(vacancies[12]!.id);
    const { consent: _consent, ...noConsent } = valid();
    const hostile: unknown[] = [
      undefined,
      null,
      42,
      'apply',
      [],
      { ...valid(), phone: 13811110006 },
      { ...valid(), name: 'x'.repeat(50_000) },
      { ...valid(), idempotencyKey: 'k'.repeat(60_000) },
      { ...valid(), vacancyId: { $ne: null } },
      noConsent,
      { ...valid(), consent: { version: '2026-01', accepted: false } },
      { ...valid(), source: 'admin' },
      { ...valid(), code: '12345' },
    ];
    for (const payload of hostile) {
      expect(await request(viewer, 'application:submit', payload), JSON.stringify(payload)?.slice(0, 80)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    // Past socket.io-client's encoder: deep nesting, and a payload over the server's buffer size.
    expect(await rawRequest(viewer, 'application:submit', `${'['.repeat(5000)}${']'.repeat(5000)}`)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    // Another session's vacancy (not in its lineup), and a session that does not exist.
    const outside = await bureau.post<{ vacancy: Vacancy }>('/vacancies', {
      employerId: vacancies[0]!.employerId, title: '别场的岗位', headcount: 1, pay: { min: 3000, max: 4000, unit: 'month' }, hours: '白班', location: '城关',
    });
    expect(await request(viewer, 'application:submit', applyBody(outside.body.vacancy.id, { sessionId: 'demo' }))).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await request(viewer, 'application:submit', applyBody(vacancies[12]!.id, { sessionId: 'no-such-session' }))).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(viewer, 'application:submit', applyBody('no-such-vacancy'))).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // Still connected, still answered.
    expect(viewer.connected).toBe(true);
    const body = valid();
    expect(await request(viewer, 'application:submit', body)).toEqual({ ok: true, data: { received: true } });
    expect(await mine(server.url, body.idempotencyKey)).toHaveLength(1);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('application:submit counts against the device and the address block the handshake proved', () => {
  test('the device in the handshake shares its budget with the same device over HTTP (APPLY_LIMIT_PER_DEVICE)', async () => {
    const server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', APPLY_LIMIT_PER_DEVICE: '3' });
    try {
      const vacancies = (await (await bureauClient(server.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
      const device = await deviceToken(server.url);
      const viewer = await viewerSocket(server.url, { device });
      try {
        expect((await post(server.url, applyBody(vacancies[0]!.id), { device })).status).toBe(202);
        expect(await request(viewer, 'application:submit', applyBody(vacancies[1]!.id))).toMatchObject({ ok: true });
        expect(await request(viewer, 'application:submit', applyBody(vacancies[2]!.id))).toMatchObject({ ok: true });
        expect(await request(viewer, 'application:submit', applyBody(vacancies[3]!.id))).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
        expect((await post(server.url, applyBody(vacancies[4]!.id), { device })).status).toBe(429);
        // Another device is not affected.
        const other = await viewerSocket(server.url, { device: await deviceToken(server.url) });
        expect(await request(other, 'application:submit', applyBody(vacancies[5]!.id))).toMatchObject({ ok: true });
        other.close();
      } finally {
        viewer.close();
      }
    } finally {
      await server.stop();
    }
  });

  test('behind a trusted proxy, the block is the one the proxy names, shared with HTTP; without one, X-Forwarded-For is ignored', async () => {
    const behind = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', TRUST_PROXY: 'loopback', APPLY_LIMIT_PER_BLOCK: '4' });
    try {
      const v = (await (await bureauClient(behind.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
      const villageA = await viewerSocket(behind.url, { from: '100.64.9.1' });
      const villageB = await viewerSocket(behind.url, { from: '100.64.9.2' });
      const elsewhere = await viewerSocket(behind.url, { from: '100.64.10.1' });
      try {
        expect(await request(villageA, 'application:submit', applyBody(v.id))).toMatchObject({ ok: true });
        expect(await request(villageB, 'application:submit', applyBody(v.id))).toMatchObject({ ok: true });
        expect((await post(behind.url, applyBody(v.id), { from: '100.64.9.3' })).status).toBe(202);
        expect((await post(behind.url, applyBody(v.id), { from: '100.64.9.4' })).status).toBe(202);
        expect(await request(villageA, 'application:submit', applyBody(v.id))).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
        expect((await post(behind.url, applyBody(v.id), { from: '100.64.9.5' })).status).toBe(429);
        expect(await request(elsewhere, 'application:submit', applyBody(v.id))).toMatchObject({ ok: true });
      } finally {
        for (const s of [villageA, villageB, elsewhere]) s.close();
      }
    } finally {
      await behind.stop();
    }

    const direct = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', APPLY_LIMIT_PER_BLOCK: '2' });
    try {
      const v = (await (await bureauClient(direct.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
      const replies = [];
      for (let i = 0; i < 3; i += 1) {
        const s = await viewerSocket(direct.url, { from: `203.0.${i}.1` });
        replies.push(await request(s, 'application:submit', applyBody(v.id)));
        s.close();
      }
      expect(replies.map((r) => r.ok)).toEqual([true, true, false]);
    } finally {
      await direct.stop();
    }
  });
});

describe('APPLY_VERIFY=sms over the socket', () => {
  let server: TestServer;
  let gateway: http.Server;
  const texts: Array<{ phone: string; text: string }> = [];

  beforeAll(async () => {
    gateway = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        texts.push(JSON.parse(body) as { phone: string; text: string });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const { port } = gateway.address() as AddressInfo;
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', APPLY_VERIFY: 'sms', SMS_WEBHOOK_URL: `http://127.0.0.1:${port}/send` });
  });
  afterAll(async () => {
    await server.stop();
    await new Promise((resolve) => gateway.close(resolve));
  });

  test('no code or a wrong code is refused over the socket; the texted code is accepted', async () => {
    const bureau = await bureauClient(server.url);
    const v = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
    const viewer = await viewerSocket(server.url, { device: await deviceToken(server.url) });
    try {
      const phone = '13611112222';
      const body = applyBody(v.id, { phone });
      expect(await request(viewer, 'application:submit', body)).toMatchObject({ ok: false, error: { code: 'VERIFICATION_REQUIRED' } });
      expect((await apiClient(server.url).post('/apply/verify', { phone })).status).toBe(200);
      const code = /(\d{6})/.exec(texts.find((t) => t.phone === phone)!.text)![1]!;
      const wrong = code === '000000' ? '111111' : '000000';
      expect(await request(viewer, 'application:submit', { ...body, code: wrong })).toMatchObject({ ok: false, error: { code: 'VERIFICATION_REQUIRED' } });
      expect(await mine(server.url, body.idempotencyKey)).toEqual([]);
      expect(await request(viewer, 'application:submit', { ...body, code })).toEqual({ ok: true, data: { received: true } });
      expect(await applicationsFor(bureau, v.id, phone)).toHaveLength(1);
      // The code worked once: the same key is answered again without it, over HTTP too, and nothing more is stored.
      expect((await post(server.url, body)).status).toBe(202);
      expect(await applicationsFor(bureau, v.id, phone)).toHaveLength(1);
    } finally {
      viewer.close();
    }
  });
});
