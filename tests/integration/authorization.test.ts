import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Invite, StaffView } from '@chunfeng/shared/admin';
import type { RequestName } from '@chunfeng/shared/events';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { apiClient, applyBody, bureauClient, signInCookie, type ApiReply } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';

type Client = ReturnType<typeof apiClient>;

const ROLES = [
  'anonymous',
  'viewer',
  'employer A rep',
  'employer B rep',
  'staff',
  'admin',
  'host link',
  'co-host link',
  'revoked employer link',
  'revoked host link',
] as const;
type Role = (typeof ROLES)[number];

/** Who is acting: their HTTP client, their socket (joined to the stage if their role is on it) and their link. */
interface Actor {
  http: Client;
  socket: TestSocket;
  token: string | undefined;
}

type Outcome = 'allowed' | 'refused';
type Fixture = { server: TestServer; admin: Client; vacancyA: Vacancy; employerA: string; applicationA: string; host: Actor };

/** The one table: each action that needs authority, and who may do it. Everyone else is refused. */
const ACTIONS: Array<{ action: string; allowed: Role[]; run: (actor: Actor, f: Fixture) => Promise<Outcome> }> = [
  // ── HTTP: the bureau's catalog and links ──
  { action: 'GET /api/campaigns', allowed: ['staff', 'admin'], run: (a) => http(a.http.get('/campaigns')) },
  { action: 'POST /api/campaigns', allowed: ['staff', 'admin'], run: (a) => http(a.http.post('/campaigns', { name: `招聘月${Math.random()}`, startsOn: '2027-05-01', endsOn: '2027-05-31' })) },
  {
    action: 'PUT /api/sessions/:id/lineup',
    allowed: ['staff', 'admin'],
    run: async (a, f) => http(a.http.put('/sessions/demo/lineup', (await f.admin.get<{ sessions: Array<{ id: string; lineup: unknown }> }>('/sessions')).body.sessions.find((s) => s.id === 'demo')!.lineup)),
  },
  { action: 'POST /api/sessions/:id/host-link', allowed: ['staff', 'admin'], run: (a) => http(a.http.post('/sessions/demo/host-link')) },
  { action: 'POST /api/employers/:id/invite', allowed: ['staff', 'admin'], run: (a, f) => http(a.http.post(`/employers/${f.employerA}/invite`)) },
  { action: 'POST /api/vacancies/:id/review', allowed: ['staff', 'admin'], run: (a, f) => http(a.http.post(`/vacancies/${f.vacancyA.id}/review`)) },
  { action: 'GET /api/invites', allowed: ['staff', 'admin'], run: (a) => http(a.http.get('/invites')) },
  {
    action: 'POST /api/invites/:id/revoke',
    allowed: ['staff', 'admin'],
    run: async (a, f) => {
      const link = (await f.admin.post<{ invite: Invite }>(`/employers/${f.employerA}/invite`)).body.invite;
      return http(a.http.post(`/invites/${link.id}/revoke`));
    },
  },
  { action: 'GET /api/staff', allowed: ['admin'], run: (a) => http(a.http.get('/staff')) },
  { action: 'POST /api/staff', allowed: ['admin'], run: (a) => http(a.http.post('/staff', { username: `u${Date.now()}${Math.floor(Math.random() * 1e6)}`, displayName: '新人', password: 'long-enough-pw' })) },
  {
    action: 'DELETE /api/staff/:id',
    allowed: ['admin'],
    run: async (a, f) => {
      const doomed = (await f.admin.post<{ staff: StaffView }>('/staff', { username: `d${Date.now()}${Math.floor(Math.random() * 1e6)}`, displayName: '临时', password: 'long-enough-pw' })).body.staff;
      return http(a.http.delete(`/staff/${doomed.id}`));
    },
  },
  { action: 'GET /api/statistics/sessions/:id', allowed: ['staff', 'admin'], run: (a) => http(a.http.get('/statistics/sessions/demo')) },
  // ── HTTP: follow-up of applications ──
  { action: 'GET /api/auth/me', allowed: ['employer A rep', 'employer B rep', 'staff', 'admin'], run: (a) => http(a.http.get('/auth/me')) },
  { action: 'GET /api/vacancies', allowed: ['employer A rep', 'employer B rep', 'staff', 'admin'], run: (a) => http(a.http.get('/vacancies')) },
  {
    action: "GET /api/applications lists employer A's applicant",
    allowed: ['employer A rep', 'staff', 'admin'],
    run: async (a, f) => {
      const res = await a.http.get<{ applications?: Array<{ id: string }> }>('/applications');
      return denyOr(res.status, () => res.body.applications!.some((x) => x.id === f.applicationA));
    },
  },
  {
    action: "GET /api/applications.csv carries employer A's applicant",
    allowed: ['employer A rep', 'staff', 'admin'],
    run: async (a) => {
      const res = await a.http.raw('/applications.csv');
      const text = await res.text();
      return denyOr(res.status, () => text.includes('王小明'));
    },
  },
  { action: "GET /api/applications/:id of employer A's applicant", allowed: ['employer A rep', 'staff', 'admin'], run: (a, f) => hidden(a.http.get(`/applications/${f.applicationA}`)) },
  {
    action: "PATCH /api/applications/:id/status of employer A's applicant",
    allowed: ['employer A rep', 'staff', 'admin'],
    run: async (a, f) => {
      const fresh = await applyTo(f.server.url, f.admin, f.vacancyA.id);
      return hidden(a.http.patch(`/applications/${fresh}/status`, { status: 'contacted', note: '已电话联系' }));
    },
  },
  // ── socket.io ──
  {
    action: 'console:subscribe',
    allowed: ['employer A rep', 'employer B rep', 'staff', 'admin'],
    run: (a) => socket(request(a.socket, 'console:subscribe', a.token ? { token: a.token } : {})),
  },
  { action: 'vacancy:pin', allowed: ['host link'], run: (a, f) => socket(request(a.socket, 'vacancy:pin', { vacancyId: f.vacancyA.id })) },
  { action: 'vacancy:unpin', allowed: ['host link'], run: (a) => socket(request(a.socket, 'vacancy:unpin', {})) },
  { action: 'funnel:get', allowed: ['host link'], run: (a) => socket(request(a.socket, 'funnel:get', {})) },
  { action: 'program:spotlight', allowed: ['host link'], run: (a) => socket(request(a.socket, 'program:spotlight', { followSpeaker: false })) },
  { action: 'stage:invite', allowed: ['host link'], run: (a) => socket(request(a.socket, 'stage:invite', { role: 'cohost' })) },
  {
    action: 'stage:inviteRevoke',
    allowed: ['host link'],
    run: async (a, f) => {
      const made = await requestOk(f.host.socket, 'stage:invite', { role: 'interpreter' });
      return socket(request(a.socket, 'stage:inviteRevoke', { inviteId: made.inviteId }));
    },
  },
  { action: 'caption:send', allowed: ['host link'], run: (a) => socket(request(a.socket, 'caption:send', { text: '欢迎收看' })) },
  { action: 'transport:create (send)', allowed: ['host link', 'co-host link'], run: (a) => socket(request(a.socket, 'transport:create', { direction: 'send' })) },
];

