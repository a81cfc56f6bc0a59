import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import { apiClient, bureauClient, signInCookie } from '../harness/api';
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';
import { nextEvent } from '../harness/stage';

/** POST /api/device from a chosen local address (anything in 127/8 reaches the server on Linux). */
function mintFrom(url: string, localAddress: string, previous?: string): Promise<{ status: number; retryAfter: string | undefined; body: { token?: string; deviceId?: string; error?: { code: string } } }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, path: '/api/device', method: 'POST', localAddress, headers: { 'content-type': 'application/json', ...(previous ? { 'x-device-token': previous } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: JSON.parse(text) as never }));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

/** A small helper around one server: device tokens, sockets, joins, sessions of their own. */
function people(get: () => TestServer) {
  const sockets: TestSocket[] = [];
  const device = async (): Promise<string> => (await apiClient(get().url).post<{ token: string }>('/device')).body.token;
  const staffCookie = (username = 'admin', password = TEST_ADMIN_PASSWORD): Promise<string> => signInCookie(get().url, username, password);
  const open = async (opts: { device?: string; cookie?: string } = {}): Promise<TestSocket> => {
    const s = await connect(get().url, opts);
    sockets.push(s);
    return s;
  };
  const join = async (sessionId: string, { role = 'viewer', device: d, cookie, displayName }: { role?: 'host' | 'viewer'; device?: string; cookie?: string; displayName?: string } = {}) => {
    const s = await open({ ...(d ? { device: d } : {}), ...(cookie ? { cookie } : {}) });
    const token = role === 'host' ? await get().tokens.issue({ sid: sessionId, role: 'host', sub: 'chief' }) : undefined;
    await requestOk(s, 'stage:join', { sessionId, role, ...(token ? { token } : {}), ...(displayName ? { displayName } : {}) });
    return s;
  };
  /** The author id a device chats under in a session, read from a socket of its own (not a moderator's). */
  const authorIdOf = async (sessionId: string, d: string): Promise<string> => {
    const twin = await join(sessionId, { device: d });
    const { you } = await requestOk(twin, 'chat:history', {});
    twin.close();
    return you;
  };
  const newSession = async (title: string): Promise<string> => {
    const server = get();
    const campaign = await server.service.createCampaign({ name: '春风行动', startsOn: '2025-01-01', endsOn: '2099-12-31', description: '' });
    return (await server.service.createSession({ campaignId: campaign.id, title, scheduledAt: new Date().toISOString(), lineup: [] })).id;
  };
  const closeAll = (): void => {
    for (const s of sockets.splice(0)) s.close();
  };
  return { device, staffCookie, open, join, authorIdOf, newSession, closeAll };
}

