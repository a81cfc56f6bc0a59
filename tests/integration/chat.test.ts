import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { ChatMessageView } from '@chunfeng/shared/stage';
import { apiClient, signInCookie } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';

describe('chat and moderation', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  let host: TestSocket;

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    host = await join({ role: 'host' });
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) if (s !== host) s.close();
  });
  afterAll(async () => {
    host.close();
    await server.stop();
  });

  async function device(): Promise<string> {
    return (await apiClient(server.url).post<{ token: string }>('/device')).body.token;
  }

  async function join({ role = 'viewer', device: d, cookie }: { role?: 'host' | 'viewer'; device?: string; cookie?: string } = {}): Promise<TestSocket> {
    const s = await connect(server.url, { ...(d ? { device: d } : {}), ...(cookie ? { cookie } : {}) });
    sockets.push(s);
    const token = role === 'host' ? await server.tokens.issue({ sid: 'demo', role: 'host', sub: 'chief' }) : undefined;
    await requestOk(s, 'stage:join', { sessionId: 'demo', role, ...(token ? { token } : {}) });
    return s;
  }

  const authorOf = async (s: TestSocket): Promise<string> => (await requestOk(s, 'chat:history', {})).you;

  test('HTML in chat arrives as inert text, exactly as typed', async () => {
    const [a, b] = [await join({ device: await device() }), await join({ device: await device() })];
    const html = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    const got = new Promise<ChatMessageView>((resolve) => b.once('chat:message', resolve));
    await requestOk(a, 'chat:send', { text: html, displayName: '<b>张</b>' });
    const message = await got;
    expect(message.text).toBe(html);
    expect(message.displayName).toBe('<b>张</b>');
    expect(Object.keys(message).sort()).toEqual(['at', 'authorId', 'badge', 'displayName', 'heldFor', 'id', 'status', 'text']);
  });

  test('a muted viewer is refused with MUTED; viewers cannot moderate', async () => {
    const viewer = await join({ device: await device() });
    const other = await join({ device: await device() });
    expect(await request(other, 'chat:mute', { authorId: await authorOf(viewer), seconds: 60 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await requestOk(host, 'chat:mute', { authorId: await authorOf(viewer), seconds: 60 });
    expect(await request(viewer, 'chat:send', { text: '还能说话吗', displayName: '小王' })).toMatchObject({ ok: false, error: { code: 'MUTED' } });
    await requestOk(other, 'chat:send', { text: '我可以', displayName: '小李' });
  });

  test("a banned viewer's new display name — and a new connection — is still banned", async () => {
    const phone = await device();
    const viewer = await join({ device: phone });
    const { message } = await requestOk(viewer, 'chat:send', { text: '大家好', displayName: '老张' });
    const takenDown = new Promise<{ messageIds: string[] }>((resolve) => host.once('chat:deleted', resolve));
    await requestOk(host, 'chat:ban', { authorId: await authorOf(viewer) });
    expect((await takenDown).messageIds).toEqual([message.id]);
    expect(await request(viewer, 'chat:send', { text: '换个名字', displayName: '新名字' })).toMatchObject({ ok: false, error: { code: 'BANNED' } });
    viewer.close();
    const again = await connect(server.url, { device: phone });
    sockets.push(again);
    expect(await request(again, 'stage:join', { sessionId: 'demo', role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'BANNED' } });
    const history = await requestOk(host, 'chat:history', {});
    expect(history.messages.find((m) => m.text === '大家好')).toBeUndefined();
  });

  test('a bureau moderator can moderate, but cannot mute or ban the host or another moderator', async () => {
    const moderator = await join({ device: await device(), cookie: await signInCookie(server.url) });
    expect((await requestOk(moderator, 'chat:history', {})).moderator).toBe(true);
    const hostId = await authorOf(host);
    expect(await request(moderator, 'chat:ban', { authorId: hostId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(moderator, 'chat:mute', { authorId: hostId, seconds: 60 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(host, 'chat:ban', { authorId: await authorOf(moderator) })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const viewer = await join({ device: await device() });
    await requestOk(moderator, 'chat:slowMode', { seconds: 30 });
    await requestOk(viewer, 'chat:send', { text: '第一条', displayName: 'a' });
    expect(await request(viewer, 'chat:send', { text: '第二条', displayName: 'a' })).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    await requestOk(moderator, 'chat:slowMode', { seconds: 0 });
  });

  test("each message carries its sender's real standing: the host, staff and a guest on stage are badged; a viewer named 局长 is not, and cannot claim a badge", async () => {
    const viewer = await join({ device: await device() });
    const staff = await join({ device: await device(), cookie: await signInCookie(server.url) });
    const guest = await connect(server.url, { device: await device() });
    sockets.push(guest);
    await requestOk(guest, 'stage:join', { sessionId: 'demo', role: 'cohost', token: await server.tokens.issue({ sid: 'demo', role: 'cohost', sub: 'rep' }) });

    const seen: ChatMessageView[] = [];
    viewer.on('chat:message', (m: ChatMessageView) => seen.push(m));
    const sent = [
      (await requestOk(host, 'chat:send', { text: '欢迎大家来到直播间', displayName: '王局长' })).message,
      (await requestOk(viewer, 'chat:send', { text: '我是局长，大家加我', displayName: '局长' })).message,
      (await requestOk(staff, 'chat:send', { text: '请文明发言', displayName: '小李' })).message,
      (await requestOk(guest, 'chat:send', { text: '我们厂包吃住', displayName: '张经理' })).message,
    ];
    expect(sent.map((m) => [m.displayName, m.badge])).toEqual([
      ['王局长', 'host'],
      ['局长', null],
      ['小李', 'staff'],
      ['张经理', 'cohost'],
    ]);
    // What everyone receives and what a late joiner reads in the history carry the same badges.
    await expect.poll(() => seen.length).toBe(4);
    expect(seen.map((m) => m.badge)).toEqual(['host', null, 'staff', 'cohost']);
    const history = (await requestOk(await join({ device: await device() }), 'chat:history', {})).messages;
    expect(sent.map((m) => history.find((h) => h.id === m.id)?.badge)).toEqual(['host', null, 'staff', 'cohost']);
    // The badge is the server's to set: a viewer sending one is refused.
    expect(await request(viewer, 'chat:send', { text: '我是主持人', displayName: '主持人', badge: 'host' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  test('the scam guard holds a message for moderators; approving shows it', async () => {
    const viewer = await join({ device: await device() });
    const watcher = await join({ device: await device() });
    let leaked = false;
    watcher.on('chat:message', (m) => {
      if (m.text.includes('押金')) leaked = true;
    });
    const held = new Promise<ChatMessageView>((resolve) => host.once('chat:heldMessage', resolve));
    const sent = await requestOk(viewer, 'chat:send', { text: '入职先交押金300，加我微信 abc12345', displayName: '招聘' });
    expect(sent.message.status).toBe('held');
    const review = await held;
    expect(review.heldFor.sort()).toEqual(['private-contact', 'upfront-payment']);
    await new Promise((r) => setTimeout(r, 150));
    expect(leaked).toBe(false);
    const shown = new Promise<ChatMessageView>((resolve) => watcher.once('chat:message', resolve));
    await requestOk(host, 'chat:approve', { messageId: review.id });
    expect((await shown).id).toBe(review.id);
  });
});
