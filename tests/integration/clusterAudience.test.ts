import { stageLeaseKey } from '../../server/src/cluster/stageLease';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import type { StageJoinResult } from '@chunfeng/shared/stage';
import { apiClient, signInCookie } from '../harness/api';
import { startCluster, type ClusterNode, type TestCluster } from '../harness/cluster';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';
import { waitFor } from '../harness/waitFor';
import { io } from 'socket.io-client';

const LEASE_MS = 2000;
const SESSION = 'demo';

interface Viewer {
  socket: TestSocket;
  joined: StageJoinResult;
  device: string;
  /** The pin sequence numbers this socket was sent, in order. */
  seqs: number[];
  chat: string[];
  captions: string[];
  answered: string[];
}

/**
 * Three real nodes on one Redis behind nginx, one live session: the stage is on one node, its viewers
 * on all of them. A viewer connected to a node that does not hold the stage has its place on the
 * owner (asked for over the nodes' mail), hears every broadcast through socket.io's adapter, and has
 * what it does on the stage carried out by the owner.
 */
describe('cluster: one audience over every node', () => {
  let cluster: TestCluster;
  let redis: Redis;
  let cookie: string;
  let hostToken: string;
  let vacancies: Vacancy[];
  let lineup: string[];
  let host: TestSocket | undefined;
  const sockets: TestSocket[] = [];
  const viewers: Viewer[] = [];

  const node = (id: string): ClusterNode => cluster.nodes.find((n) => n.id === id)!;
  const device = async (): Promise<string> => (await apiClient(node('node-a').url).post<{ token: string }>('/device')).body.token;
  const open = async (url: string, options: { device?: string; cookie?: string } = {}): Promise<TestSocket> => {
    const s = await connect(url, options);
    sockets.push(s);
    return s;
  };
  /** A socket through nginx to the named node (nginx's backups take over when it is down). */
  const throughNginx = async (nodeId: string, auth: { device: string }): Promise<TestSocket> => {
    const s: TestSocket = io(cluster.url, { transports: ['websocket'], reconnection: false, forceNew: true, query: { node: nodeId }, auth });
    sockets.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });
    return s;
  };
  const watch = (socket: TestSocket, joined: StageJoinResult, dev: string): Viewer => {
    const v: Viewer = { socket, joined, device: dev, seqs: [], chat: [], captions: [], answered: [] };
    socket.on('vacancy:pinned', ({ seq }) => v.seqs.push(seq));
    socket.on('vacancy:unpinned', ({ seq }) => v.seqs.push(seq));
    socket.on('chat:message', ({ text }) => v.chat.push(text));
    socket.on('caption', ({ text }) => v.captions.push(text));
    socket.on('question:changed', ({ question, change }) => {
      if (change === 'answered') v.answered.push(question.id);
    });
    viewers.push(v);
    return v;
  };
  const viewerOn = async (n: ClusterNode, dev?: string): Promise<Viewer> => {
    const token = dev ?? (await device());
    const socket = await open(n.url, { device: token });
    const joined = await requestOk(socket, 'stage:join', { sessionId: SESSION, role: 'viewer' });
    return watch(socket, joined, token);
  };
  const goLive = async (n: ClusterNode): Promise<TestSocket> => {
    host = await open(n.url);
    await requestOk(host, 'stage:join', { sessionId: SESSION, role: 'host', token: hostToken });
    return host;
  };
  const lease = async (): Promise<{ nodeId: string } | null> => JSON.parse((await redis.get(stageLeaseKey('cf:', SESSION))) ?? 'null') as { nodeId: string } | null;

  beforeAll(async () => {
    cluster = await startCluster({ size: 3, env: { STAGE_LEASE_MS: String(LEASE_MS), STAGE_GRACE_MS: '3000', DEVICE_TOKENS_PER_MINUTE: '1000', DEVICE_TOKEN_BURST: '1000' } });
    redis = new Redis(cluster.redis.url);
    cookie = await signInCookie(node('node-a').url);
    const bureau = apiClient(node('node-a').url, undefined, { cookie });
    hostToken = (await bureau.post<{ token: string }>(`/sessions/${SESSION}/host-link`)).body.token;
    vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    lineup = (await apiClient(node('node-a').url).get<{ vacancies: Array<{ id: string }> }>(`/public/sessions/${SESSION}`)).body.vacancies.map((v) => v.id);
    expect(lineup.length).toBeGreaterThanOrEqual(2);
  });
  afterEach(async () => {
    // Every viewer leaves its place (so the next test's counts start from nobody); the stage stays.
    const connected = viewers.splice(0).filter((v) => v.socket.connected);
    await Promise.all(connected.map((v) => request(v.socket, 'stage:leave', {}, 5000).catch(() => undefined)));
    for (const s of sockets.splice(0)) if (s !== host) s.close();
  });
  afterAll(async () => {
    host?.close();
    redis?.disconnect();
    await cluster?.stop();
  });

  test('viewers on A, B and C get every one of 10 pins in order with its seq, chat sent through C, a caption, and an employer\'s answer', async () => {
    const h = await goLive(node('node-a'));
    expect(await lease()).toMatchObject({ nodeId: 'node-a' });
    const [va, vb, vc] = await Promise.all(['node-a', 'node-b', 'node-c'].map((id) => viewerOn(node(id))));
    // Through B and C the join reply is the owner's: the HLS reply, with the owner's roster.
    expect(vb!.joined).toMatchObject({ role: 'viewer', mode: 'hls', interactive: true });
    expect(vc!.joined.roster.onStage.map((p) => p.role)).toEqual(['host']);
    // WebRTC through B: the seat is taken on the owner, the media is on B's relay of the stage
    // (receive only), and switching back gives both up.
    expect(await requestOk(vb!.socket, 'stage:watch', { mode: 'webrtc' })).toMatchObject({ mode: 'webrtc', producers: [] });
    expect(await requestOk(vb!.socket, 'transport:create', { direction: 'recv' })).toHaveProperty('iceCandidates');
    // Sending is on the owner's node (a viewer brought on stage connects there).
    expect(await request(vb!.socket, 'transport:create', { direction: 'send' })).toMatchObject({ ok: false, error: { code: 'STAGE_ELSEWHERE', node: 'node-a' } });
    expect(await requestOk(vb!.socket, 'stage:watch', { mode: 'hls' })).toEqual({ mode: 'hls', interactive: true });
    const seqs: number[] = [];
    for (let i = 0; i < 10; i += 1) seqs.push((await requestOk(h, 'vacancy:pin', { vacancyId: lineup[i % lineup.length] })).seq);
    for (const v of [va!, vb!, vc!]) await waitFor('every pin', () => v.seqs.length >= 10 || undefined, 10_000, 20);
    for (const v of [va!, vb!, vc!]) expect(v.seqs).toEqual(seqs);

    const text = `hello from C ${Date.now()}`;
    await requestOk(vc!.socket, 'chat:send', { text, displayName: '小王' });
    for (const v of [va!, vb!]) await waitFor('the chat line from C', () => v.chat.includes(text) || undefined, 5000, 20);
    // And the owner's history has it, read through B.
    expect((await requestOk(vb!.socket, 'chat:history', {})).messages.map((m) => m.text)).toContain(text);

    const invite = await requestOk(h, 'stage:invite', { role: 'captioner' });
    const captioner = await open(node('node-a').url);
    await requestOk(captioner, 'stage:join', { sessionId: SESSION, role: 'captioner', token: invite.token });
    await requestOk(captioner, 'caption:send', { text: '欢迎大家' });
    for (const v of [va!, vb!, vc!]) await waitFor('the caption', () => v.captions.includes('欢迎大家') || undefined, 5000, 20);
    expect((await requestOk(vc!.socket, 'caption:history', {})).captions.map((c) => c.text)).toContain('欢迎大家');
    // A card shown to a viewer through C counts in the session's funnel the host reads on A.
    await requestOk(vc!.socket, 'card:event', { vacancyId: lineup[0], step: 'shown' });
    expect((await requestOk(h, 'funnel:get', {})).funnel.find((f) => f.vacancyId === lineup[0])).toMatchObject({ shown: 1 });

    // A question about the pinned vacancy, asked through B, answered by its employer's console.
    const pinned = lineup[9 % lineup.length]!;
    const asked = (await requestOk(vb!.socket, 'question:ask', { text: '包住宿吗？' })).question;
    const employerId = vacancies.find((v) => v.id === pinned)!.employerId;
    const link = (await apiClient(node('node-a').url, undefined, { cookie }).post<{ token: string }>(`/employers/${employerId}/invite`)).body.token;
    // Its console is on C, not the owner: the answer is given on the owner's board.
    const employer = await open(node('node-c').url);
    await requestOk(employer, 'console:subscribe', { token: link });
    await requestOk(employer, 'question:answer', { questionId: asked.id, text: '包住宿', onStage: false });
    for (const v of [va!, vb!, vc!]) await waitFor('the answer', () => v.answered.includes(asked.id) || undefined, 5000, 20);
    // A vote after it (through C, carried out on A) never writes over the answer.
    await requestOk(vc!.socket, 'question:vote', { questionId: asked.id });
    expect((await requestOk(h, 'question:list', {})).questions.find((q) => q.id === asked.id)).toMatchObject({ votes: 1, answer: { text: '包住宿' } });
  });

  test('a question asked through B is on the owner\'s list; a vote through C counts once however often it is sent', async () => {
    const h = host ?? (await goLive(node('node-a')));
    const vb = await viewerOn(node('node-b'));
    const vc = await viewerOn(node('node-c'));
    const asked = (await requestOk(vb.socket, 'question:ask', { text: `工资怎么算 ${Date.now()}` })).question;
    expect(asked.mine).toBe(true);
    const listed = (await requestOk(h, 'question:list', {})).questions.find((q) => q.id === asked.id);
    expect(listed).toMatchObject({ text: asked.text, votes: 0 });
    expect((await requestOk(vc.socket, 'question:vote', { questionId: asked.id })).question).toMatchObject({ votes: 1, youVoted: true });
    await requestOk(vc.socket, 'question:vote', { questionId: asked.id });
    expect((await requestOk(h, 'question:list', {})).questions.find((q) => q.id === asked.id)).toMatchObject({ votes: 1 });
    // The asker's own vote is refused by the owner, as on one node.
    expect(await request(vb.socket, 'question:vote', { questionId: asked.id })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  test('a ban issued by the host on A stops the banned phone chatting through C and refuses its rejoin through B', async () => {
    const h = host ?? (await goLive(node('node-a')));
    const vc = await viewerOn(node('node-c'));
    const seen: Array<{ authorId: string; text: string }> = [];
    h.on('chat:message', (m) => seen.push(m));
    await requestOk(vc.socket, 'chat:send', { text: '加我微信', displayName: '骗子' });
    const history = await requestOk(vc.socket, 'chat:history', {});
    await requestOk(h, 'chat:ban', { authorId: history.you });
    expect(await request(vc.socket, 'chat:send', { text: 'again', displayName: '骗子' })).toMatchObject({ ok: false, error: { code: 'BANNED' } });
    expect(await request(vc.socket, 'hand:raise', { raised: true })).toMatchObject({ ok: false, error: { code: 'BANNED' } });
    const again = await open(node('node-b').url, { device: vc.device });
    expect(await request(again, 'stage:join', { sessionId: SESSION, role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'BANNED' } });
    // Another phone through B is not affected.
    const other = await viewerOn(node('node-b'));
    await requestOk(other.socket, 'chat:send', { text: 'fine', displayName: '小李' });
    // Bureau staff watching through C moderate at the owner: their mute holds on the phone through B.
    const staff = await open(node('node-c').url, { device: await device(), cookie });
    watch(staff, await requestOk(staff, 'stage:join', { sessionId: SESSION, role: 'viewer' }), '');
    const target = (await requestOk(other.socket, 'chat:history', {})).you;
    expect((await requestOk(staff, 'chat:history', {})).moderator).toBe(true);
    await requestOk(staff, 'chat:mute', { authorId: target, seconds: 60 });
    expect(await request(other.socket, 'chat:send', { text: 'muted?', displayName: '小李' })).toMatchObject({ ok: false, error: { code: 'MUTED' } });
    // A plain viewer through C may not.
    expect(await request(other.socket, 'chat:mute', { authorId: history.you, seconds: 60 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  test('the host\'s roster counts the viewers of every node once', async () => {
    const h = host ?? (await goLive(node('node-a')));
    const counts: number[] = [];
    h.on('stage:roster', (view) => counts.push(view.viewerCount));
    for (const [id, n] of [['node-a', 2], ['node-b', 3], ['node-c', 4]] as const) {
      await Promise.all(Array.from({ length: n }, () => viewerOn(node(id))));
    }
    await waitFor('the roster counting every node', () => counts.at(-1) === 9 || undefined, 15_000, 50);
    // Past several rounds of the per-node audience counts: never counted twice.
    await new Promise((r) => setTimeout(r, LEASE_MS * 2));
    expect(counts.at(-1)).toBe(9);
    expect(Math.max(...counts)).toBe(9);
    // A join's reply carries the owner's count with the new place in it.
    expect((await viewerOn(node('node-b'))).joined.roster.viewerCount).toBe(10);
    expect((await viewerOn(node('node-c'))).joined.roster.viewerCount).toBe(11);
  });

  test('kill -9 of a node that only serves viewers: they are back through nginx on another node within 5 s, with the current pin and the chat tail', { timeout: 60_000 }, async () => {
    const h = host ?? (await goLive(node('node-a')));
    const c = node('node-c');
    const phones = await Promise.all(Array.from({ length: 4 }, () => device()));
    const onC = await Promise.all(phones.map(async (dev) => {
      const socket = await throughNginx('node-c', { device: dev });
      return watch(socket, await requestOk(socket, 'stage:join', { sessionId: SESSION, role: 'viewer' }), dev);
    }));
    const tail = `tail ${Date.now()}`;
    await requestOk(h, 'chat:send', { text: tail, displayName: '局长' });
    const counts: number[] = [];
    h.on('stage:roster', (view) => counts.push(view.viewerCount));
    const killed = Date.now();
    await c.process.kill('SIGKILL');
    try {
      // Made while they are away: they must have it when they are back.
      const pin = (await requestOk(h, 'vacancy:pin', { vacancyId: lineup[0] })).seq;
      const back = await Promise.all(onC.map(async (v) => {
        if (v.socket.connected) await new Promise((r) => v.socket.once('disconnect', r));
        const { peerId, resumeKey } = v.joined;
        for (;;) {
          try {
            const socket = await throughNginx('node-c', { device: v.device });
            const joined = await requestOk(socket, 'stage:join', { sessionId: SESSION, role: 'viewer', resume: { peerId, key: resumeKey } });
            const history = await requestOk(socket, 'chat:history', {});
            return { joined, history, ms: Date.now() - killed };
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }));
      const slowest = Math.max(...back.map((b) => b.ms));
      console.log(`[measure] kill -9 of a viewer-only node: its 4 viewers back through nginx with the current pin and chat tail after ${slowest} ms at most`);
      expect(slowest).toBeLessThan(5000);
      for (const b of back) {
        expect(b.joined.pins.seq).toBe(pin);
        expect(b.history.messages.map((m) => m.text)).toContain(tail);
      }
      // Their old places are taken back or let go: each phone counted once.
      await waitFor('the roster back to 4', () => counts.at(-1) === 4 || undefined, LEASE_MS * 3 + 6000, 50);
    } finally {
      await cluster.restartNode(c, 'SIGKILL');
    }
  });

  test('kill -9 of the owner: viewers on the other nodes are told, and once the host retakes the stage through another node they are live on it again', { timeout: 90_000 }, async () => {
    const a = node('node-a');
    if (!host) await goLive(a);
    const vb = await viewerOn(node('node-b'));
    const vc = await viewerOn(node('node-c'));
    const ended = (v: Viewer): Promise<string> => new Promise((resolve) => v.socket.once('stage:ended', ({ reason }) => resolve(reason)));
    const told = Promise.all([ended(vb), ended(vc)]);
    const opened = (v: Viewer): Promise<void> => new Promise((resolve) => v.socket.once('stage:opened', () => resolve()));
    host?.close();
    host = undefined;
    const killed = Date.now();
    await a.process.kill('SIGKILL');
    try {
      // As when a host leaves: the page waits in the lobby for the host to be back (useStage).
      expect(await told).toEqual(['host-left', 'host-left']);
      const toldMs = Date.now() - killed;
      // Joining again, they wait in the lobby: nobody holds the stage.
      const lobby = Promise.all([opened(vb), opened(vc)]);
      for (const v of [vb, vc]) expect(await request(v.socket, 'stage:join', { sessionId: SESSION, role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_LIVE' } });
      // The host comes back through B once the dead node's lease has lapsed.
      let h: TestSocket | undefined;
      for (let i = 0; i < 100 && !h; i += 1) {
        const s = await open(node('node-b').url);
        const joined = await request(s, 'stage:join', { sessionId: SESSION, role: 'host', token: hostToken });
        if (joined.ok) h = s;
        else {
          expect(joined.error.code).toBe('STAGE_ELSEWHERE');
          s.close();
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      host = h!;
      expect(await lease()).toMatchObject({ nodeId: 'node-b' });
      await lobby;
      for (const v of [vb, vc]) v.joined = await requestOk(v.socket, 'stage:join', { sessionId: SESSION, role: 'viewer' });
      const { seq } = await requestOk(host, 'vacancy:pin', { vacancyId: lineup[1] });
      for (const v of [vb, vc]) await waitFor('the new owner\'s pin', () => v.seqs.includes(seq) || undefined, 5000, 20);
      await requestOk(vc.socket, 'chat:send', { text: 'back again', displayName: '小王' });
      await waitFor('chat through C on the new owner', () => vb.chat.includes('back again') || undefined, 5000, 20);
      console.log(`[measure] kill -9 of the owner: its viewers on B and C told after ${toldMs} ms, live on the new owner (host back through B) after ${Date.now() - killed} ms (STAGE_LEASE_MS ${LEASE_MS})`);
    } finally {
      await cluster.restartNode(a, 'SIGKILL');
    }
  });

  test('garbage published on a node\'s mail channel never stops it: it still answers its viewers', async () => {
    const h = host ?? (await goLive(node('node-a')));
    for (const n of cluster.nodes) {
      const relay = '00000000-0000-4000-8000-000000000000';
      const ask = (id: string, kind: string, payload: unknown): string => JSON.stringify({ type: 'ask', id, from: 'x', boot: 'y', kind, payload });
      for (const message of [
        'junk',
        ask('1', 'stage.join', { sessionId: [] }),
        ask('2', 'stage.act', {}),
        '['.repeat(50_000),
        // The relays' kinds, wrong and right in shape, for relays and places that do not exist.
        ask('3', 'relay.open', { sessionId: SESSION, relayId: relay, end: { ip: '127.0.0.1', port: 9, srtp: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: 'x' } } }),
        ask('4', 'relay.open', { sessionId: SESSION, relayId: 'not-a-uuid', end: null }),
        ask('5', 'relay.produce', { relayId: relay, producer: { producerId: 'p', peerId: 'q', kind: 'video', source: 'camera', paused: false, rtpParameters: { codecs: 'no' } } }),
        ask('6', 'relay.pause', { relayId: relay, producerId: 'p', paused: true }),
        ask('7', 'relay.closed', { relayId: relay }),
        ask('8', 'stage.seat', { sessionId: SESSION, peerId: 'nobody', connection: 'c', phone: 'p' }),
        ask('9', 'stage.unseat', { sessionId: SESSION, peerId: 'nobody', connection: 'c' }),
      ]) {
        await redis.publish(`cf:cluster:mail:${n.id}`, message);
      }
    }
    const v = await viewerOn(node('node-c'));
    await requestOk(v.socket, 'chat:send', { text: 'still here', displayName: '小张' });
    expect((await requestOk(h, 'chat:history', {})).messages.map((m) => m.text)).toContain('still here');
  });

  test('the host ending the session: viewers on every node are told, and their nodes forget their places', async () => {
    const h = host ?? (await goLive(node('node-b')));
    const [vb, vc] = await Promise.all([viewerOn(node('node-a')), viewerOn(node('node-c'))]);
    const ended = Promise.all([vb, vc].map((v) => new Promise<string>((resolve) => v.socket.once('stage:ended', ({ reason }) => resolve(reason)))));
    await requestOk(h, 'stage:end', {});
    expect(await ended).toEqual(['ended-by-host', 'ended-by-host']);
    for (const v of [vb, vc]) {
      // The owner tells their nodes as it closes: a request right after finds no place to act for.
      let code: string | undefined;
      for (let i = 0; i < 50 && code !== 'NOT_JOINED'; i += 1) {
        const r = await request(v.socket, 'chat:send', { text: 'late', displayName: '小王' });
        code = r.ok ? 'ok' : r.error.code;
        if (code !== 'NOT_JOINED') await new Promise((r2) => setTimeout(r2, 100));
      }
      expect(code).toBe('NOT_JOINED');
      expect(await request(v.socket, 'stage:join', { sessionId: SESSION, role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'SESSION_ENDED' } });
    }
  });
});