describe('moderation is stored per session and outlives its stage', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-moderation-'));
  const env = { DEMO_DATA: 'true', MEDIA_WORKERS: '1', DATA_DIR: dataDir, STAGE_GRACE_MS: '300' };
  let server: TestServer;
  const p = people(() => server);
  afterAll(async () => {
    p.closeAll();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('a ban, a mute and slow mode survive the stage closing and reopening, and a server restart on the same data dir', async () => {
    server = await startTestServer(env);
    let host = await p.join('demo', { role: 'host' });
    const [banned, muted] = [await p.device(), await p.device()];
    const bannedSocket = await p.join('demo', { device: banned });
    await requestOk(bannedSocket, 'chat:send', { text: '大家好', displayName: '老张' });
    await requestOk(host, 'chat:ban', { authorId: await p.authorIdOf('demo', banned) });
    await requestOk(host, 'chat:mute', { authorId: await p.authorIdOf('demo', muted), seconds: 3600 });
    await requestOk(host, 'chat:slowMode', { seconds: 30 });

    const expectStillModerated = async (): Promise<void> => {
      const again = await p.open({ device: banned });
      expect(await request(again, 'stage:join', { sessionId: 'demo', role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'BANNED' } });
      const quiet = await p.join('demo', { device: muted });
      expect(await request(quiet, 'chat:send', { text: '还能说话吗', displayName: '小王' })).toMatchObject({ ok: false, error: { code: 'MUTED' } });
      expect((await requestOk(quiet, 'chat:history', {})).slowModeSeconds).toBe(30);
    };

    // The host's connection gone past the grace period closes the stage; the host opens it again.
    const ended = nextEvent<{ reason: string }>(bannedSocket, 'stage:ended');
    host.close();
    expect(await ended).toEqual({ reason: 'host-left' });
    host = await p.join('demo', { role: 'host' });
    await expectStillModerated();

    // A media failure closes it too.
    (await server.directory.get('demo' as never))!.room.close('media-failure');
    host = await p.join('demo', { role: 'host' });
    await expectStillModerated();

    // And a restart of the whole server on the same data.
    p.closeAll();
    await server.stop();
    server = await startTestServer(env);
    host = await p.join('demo', { role: 'host' });
    await expectStillModerated();
    // The log counts each action once: loading it again stored nothing new.
    const log = (await (await bureauClient(server.url)).get<{ entries: ModerationEntry[] }>('/sessions/demo/moderation')).body.entries;
    expect(log.map((e) => e.action)).toEqual(['ban', 'mute', 'slow-mode']);
  });
});

describe('moderation bounded by role, device tokens and the log', () => {
  let server: TestServer;
  const p = people(() => server);
  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
  });
  afterEach(() => p.closeAll());
  afterAll(() => server.stop());

  test('staff cannot mute or ban the host before the host has chatted, nor another moderator; none of it is logged', async () => {
    const session = await p.newSession('角色边界');
    const hostDevice = await p.device();
    const host = await p.join(session, { role: 'host', device: hostDevice });
    const bureau = await bureauClient(server.url);
    await bureau.post('/staff', { username: 'li.min', displayName: '李敏', password: 'a-long-first-password', role: 'staff' });
    const [adminDevice, staffDevice] = [await p.device(), await p.device()];
    const admin = await p.join(session, { device: adminDevice, cookie: await p.staffCookie() });
    // The other moderator is on the stage but has never sent a chat request.
    await p.join(session, { device: staffDevice, cookie: await p.staffCookie('li.min', 'a-long-first-password') });

    const hostId = await p.authorIdOf(session, hostDevice);
    const staffId = await p.authorIdOf(session, staffDevice);
    expect(await request(admin, 'chat:mute', { authorId: hostId, seconds: 60 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(admin, 'chat:ban', { authorId: hostId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(admin, 'chat:ban', { authorId: staffId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(host, 'chat:mute', { authorId: staffId, seconds: 60 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    // The host still chats and can come back on the same device.
    await requestOk(host, 'chat:send', { text: '欢迎大家', displayName: '主持人' });
    host.close();
    await p.join(session, { role: 'host', device: hostDevice });
    const log = (await bureau.get<{ entries: ModerationEntry[] }>(`/sessions/${session}/moderation`)).body.entries;
    expect(log).toEqual([]);
  });

  test('a ban that names a device does not keep it out when it comes as the host or as signed-in staff', async () => {
    const session = await p.newSession('封禁不挡主持人');
    const host = await p.join(session, { role: 'host' });
    const phone = await p.device();
    await requestOk(host, 'chat:ban', { authorId: await p.authorIdOf(session, phone) });
    const viewer = await p.open({ device: phone });
    expect(await request(viewer, 'stage:join', { sessionId: session, role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'BANNED' } });
    const asStaff = await p.join(session, { device: phone, cookie: await p.staffCookie() });
    await requestOk(asStaff, 'chat:send', { text: '工作人员在此', displayName: '管理员' });
    host.close();
    const asHost = await p.join(session, { role: 'host', device: phone });
    await requestOk(asHost, 'chat:send', { text: '主持人回来了', displayName: '主持人' });
  });

  test('chat, questions and votes without a valid device token are refused with UNAUTHORIZED; watching needs none', async () => {
    const host = await p.join('demo', { role: 'host' });
    const asker = await p.join('demo', { device: await p.device() });
    const { question } = await requestOk(asker, 'question:ask', { text: '有宿舍吗？' });
    const forged = `${(await p.device()).slice(0, -4)}AAAA`;
    for (const opts of [{}, { device: forged }]) {
      const watcher = await p.join('demo', opts);
      expect((await requestOk(watcher, 'chat:history', {})).messages).toBeInstanceOf(Array);
      expect((await requestOk(watcher, 'question:list', {})).questions.length).toBeGreaterThan(0);
      expect(await request(watcher, 'chat:send', { text: '你好', displayName: '路人' })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      expect(await request(watcher, 'question:ask', { text: '工资多少？' })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      expect(await request(watcher, 'question:vote', { questionId: question.id })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    }
    // The host moderates with a stage credential, device token or not.
    await requestOk(host, 'chat:send', { text: '欢迎', displayName: '主持人' });
  });

  test('a banned device family can no longer ask, vote or raise a hand, and a hand it raised comes down', async () => {
    const session = await p.newSession('封禁范围');
    const host = await p.join(session, { role: 'host' });
    const [phone, other] = [await p.device(), await p.device()];
    const viewer = await p.join(session, { device: phone });
    const { question } = await requestOk(await p.join(session, { device: other }), 'question:ask', { text: '包吃住吗？' });
    const raised = nextEvent<{ hands: unknown[] }>(host, 'stage:hands');
    await requestOk(viewer, 'hand:raise', { raised: true });
    expect((await raised).hands).toHaveLength(1);
    const lowered = nextEvent<{ hands: unknown[] }>(host, 'stage:hands');
    await requestOk(host, 'chat:ban', { authorId: await p.authorIdOf(session, phone) });
    // The host's list of hands forgets the banned viewer at once.
    expect((await lowered).hands).toEqual([]);
    expect(await request(viewer, 'question:ask', { text: '还在吗' })).toMatchObject({ ok: false, error: { code: 'BANNED' } });
    expect(await request(viewer, 'question:vote', { questionId: question.id })).toMatchObject({ ok: false, error: { code: 'BANNED' } });
    expect(await request(viewer, 'hand:raise', { raised: true })).toMatchObject({ ok: false, error: { code: 'BANNED' } });
  });

  test('a banned phone cannot come back without its device token to raise a hand: watching stays open, the hand needs a token, and the banned family still cannot join', async () => {
    const session = await p.newSession('封禁后无令牌');
    const host = await p.join(session, { role: 'host' });
    const phone = await p.device();
    await p.join(session, { device: phone });
    await requestOk(host, 'chat:ban', { authorId: await p.authorIdOf(session, phone) });
    // With its token the banned family is kept out.
    expect(await request(await p.open({ device: phone }), 'stage:join', { sessionId: session, role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'BANNED' } });
    // Without any token (or a forged one) it may watch, but raising a hand asks for a device token.
    const forged = `${phone.slice(0, -4)}AAAA`;
    for (const opts of [{}, { device: forged }]) {
      const anonymous = await p.join(session, opts);
      expect(await request(anonymous, 'hand:raise', { raised: true })).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      // Lowering needs nothing: a hand that is not up stays down.
      await requestOk(anonymous, 'hand:raise', { raised: false });
    }
    // The host sees no hand, so there is nobody to bring on stage.
    expect((await server.directory.get(session as never))!.roster.hands()).toEqual([]);
    // A phone with a valid token of its own raises a hand as before.
    const other = await p.join(session, { device: await p.device() });
    await requestOk(other, 'hand:raise', { raised: true });
    expect((await server.directory.get(session as never))!.roster.hands()).toHaveLength(1);
  });

  test('device tokens per /24 are limited — a script minting them is refused, another block is not — and a re-issued token of a banned family is still banned', async () => {
    const started = Date.now();
    let issued = 0;
    let refused: Awaited<ReturnType<typeof mintFrom>> | undefined;
    for (let i = 0; i < 400; i += 20) {
      const replies = await Promise.all(Array.from({ length: 20 }, (_, j) => mintFrom(server.url, `127.0.5.${2 + ((i + j) % 200)}`)));
      issued += replies.filter((r) => r.status === 201).length;
      refused ??= replies.find((r) => r.status !== 201);
    }
    console.log(`[measure] device tokens from one /24 in ${Date.now() - started} ms: ${issued} of 400 issued (60 a minute + a burst of 120)`);
    expect(issued).toBe(180);
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED' } } });
    expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
    expect((await mintFrom(server.url, '127.0.6.1')).status).toBe(201);

    const session = await p.newSession('同一设备族');
    const host = await p.join(session, { role: 'host' });
    const first = await mintFrom(server.url, '127.0.7.1');
    await p.join(session, { device: first.body.token! });
    await requestOk(host, 'chat:ban', { authorId: await p.authorIdOf(session, first.body.token!) });
    const renewed = await mintFrom(server.url, '127.0.7.1', first.body.token);
    expect(renewed.status).toBe(201);
    expect(renewed.body.token).not.toBe(first.body.token);
    expect(renewed.body.deviceId).not.toBe(first.body.deviceId);
    const again = await p.open({ device: renewed.body.token! });
    expect(await request(again, 'stage:join', { sessionId: session, role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'BANNED' } });
    // A fresh family is a new device: not banned (and what the issuance limit is for).
    await p.join(session, { device: (await mintFrom(server.url, '127.0.7.1')).body.token! });
  });

  test('the moderation log lists every action with who, what, target and when; only the bureau may read it', async () => {
    const session = await p.newSession('操作记录');
    const from = new Date().toISOString();
    const host = await p.join(session, { role: 'host', displayName: '王局长' });
    const staff = await p.join(session, { device: await p.device(), cookie: await p.staffCookie() });
    const phone = await p.device();
    const viewer = await p.join(session, { device: phone });
    const { message: plain } = await requestOk(viewer, 'chat:send', { text: '请问在哪面试', displayName: '小刘' });
    const { message: held } = await requestOk(viewer, 'chat:send', { text: '加我微信 abc12345 细聊', displayName: '小刘' });
    expect(held.status).toBe('held');
    await requestOk(host, 'chat:delete', { messageId: plain.id });
    await requestOk(host, 'chat:approve', { messageId: held.id });
    await requestOk(host, 'chat:mute', { authorId: plain.authorId, seconds: 60 });
    await requestOk(staff, 'chat:slowMode', { seconds: 30 });
    await requestOk(staff, 'chat:ban', { authorId: plain.authorId });
    const to = new Date().toISOString();

    const reply = await (await bureauClient(server.url)).get<{ entries: ModerationEntry[] }>(`/sessions/${session}/moderation`);
    expect(reply.status).toBe(200);
    const hostBy = { role: 'host', name: '王局长' };
    const adminBy = { role: 'admin', name: '管理员' };
    expect(reply.body.entries.map(({ action, by, target, messageId, seconds }) => ({ action, by, target, messageId, seconds }))).toEqual([
      { action: 'delete', by: hostBy, target: plain.authorId, messageId: plain.id, seconds: null },
      { action: 'approve', by: hostBy, target: plain.authorId, messageId: held.id, seconds: null },
      { action: 'mute', by: hostBy, target: plain.authorId, messageId: null, seconds: 60 },
      { action: 'slow-mode', by: adminBy, target: null, messageId: null, seconds: 30 },
      { action: 'ban', by: adminBy, target: plain.authorId, messageId: null, seconds: null },
    ]);
    for (const e of reply.body.entries) {
      expect(e.sessionId).toBe(session);
      expect(e.at >= from && e.at <= to).toBe(true);
    }
    // The target is the chat author id only: never the device id or the token behind it.
    const deviceId = JSON.parse(Buffer.from(phone.split('.')[1]!, 'base64url').toString()) as { sub: string; fam: string };
    const text = JSON.stringify(reply.body);
    for (const secret of [phone, deviceId.sub, deviceId.fam]) expect(text).not.toContain(secret);

    const employers = (await (await bureauClient(server.url)).get<{ employers: Array<{ id: string }> }>('/employers')).body.employers;
    const invite = await (await bureauClient(server.url)).post<{ token: string }>(`/employers/${employers[0]!.id}/invite`);
    expect((await apiClient(server.url, invite.body.token).get(`/sessions/${session}/moderation`)).status).toBe(403);
    expect((await apiClient(server.url).get(`/sessions/${session}/moderation`)).status).toBe(401);
    expect((await (await bureauClient(server.url)).get('/sessions/no-such-session/moderation')).status).toBe(404);
  });
});
