import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Application, Vacancy } from '@chunfeng/shared/recruitment';
import type { RequestName } from '@chunfeng/shared/events';
import { hashKey } from '../../server/src/domain/applications';
import { applyBody, signInCookie } from '../harness/api';
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from '../harness/server';
import { connect, request, type TestSocket } from '../harness/socketClient';

type Role = 'bureau' | 'employerA' | 'employerB' | 'host' | 'viewer1' | 'viewer2';
const ROLES: Role[] = ['bureau', 'employerA', 'employerB', 'host', 'viewer1', 'viewer2'];

/** Everything one role received: every HTTP body (JSON or CSV) and every socket.io event and ack. */
class Inbox {
  readonly payloads: Array<{ via: string; text: string }> = [];

  add(via: string, data: unknown): void {
    this.payloads.push({ via, text: typeof data === 'string' ? data : JSON.stringify(data) });
  }

  /** Where `secret` occurs in what this role received. */
  find(secret: string): string[] {
    return this.payloads.filter((p) => p.text.includes(secret)).map((p) => p.via);
  }
}

describe('privacy: each role receives only what is theirs to see, over HTTP and socket.io, in a full session', () => {
  let server: TestServer;
  const inbox = Object.fromEntries(ROLES.map((r) => [r, new Inbox()])) as Record<Role, Inbox>;
  const sockets: TestSocket[] = [];

  /** An HTTP call as `role`, its answer recorded in that role's inbox. */
  async function http<T = Record<string, unknown>>(role: Role, method: string, path: string, { body, token, device }: { body?: unknown; token?: string; device?: string } = {}): Promise<{ status: number; body: T; text: string }> {
    const res = await fetch(`${server.url}/api${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(device ? { 'x-device-token': device } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    inbox[role].add(`HTTP ${method} ${path} → ${res.status}`, text);
    let parsed: unknown = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = {};
    }
    return { status: res.status, body: parsed as T, text };
  }

  /** A socket of `role` whose every incoming event is recorded. */
  async function socketOf(role: Role, opts: Parameters<typeof connect>[1] = {}): Promise<TestSocket & { ask: <K extends RequestName>(name: K, payload: unknown) => ReturnType<typeof request<K>> }> {
    const s = await connect(server.url, opts);
    sockets.push(s);
    s.onAny((event: string, ...args: unknown[]) => inbox[role].add(`socket event ${event}`, args));
    return Object.assign(s, {
      ask: async <K extends RequestName>(name: K, payload: unknown) => {
        const ack = await request(s, name, payload);
        inbox[role].add(`socket ack ${name}`, ack);
        return ack;
      },
    });
  }

  const people = {
    one: { name: '隐私测试甲', phone: '13655550001', key: `k1-${crypto.randomUUID()}` },
    two: { name: '隐私测试乙', phone: '13655550002', key: `k2-${crypto.randomUUID()}` },
    /** Viewer 2 typing viewer 1's phone number under a name and key of their own. */
    impostor: { name: '冒名者丙', key: `k3-${crypto.randomUUID()}` },
  };
  const devices: Record<'viewer1' | 'viewer2', string> = { viewer1: '', viewer2: '' };
  /** The device-token family each viewer's author id is based on (inside their own token only). */
  const families: Record<'viewer1' | 'viewer2', string> = { viewer1: '', viewer2: '' };

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });

    // ── the bureau signs in, makes the employer links; the consoles subscribe ──
    // The sign-in's token travels only in its cookie; the test sends it back as a bearer token too.
    const staffToken = (await signInCookie(server.url, 'admin', TEST_ADMIN_PASSWORD)).slice('cf_session='.length);
    const vacancies = (await http<{ vacancies: Vacancy[] }>('bureau', 'GET', '/vacancies', { token: staffToken })).body.vacancies;
    const vA = vacancies[0]!;
    const vB = vacancies.find((v) => v.employerId !== vA.employerId)!;
    const linkA = (await http<{ token: string }>('bureau', 'POST', `/employers/${vA.employerId}/invite`, { token: staffToken })).body.token;
    const linkB = (await http<{ token: string }>('bureau', 'POST', `/employers/${vB.employerId}/invite`, { token: staffToken })).body.token;
    const bureauSocket = await socketOf('bureau', { cookie: `cf_session=${staffToken}` });
    expect((await bureauSocket.ask('console:subscribe', {})).ok).toBe(true);
    const consoleA = await socketOf('employerA');
    expect((await consoleA.ask('console:subscribe', { token: linkA })).ok).toBe(true);
    const consoleB = await socketOf('employerB');
    expect((await consoleB.ask('console:subscribe', { token: linkB })).ok).toBe(true);
    await http('employerA', 'GET', '/auth/me', { token: linkA });
    await http('employerB', 'GET', '/auth/me', { token: linkB });

    // ── the host goes live and pins employer A's vacancy ──
    const host = await socketOf('host');
    const hostToken = await server.tokens.issue({ sid: 'demo', role: 'host', sub: 'privacy-host' });
    expect((await host.ask('stage:join', { sessionId: 'demo', role: 'host', token: hostToken, displayName: '主播' })).ok).toBe(true);
    expect((await host.ask('vacancy:pin', { vacancyId: vA.id })).ok).toBe(true);

    // ── two viewers with device tokens join, read the session, chat ──
    const viewers = {} as Record<'viewer1' | 'viewer2', Awaited<ReturnType<typeof socketOf>>>;
    const deviceTokens = {} as Record<'viewer1' | 'viewer2', string>;
    for (const role of ['viewer1', 'viewer2'] as const) {
      const device = await http<{ deviceId: string; token: string }>(role, 'POST', '/device', { body: {} });
      devices[role] = device.body.deviceId;
      deviceTokens[role] = device.body.token;
      const claims = JSON.parse(Buffer.from(device.body.token.split('.')[1]!, 'base64url').toString()) as { sub: string; fam?: string };
      families[role] = claims.fam ?? claims.sub;
      await http(role, 'GET', '/public/sessions/demo');
      await http(role, 'GET', `/public/vacancies/${vA.id}`);
      viewers[role] = await socketOf(role, { device: device.body.token });
      expect((await viewers[role].ask('stage:join', { sessionId: 'demo', role: 'viewer' })).ok).toBe(true);
      await viewers[role].ask('chat:history', {});
      await viewers[role].ask('card:event', { vacancyId: vA.id, step: 'shown' });
    }
    await viewers.viewer1.ask('chat:send', { text: '请问包住吗', displayName: '小王' });
    await viewers.viewer2.ask('chat:send', { text: '工资怎么发', displayName: '小李' });
    await host.ask('chat:send', { text: '欢迎大家', displayName: '主播' });
    await host.ask('chat:history', {});

    // ── applications: viewer 1 to A's vacancy, viewer 2 to B's, and viewer 2 typing viewer 1's number ──
    await http('viewer1', 'POST', '/applications', { device: deviceTokens.viewer1, body: applyBody(vA.id, { name: people.one.name, phone: people.one.phone, idempotencyKey: people.one.key }) });
    await http('viewer2', 'POST', '/applications', { device: deviceTokens.viewer2, body: applyBody(vB.id, { name: people.two.name, phone: people.two.phone, idempotencyKey: people.two.key }) });
    await http('viewer2', 'POST', '/applications', { device: deviceTokens.viewer2, body: applyBody(vA.id, { name: people.impostor.name, phone: people.one.phone, idempotencyKey: people.impostor.key }) });
    const mine1 = await http<{ applications: Array<{ id: string }> }>('viewer1', 'POST', '/applications/mine', { body: { items: [{ idempotencyKey: people.one.key }] } });
    await http('viewer2', 'POST', '/applications/mine', { body: { items: [{ idempotencyKey: people.two.key }, { idempotencyKey: people.impostor.key }] } });
    const app1 = mine1.body.applications[0]!.id;

    // ── questions: viewer 1 asks about A's vacancy, viewer 2 votes, employer A answers ──
    const asked = await viewers.viewer1.ask('question:ask', { text: '坐轮椅可以来上班吗' });
    const questionId = asked.ok ? asked.data.question.id : '';
    await viewers.viewer2.ask('question:vote', { questionId });
    for (const s of [viewers.viewer1, viewers.viewer2, host]) await s.ask('question:list', {});
    await consoleA.ask('question:list', { sessionId: 'demo' });
    await consoleB.ask('question:list', { sessionId: 'demo' });
    await consoleA.ask('question:answer', { questionId, text: '可以，有无障碍通道' });
    await host.ask('funnel:get', {});

    // ── follow-up: status changes, lists, single records, exports (and B trying A's) ──
    await http('employerA', 'PATCH', `/applications/${app1}/status`, { token: linkA, body: { status: 'contacted', note: '已电话联系' } });
    const all = (await http<{ applications: Application[] }>('bureau', 'GET', '/applications', { token: staffToken })).body.applications;
    const app2 = all.find((a) => a.phone === people.two.phone)!.id;
    await http('bureau', 'PATCH', `/applications/${app2}/status`, { token: staffToken, body: { status: 'interviewing', note: '' } });
    for (const [role, token] of [['bureau', staffToken], ['employerA', linkA], ['employerB', linkB]] as const) {
      await http(role, 'GET', '/applications', { token });
      await http(role, 'GET', '/applications.csv', { token });
      await http(role, 'GET', `/applications/${app1}`, { token });
      await http(role, 'GET', `/applications/${app2}`, { token });
      await http(role, 'GET', `/applications?vacancyId=${vA.id}`, { token });
    }
    await http('bureau', 'GET', '/statistics/sessions/demo', { token: staffToken });

    // ── viewer 1 withdraws; the consoles hear of it ──
    await http('viewer1', 'POST', `/applications/${app1}/withdraw`, { body: { idempotencyKey: people.one.key } });
    await new Promise((r) => setTimeout(r, 300));
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.stop();
  });

  /** Asserts that `secret` reached none of `roles` (naming where it leaked, if it did). */
  const reachesNone = (secret: string, roles: Role[]) => {
    for (const role of roles) expect({ role, leakedIn: inbox[role].find(secret) }).toEqual({ role, leakedIn: [] });
  };

  test('the recording saw the whole session (the scanner has something to scan)', () => {
    for (const role of ROLES) expect(inbox[role].payloads.length).toBeGreaterThan(5);
    // Positive controls: the people allowed to see an applicant did see them, on both channels.
    expect(inbox.bureau.find(people.one.phone)).toEqual(expect.arrayContaining([expect.stringContaining('socket event application:created'), expect.stringContaining('HTTP GET /applications.csv')]));
    expect(inbox.employerA.find(people.one.name)).toEqual(expect.arrayContaining([expect.stringContaining('socket event application:created'), expect.stringContaining('HTTP GET /applications →')]));
    expect(inbox.employerB.find(people.two.phone)).toEqual(expect.arrayContaining([expect.stringContaining('socket event application:created')]));
    expect(inbox.viewer2.payloads.filter((p) => p.via === 'socket event question:changed').length).toBeGreaterThan(0);
    expect(inbox.employerA.payloads.filter((p) => p.via === 'socket event question:changed').length).toBeGreaterThan(0);
  });

  test('names and phones reach only the bureau and the employer of the vacancy', () => {
    reachesNone(people.one.phone, ['employerB', 'host', 'viewer2']);
    reachesNone(people.one.name, ['employerB', 'host', 'viewer2']);
    reachesNone(people.two.phone, ['employerA', 'host', 'viewer1']);
    reachesNone(people.two.name, ['employerA', 'host', 'viewer1']);
    // Nobody's answer echoes a person's own name or phone back to a viewer either.
    reachesNone(people.one.phone, ['viewer1']);
    reachesNone(people.two.phone, ['viewer2']);
  });

  test('a repeat with someone else’s number learns nothing stored, and its name is stored for nobody', () => {
    reachesNone(people.one.name, ['viewer2']);
    reachesNone(people.impostor.name, ROLES);
  });

  test('idempotency keys (withdrawal secrets) and their hashes reach nobody', () => {
    for (const key of [people.one.key, people.two.key, people.impostor.key]) {
      reachesNone(key, ROLES);
      reachesNone(hashKey(key), ROLES);
    }
    for (const role of ROLES) expect(inbox[role].payloads.filter((p) => /"(idempotencyKey|keyHash)"/.test(p.text)).map((p) => p.via)).toEqual([]);
  });

  test('device ids and raw author bases reach nobody else; author ids cannot be computed from a device id', () => {
    for (const viewer of ['viewer1', 'viewer2'] as const) {
      const deviceId = devices[viewer];
      const others = ROLES.filter((r) => r !== viewer);
      reachesNone(deviceId, others);
      // The family the author id is based on travels only inside the viewer's own token, never in clear.
      reachesNone(families[viewer], ROLES);
      for (const raw of new Set([deviceId, families[viewer]])) {
        const basis = `device:${raw}`;
        reachesNone(basis, ROLES);
        // The unkeyed hash the author id used to be: anyone holding the basis could compute it.
        reachesNone(crypto.createHash('sha256').update(basis).digest('base64url').slice(0, 16), ROLES);
      }
      // The viewer's own device id came back only in the /device answer that issued it.
      expect(inbox[viewer].find(deviceId)).toEqual(['HTTP POST /device → 201']);
    }
    for (const role of ROLES) expect(inbox[role].payloads.filter((p) => p.text.includes('"deviceId"') && !p.via.startsWith('HTTP POST /device')).map((p) => p.via)).toEqual([]);
  });

  test('question payloads carry a vote count and the receiver’s own marks, never the asker or the voters', () => {
    for (const role of ROLES) {
      const questions = inbox[role].payloads.filter((p) => p.via.includes('question'));
      expect(questions.filter((p) => /"(voters|askedBy)"/.test(p.text)).map((p) => p.via)).toEqual([]);
    }
    const viewer2Saw = inbox.viewer2.payloads.filter((p) => p.via === 'socket event question:changed').map((p) => (JSON.parse(p.text) as [{ question: { votes: number; youVoted: boolean; mine: boolean } }])[0].question);
    const viewer1Saw = inbox.viewer1.payloads.filter((p) => p.via === 'socket event question:changed').map((p) => (JSON.parse(p.text) as [{ question: { votes: number; youVoted: boolean; mine: boolean } }])[0].question);
    expect(viewer2Saw.at(-1)).toMatchObject({ votes: 1, youVoted: true, mine: false });
    expect(viewer1Saw.at(-1)).toMatchObject({ votes: 1, youVoted: false, mine: true });
  });
});