/** A job seeker applies (the answer is a neutral receipt); the bureau's list gives its id. */
async function applyTo(url: string, bureau: Client, vacancyId: string): Promise<string> {
  const body = applyBody(vacancyId);
  const res = await apiClient(url).post('/applications', body);
  if (res.status >= 300) throw new Error(`apply failed: ${res.status} ${JSON.stringify(res.body)}`);
  const list = (await bureau.get<{ applications: Array<{ id: string; phone: string }> }>(`/applications?vacancyId=${vacancyId}`)).body.applications;
  return list.find((a) => a.phone === body.phone)!.id;
}

async function http(reply: Promise<ApiReply>): Promise<Outcome> {
  const { status, body } = await reply;
  return denyOr(status, () => true, body);
}

/** As http(), for a record another employer is told does not exist (404 NOT_FOUND is its refusal). */
async function hidden(reply: Promise<ApiReply>): Promise<Outcome> {
  const { status, body } = await reply;
  return status === 404 && (body as { error?: { code?: string } }).error?.code === 'NOT_FOUND' ? 'refused' : denyOr(status, () => true, body);
}

/** 2xx is allowed (when `check` agrees), 401/403 refused; anything else means the test itself is wrong. */
function denyOr(status: number, check: () => boolean, body?: unknown): Outcome {
  if (status >= 200 && status < 300) return check() ? 'allowed' : 'refused';
  if (status === 401 || status === 403) return 'refused';
  throw new Error(`unexpected HTTP ${status}: ${JSON.stringify(body)}`);
}

async function socket(reply: Promise<Awaited<ReturnType<typeof request<RequestName>>>>): Promise<Outcome> {
  const ack = await reply;
  if (ack.ok) return 'allowed';
  if (['UNAUTHORIZED', 'FORBIDDEN', 'NOT_JOINED'].includes(ack.error.code)) return 'refused';
  throw new Error(`unexpected ${ack.error.code}: ${ack.error.message}`);
}

