import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Invite, StaffView } from '@chunfeng/shared/admin';
import type { Employer, Vacancy } from '@chunfeng/shared/recruitment';
import { apiClient, applyBody, bureauClient, signInCookie } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';

type Client = ReturnType<typeof apiClient>;

/**
 * Withdrawn credentials stop at once: each test opens a socket with a credential, withdraws the
 * credential, and asserts the socket is closed by the server within 1 s and hears nothing after.
 */
describe('credentials stop at once: revocation over open sockets', () => {
  let server: TestServer;
  let bureau: Client;
  let employers: Employer[];
  let vacancies: Vacancy[];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', STAGE_GRACE_MS: '5000' });
    bureau = await bureauClient(server.url);
    employers = (await bureau.get<{ employers: Employer[] }>('/employers')).body.employers;
    vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(() => server.stop());

  const open = async (options: Parameters<typeof connect>[1] = {}): Promise<TestSocket> => {
    const s = await connect(server.url, options);
    sockets.push(s);
    return s;
  };
  const device = async (): Promise<string> => (await apiClient(server.url).post<{ token: string }>('/device')).body.token;

  /** Resolves with the time from `since` to the server closing the socket, and what it heard meanwhile. */
  function watchClose(socket: TestSocket, events: string[]): { closed: Promise<{ ms: number; reason: string }>; heard: string[]; mark(): void } {
    const heard: string[] = [];
    let since = performance.now();
    socket.onAny((event: string) => {
      if (events.includes(event)) heard.push(event);
    });
    const closed = new Promise<{ ms: number; reason: string }>((resolve) => socket.once('disconnect', (reason) => resolve({ ms: performance.now() - since, reason })));
    return { closed, heard, mark: () => (since = performance.now()) };
  }

  const hostLink = async (sessionId: string) => (await bureau.post<{ token: string; invite: Invite }>(`/sessions/${sessionId}/host-link`)).body;
  /** A registered session of its own for each test, so that ending or leaving it touches no other. */
  const newSession = async (): Promise<string> => {
    const [campaign] = (await bureau.get<{ campaigns: Array<{ id: string }> }>('/campaigns')).body.campaigns;
    const lineup = vacancies.slice(0, 2).map((v) => ({ kind: 'vacancy', id: v.id }));
    const res = await bureau.post<{ session: { id: string } }>('/sessions', { campaignId: campaign!.id, title: '凭证测试', scheduledAt: '2027-03-01T10:00:00+08:00', lineup });
    expect(res.status).toBe(201);
    return res.body.session.id;
  };

  test('revoking an employer link closes its console socket within 1 s; no applicant reaches it after, and the link is refused', async () => {
    const employer = employers[0]!;
    const link = (await bureau.post<{ token: string; invite: Invite }>(`/employers/${employer.id}/invite`)).body;
    const console_ = await open();
    await requestOk(console_, 'console:subscribe', { token: link.token });
    const watch = watchClose(console_, ['application:created', 'application:updated']);

    watch.mark();
    expect((await bureau.post(`/invites/${link.invite.id}/revoke`)).status).toBe(200);
    const { ms, reason } = await watch.closed;
    console.log(`[measure] employer link revoked → console socket closed in ${ms.toFixed(1)} ms`);
    expect(reason).toBe('io server disconnect');
    expect(ms).toBeLessThan(1000);

    const vacancy = vacancies.find((v) => v.employerId === employer.id)!;
    expect((await apiClient(server.url).post('/applications', applyBody(vacancy.id))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 200));
    expect(watch.heard).toEqual([]);
    expect((await apiClient(server.url, link.token).get('/applications')).status).toBe(401);
    expect(await request(await open(), 'console:subscribe', { token: link.token })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  test('removing a staff account closes every socket it signed in on within 1 s, and its sign-in is refused after', async () => {
    const created = (await bureau.post<{ staff: StaffView }>('/staff', { username: 'zhao.lei', displayName: '赵磊', password: 'long-enough-pw', role: 'staff' })).body.staff;
    const cookie = await signInCookie(server.url, 'zhao.lei', 'long-enough-pw');
    const feed = await open({ cookie });
    expect(await requestOk(feed, 'console:subscribe', {})).toEqual({ scope: 'bureau', employerId: null });
    // A second tab of the same account, signed in separately.
    const other = await open({ cookie: await signInCookie(server.url, 'zhao.lei', 'long-enough-pw') });
    await requestOk(other, 'console:subscribe', {});
    const watches = [watchClose(feed, ['application:created']), watchClose(other, ['application:created'])];

    for (const w of watches) w.mark();
    expect((await bureau.delete(`/staff/${created.id}`)).status).toBe(200);
    const closed = await Promise.all(watches.map((w) => w.closed));
    for (const { ms } of closed) console.log(`[measure] staff account removed → its console socket closed in ${ms.toFixed(1)} ms`);
    expect(Math.max(...closed.map((c) => c.ms))).toBeLessThan(1000);

    expect((await apiClient(server.url).post('/applications', applyBody(vacancies[0]!.id))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 200));
    expect(watches.flatMap((w) => w.heard)).toEqual([]);
    expect((await apiClient(server.url, undefined, { cookie }).get('/employers')).status).toBe(401);
    expect(await request(await open({ cookie }), 'console:subscribe', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  test('signing out ends the sign-in everywhere: its sockets close within 1 s and a copy of its cookie is refused', async () => {
    const cookie = await signInCookie(server.url);
    const signedIn = apiClient(server.url, undefined, { cookie });
    expect((await signedIn.get('/employers')).status).toBe(200);
    const feed = await open({ cookie });
    await requestOk(feed, 'console:subscribe', {});
    // Another sign-in of the same account (another computer) is not affected.
    const elsewhere = await open({ cookie: await signInCookie(server.url) });
    await requestOk(elsewhere, 'console:subscribe', {});
    const watch = watchClose(feed, ['application:created']);

    watch.mark();
    const out = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: server.url } });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie().join(';')).toMatch(/cf_session=;/);
    const { ms } = await watch.closed;
    console.log(`[measure] sign-out → the sign-in's console socket closed in ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(1000);

    const created = nextApplication(elsewhere);
    expect((await apiClient(server.url).post('/applications', applyBody(vacancies[0]!.id))).status).toBe(202);
    await created;
    expect(watch.heard).toEqual([]);
    expect(elsewhere.connected).toBe(true);
    expect((await signedIn.get('/employers')).status).toBe(401);
    expect(await request(await open({ cookie }), 'console:subscribe', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  test('revoking a host link closes the host socket within 1 s, frees the host seat at once, and the link cannot come back (not even with the resume key)', async () => {
    const sessionId = await newSession();
    const link = await hostLink(sessionId);
    const host = await open();
    const joined = await requestOk(host, 'stage:join', { sessionId, role: 'host', token: link.token });
    const viewer = await open();
    await requestOk(viewer, 'stage:join', { sessionId, role: 'viewer' });
    const watch = watchClose(host, ['stage:roster', 'stage:hands', 'funnel:updated']);
    const stage = (await server.directory.get(sessionId as never))!;
    const hosted = (): boolean => stage.roster.onStage().some((p) => p.role === 'host');
    expect(hosted()).toBe(true);

    watch.mark();
    const start = performance.now();
    await bureau.post(`/invites/${link.invite.id}/revoke`);
    const { ms } = await watch.closed;
    await waitFor(() => !hosted());
    const seatGone = performance.now() - start;
    console.log(`[measure] host link revoked → host socket closed in ${ms.toFixed(1)} ms, host seat gone for viewers in ${seatGone.toFixed(1)} ms`);
    expect(ms).toBeLessThan(1000);
    expect(seatGone).toBeLessThan(1000);

    const back = await open();
    expect(await request(back, 'stage:join', { sessionId, role: 'host', token: link.token, resume: { peerId: joined.peerId, key: joined.resumeKey } })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED' },
    });
    // The seat is gone: its key resumes nothing, not even as a viewer.
    expect(await request(back, 'stage:join', { sessionId, role: 'viewer', resume: { peerId: joined.peerId, key: joined.resumeKey } })).toMatchObject({ ok: true, data: { resumed: false, role: 'viewer' } });
  });

  test('a resume never changes role: a viewer socket holding the host resume key is refused the host seat', async () => {
    const sessionId = await newSession();
    const host = await open();
    const joined = await requestOk(host, 'stage:join', { sessionId, role: 'host', token: (await hostLink(sessionId)).token });
    host.close();
    const thief = await open();
    expect(await request(thief, 'stage:join', { sessionId, role: 'viewer', resume: { peerId: joined.peerId, key: joined.resumeKey } })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    // The host, with the credential, takes the same seat back.
    const back = await open();
    const resumed = await requestOk(back, 'stage:join', { sessionId, role: 'host', token: (await hostLink(sessionId)).token, resume: { peerId: joined.peerId, key: joined.resumeKey } });
    expect(resumed).toMatchObject({ peerId: joined.peerId, role: 'host', resumed: true });
    // A viewer the host brought on stage resumes as the viewer they joined as, and keeps the seat given.
    const guestPhone = await device();
    const guest = await open({ device: guestPhone });
    const g = await requestOk(guest, 'stage:join', { sessionId, role: 'viewer' });
    await requestOk(guest, 'hand:raise', { raised: true });
    await requestOk(back, 'stage:promote', { peerId: g.peerId });
    guest.close();
    const guestBack = await open({ device: guestPhone });
    expect(await requestOk(guestBack, 'stage:join', { sessionId, role: 'viewer', resume: { peerId: g.peerId, key: g.resumeKey } })).toMatchObject({ resumed: true, role: 'cohost' });
    expect(await request(await open(), 'stage:join', { sessionId, role: 'cohost', resume: { peerId: g.peerId, key: g.resumeKey } })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED' },
    });
  });

  test('every studio invite is in the registry with its expiry, single-use, and withdrawn by the host or the bureau closes its socket within 1 s', async () => {
    const sessionId = await newSession();
    const host = await open();
    await requestOk(host, 'stage:join', { sessionId, role: 'host', token: (await hostLink(sessionId)).token });
    const made = await requestOk(host, 'stage:invite', { role: 'cohost' });
    const listed = (await bureau.get<{ invites: Invite[] }>('/invites')).body.invites.find((i) => i.id === made.inviteId);
    expect(listed).toMatchObject({ kind: 'cohost', subject: sessionId, singleUse: true, usedAt: null, revokedAt: null, expiresAt: made.expiresAt });
    expect(Date.parse(made.expiresAt) - Date.now()).toBeGreaterThan(5 * 3600_000);
    expect(listed).not.toHaveProperty('holder');

    const phone = await device();
    const cohost = await open({ device: phone });
    await requestOk(cohost, 'stage:join', { sessionId, role: 'cohost', token: made.token });
    expect((await bureau.get<{ invites: Invite[] }>('/invites')).body.invites.find((i) => i.id === made.inviteId)?.usedAt).toBeTruthy();
    // Someone else with the same link: refused, typed.
    for (const other of [await open({ device: await device() }), await open()]) {
      expect(await request(other, 'stage:join', { sessionId, role: 'cohost', token: made.token })).toMatchObject({ ok: false, error: { code: 'INVITE_USED' } });
    }
    // The same person on a reloaded page (same phone) is let in again.
    const reloaded = await open({ device: phone });
    await requestOk(reloaded, 'stage:join', { sessionId, role: 'cohost', token: made.token });

    // Only the host withdraws, and only this session's invites.
    expect(await request(cohost, 'stage:inviteRevoke', { inviteId: made.inviteId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(host, 'stage:inviteRevoke', { inviteId: 'not-an-invite' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const watches = [watchClose(cohost, ['stage:roster']), watchClose(reloaded, ['stage:roster'])];
    for (const w of watches) w.mark();
    await requestOk(host, 'stage:inviteRevoke', { inviteId: made.inviteId });
    const closed = await Promise.all(watches.map((w) => w.closed));
    console.log(`[measure] host withdraws a studio invite → its co-host sockets closed in ${closed.map((c) => c.ms.toFixed(1)).join(', ')} ms`);
    expect(Math.max(...closed.map((c) => c.ms))).toBeLessThan(1000);
    expect(await request(await open({ device: phone }), 'stage:join', { sessionId, role: 'cohost', token: made.token })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });

    // The bureau withdraws a captioner invite from the console's list.
    const captionerInvite = await requestOk(host, 'stage:invite', { role: 'captioner' });
    const captioner = await open();
    await requestOk(captioner, 'stage:join', { sessionId, role: 'captioner', token: captionerInvite.token });
    const watch = watchClose(captioner, ['caption']);
    watch.mark();
    await bureau.post(`/invites/${captionerInvite.inviteId}/revoke`);
    const { ms } = await watch.closed;
    console.log(`[measure] bureau withdraws a studio invite → the captioner socket closed in ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(1000);
    await requestOk(host, 'caption:send', { text: '欢迎大家' });
    await new Promise((r) => setTimeout(r, 100));
    expect(watch.heard).toEqual([]);
  });
});

function nextApplication(socket: TestSocket): Promise<void> {
  return new Promise((resolve) => socket.once('application:created', () => resolve()));
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