describe('the authorization matrix: every role × every action that needs authority', () => {
  let f: Fixture;
  const actors = new Map<Role, Actor>();

  beforeAll(async () => {
    const server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    const admin = await bureauClient(server.url);
    const demo = (await apiClient(server.url).get<{ vacancies: Vacancy[] }>('/public/sessions/demo')).body.vacancies;
    const vacancyA = demo[0]!;
    const employerB = demo.find((v) => v.employerId !== vacancyA.employerId)!.employerId;
    const applicationA = await applyTo(server.url, admin, vacancyA.id);
    await admin.post('/staff', { username: 'zhou.min', displayName: '周敏', password: 'long-enough-pw', role: 'staff' });

    const link = async (path: string) => (await admin.post<{ token: string; invite: Invite }>(path)).body;
    const open = (options: Parameters<typeof connect>[1] = {}) => connect(server.url, options);
    const device = async () => (await apiClient(server.url).post<{ token: string }>('/device')).body.token;
    const unjoined = async (http: Client, token?: string, cookie?: string): Promise<Actor> => ({ http, socket: await open(cookie ? { cookie } : {}), token });

    const hostLink = await link('/sessions/demo/host-link');
    const hostSocket = await open();
    await requestOk(hostSocket, 'stage:join', { sessionId: 'demo', role: 'host', token: hostLink.token });
    const host: Actor = { http: apiClient(server.url, hostLink.token), socket: hostSocket, token: hostLink.token };
    const cohostInvite = await requestOk(hostSocket, 'stage:invite', { role: 'cohost' });
    const cohostSocket = await open({ device: await device() });
    await requestOk(cohostSocket, 'stage:join', { sessionId: 'demo', role: 'cohost', token: cohostInvite.token });
    const viewerSocket = await open({ device: await device() });
    await requestOk(viewerSocket, 'stage:join', { sessionId: 'demo', role: 'viewer' });

    const linkA = await link(`/employers/${vacancyA.employerId}/invite`);
    const linkB = await link(`/employers/${employerB}/invite`);
    const revokedEmployer = await link(`/employers/${vacancyA.employerId}/invite`);
    await admin.post(`/invites/${revokedEmployer.invite.id}/revoke`);
    const revokedHost = await link('/sessions/demo/host-link');
    await admin.post(`/invites/${revokedHost.invite.id}/revoke`);
    const revokedHostSocket = await open();
    expect(await request(revokedHostSocket, 'stage:join', { sessionId: 'demo', role: 'host', token: revokedHost.token })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });

    const staffCookie = await signInCookie(server.url, 'zhou.min', 'long-enough-pw');
    const adminCookie = await signInCookie(server.url);
    actors.set('anonymous', await unjoined(apiClient(server.url)));
    actors.set('viewer', { http: apiClient(server.url), socket: viewerSocket, token: undefined });
    actors.set('employer A rep', await unjoined(apiClient(server.url, linkA.token), linkA.token));
    actors.set('employer B rep', await unjoined(apiClient(server.url, linkB.token), linkB.token));
    actors.set('staff', await unjoined(apiClient(server.url, undefined, { cookie: staffCookie }), undefined, staffCookie));
    actors.set('admin', await unjoined(apiClient(server.url, undefined, { cookie: adminCookie }), undefined, adminCookie));
    actors.set('host link', host);
    actors.set('co-host link', { http: apiClient(server.url, cohostInvite.token), socket: cohostSocket, token: cohostInvite.token });
    actors.set('revoked employer link', await unjoined(apiClient(server.url, revokedEmployer.token), revokedEmployer.token));
    actors.set('revoked host link', { http: apiClient(server.url, revokedHost.token), socket: revokedHostSocket, token: revokedHost.token });
    f = { server, admin, vacancyA, employerA: vacancyA.employerId, applicationA, host };
  });
  afterAll(async () => {
    for (const a of actors.values()) a.socket.close();
    await f?.server.stop();
  });

  for (const row of ACTIONS) {
    const { action, allowed } = row;
    test(`${action}: allowed for ${allowed.join(', ')}; refused for everyone else`, async () => {
      const outcomes: Record<string, Outcome> = {};
      for (const role of ROLES) outcomes[role] = await row.run(actors.get(role)!, f);
      const expected = Object.fromEntries(ROLES.map((role) => [role, allowed.includes(role) ? 'allowed' : 'refused']));
      expect(outcomes).toEqual(expected);
    });
  }
});
