import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { SessionFootprint } from '../../server/src/domain/sessionMemory';
import { apiClient, applyBody } from '../harness/api';
import { startRedis, type TestRedis } from '../harness/redis';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';
import { deviceToken } from '../harness/stage';
import { waitFor } from '../harness/waitFor';

/** Bounded parts that an ended session's public document, read after its end, fills again. */
const FILLED_BY_A_PUBLIC_READ = new Set(['publicDocuments', 'pinBoards', 'pinsNow']);

/**
 * What is left once every session has ended: nothing, but for each public document of an ended
 * session read since (`readAfterEnd`), that document and the pin board it was built from.
 */
function leftOver(fp: SessionFootprint, { readAfterEnd = 0 }: { readAfterEnd?: number } = {}): string[] {
  const left = Object.entries(fp.released).filter(([, n]) => n !== 0).map(([part, n]) => `${part}=${n}`);
  for (const [part, { held, capacity }] of Object.entries(fp.bounded)) {
    if (held > capacity) left.push(`${part}=${held} over its capacity ${capacity}`);
    else if (held > (FILLED_BY_A_PUBLIC_READ.has(part) ? readAfterEnd : 0)) left.push(`${part}=${held}`);
  }
  return left;
}

/** Polls until the node holds nothing of the sessions that ended (their closing writes settle first). */
async function released(server: TestServer, options: { readAfterEnd?: number } = {}): Promise<void> {
  let last: string[] = [];
  await waitFor('every per-session part let go', () => (last = leftOver(server.sessionFootprint(), options)).length === 0, 15_000, 50).catch(() => {
    throw new Error(`still held: ${last.join(', ')}`);
  });
}

interface Lineup {
  campaignId: string;
  vacancies: string[];
  policy: string;
}

async function demoLineup(server: TestServer): Promise<Lineup> {
  const today = new Date().toISOString().slice(0, 10);
  const campaign = await server.service.createCampaign({ name: 'memory', startsOn: today, endsOn: today, description: '' });
  const vacancies = (await server.store.list('vacancy')).filter((v) => (v.flags ?? []).length === 0).slice(0, 2).map((v) => v.id as string);
  const policy = (await server.store.list('policy'))[0]!.id as string;
  return { campaignId: campaign.id, vacancies, policy };
}

async function createSession(server: TestServer, lineup: Lineup): Promise<string> {
  const id = `mem-${crypto.randomUUID().slice(0, 8)}`;
  await server.service.createSession(
    {
      campaignId: lineup.campaignId as never,
      title: `session ${id}`,
      scheduledAt: new Date().toISOString(),
      lineup: [...lineup.vacancies.map((v) => ({ kind: 'vacancy' as const, id: v as never })), { kind: 'policy' as const, id: lineup.policy as never }],
    },
    id,
  );
  return id;
}

/**
 * A short session with everything a node keeps per session in use: a host pinning a vacancy and a
 * policy, a captioner, HLS viewers and one on WebRTC, card events (the funnel), chat, a hand raised,
 * a question asked, voted and answered, an application over the socket and one over HTTP, the
 * public document read, the funnel read. Returns the open sockets (host first).
 */
async function runSession(server: TestServer, sessionId: string, lineup: Lineup, { viewers = 2, through = server }: { viewers?: number; through?: TestServer } = {}): Promise<TestSocket[]> {
  const sockets: TestSocket[] = [];
  const open = async (url: string, device?: string): Promise<TestSocket> => {
    const s = await connect(url, device ? { device } : {});
    sockets.push(s);
    return s;
  };
  const host = await open(server.url);
  await requestOk(host, 'stage:join', { sessionId, role: 'host', token: await server.tokens.issue({ sid: sessionId, role: 'host', sub: 'chief' }) });
  const [vacancyId] = lineup.vacancies as [string];
  await requestOk(host, 'vacancy:pin', { vacancyId });
  await requestOk(host, 'policy:pin', { policyId: lineup.policy });
  const captioner = await open(server.url);
  await requestOk(captioner, 'stage:join', { sessionId, role: 'captioner', token: await server.tokens.issue({ sid: sessionId, role: 'captioner', sub: 'cap' }) });
  await requestOk(captioner, 'caption:send', { text: '欢迎' });
  const crowd = await Promise.all(
    Array.from({ length: viewers }, async (_, i) => {
      const v = await open(server.url, await deviceToken(server));
      await requestOk(v, 'stage:join', { sessionId, role: 'viewer' });
      if (i === 0) await requestOk(v, 'stage:watch', { mode: 'webrtc' });
      await requestOk(v, 'card:event', { vacancyId, step: 'shown' });
      await requestOk(v, 'card:event', { vacancyId, step: 'opened' });
      await requestOk(v, 'chat:send', { text: `你好 ${i}`, displayName: `观众${i}` });
      await requestOk(v, 'hand:raise', { raised: true });
      return v;
    }),
  );
  const { question } = await requestOk(crowd[0]!, 'question:ask', { text: '包住宿吗？' });
  if (crowd[1]) await requestOk(crowd[1], 'question:vote', { questionId: question.id });
  await requestOk(host, 'question:answer', { questionId: question.id, text: '包住宿' });
  await requestOk(crowd[0]!, 'application:submit', applyBody(vacancyId, { sessionId }));
  // Through the node given (another node of the cluster, with Redis): an application and a public read.
  expect((await apiClient(through.url).post('/applications', applyBody(vacancyId, { sessionId }))).status).toBe(202);
  expect((await apiClient(through.url).get(`/public/sessions/${sessionId}`)).status).toBe(200);
  expect((await requestOk(host, 'funnel:get', {})).funnel.find((f) => f.vacancyId === vacancyId)).toMatchObject({ shown: viewers, opened: viewers, applied: 2 });
  return sockets;
}

async function endSession(sockets: TestSocket[]): Promise<void> {
  const [host] = sockets as [TestSocket];
  await requestOk(host, 'stage:end', {});
}

const ENV = {
  DEMO_DATA: 'true',
  MEDIA_WORKERS: '1',
  STAGE_GRACE_MS: '300',
  // Hundreds of sessions from one address in a few minutes: far past the budgets meant for the public.
  APPLY_LIMIT_PER_BLOCK: '100000',
  SOCKET_CONNECTIONS_PER_MINUTE: '100000',
  STATS_SAMPLE_MS: '60000',
};

describe('a node lets go of a session when it ends there (embedded store)', () => {
  let server: TestServer;
  let lineup: Lineup;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer(ENV);
    lineup = await demoLineup(server);
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('every per-session structure is empty once sessions with viewers, chat, questions, pins, applications and funnel events are ended by their hosts, while everyone stays connected', async () => {
    const before = server.sessionFootprint();
    expect(leftOver(before)).toEqual([]);
    const ids = [await createSession(server, lineup), await createSession(server, lineup)];
    const open = await Promise.all(ids.map((id) => runSession(server, id, lineup, { viewers: 3 })));
    sockets.push(...open.flat());
    const live = server.sessionFootprint();
    // The parts this test means to exercise did hold the sessions while live.
    expect(live.released).toMatchObject({ stages: 2, stageOwnership: 2, stageLeases: 2, funnels: 2, funnelCounts: 2 });
    expect(live.released['socketRooms']).toBeGreaterThan(0);
    expect(live.bounded['pinBoards']!.held).toBe(2);
    expect(live.bounded['questionBoards']!.held).toBe(2);

    await Promise.all(open.map(endSession));
    // Nobody disconnected: the viewers' sockets dropped the closed stage and left its rooms.
    await released(server);
    expect(server.directory.size).toBe(0);
    for (const viewer of open.flatMap((s) => s.slice(2))) {
      expect(await request(viewer, 'chat:send', { text: '还在吗', displayName: '观众' })).toMatchObject({ ok: false, error: { code: 'NOT_JOINED' } });
    }

    // The ended session's public document is still served; it and the board it was built from are kept, bounded.
    const doc = await apiClient(server.url).get<{ session: { status: string } }>(`/public/sessions/${ids[0]}`);
    expect(doc.body.session.status).toBe('ended');
    const after = server.sessionFootprint();
    expect(after.bounded['publicDocuments']!.held).toBe(1);
    expect(after.bounded['pinBoards']!.held).toBe(1);
    expect(leftOver(after, { readAfterEnd: 1 })).toEqual([]);
  });

  test('a stage whose host is gone past the grace period is let go too, the viewers still connected', async () => {
    const id = await createSession(server, lineup);
    const open = await runSession(server, id, lineup);
    sockets.push(...open);
    open[0]!.close();
    await waitFor('the stage closed (host-left)', () => server.directory.get(id as never) === undefined, 10_000);
    await released(server, { readAfterEnd: 1 });
    expect(await server.service.sessionStatus(id)).toBe('scheduled');
    // It can go live again, and is held again while it is.
    const again = await connect(server.url);
    sockets.push(again);
    await requestOk(again, 'stage:join', { sessionId: id, role: 'host', token: await server.tokens.issue({ sid: id, role: 'host', sub: 'chief' }) });
    expect(server.sessionFootprint().released).toMatchObject({ stages: 1, stageLeases: 1 });
    expect((await requestOk(again, 'question:list', {})).questions).toHaveLength(1);
    await requestOk(again, 'stage:end', {});
    await released(server, { readAfterEnd: 1 });
  });

  test('200 short sessions in a row leave the footprint where one left it', async () => {
    const checkpoints: Array<{ after: number; footprint: SessionFootprint }> = [];
    const rounds = 200;
    for (let i = 1; i <= rounds; i += 1) {
      const id = await createSession(server, lineup);
      const open = await runSession(server, id, lineup, { viewers: 1 });
      await endSession(open);
      for (const s of open) s.close();
      if (i === 1 || i === 50 || i === rounds) {
        await released(server, { readAfterEnd: 1 });
        checkpoints.push({ after: i, footprint: server.sessionFootprint() });
      }
    }
    const [first, ...rest] = checkpoints;
    for (const c of rest) expect(c.footprint.released).toEqual(first!.footprint.released);
    // The engine's own rooms (one per socket) are gone with the sockets: nothing per session stays in the adapter.
    await waitFor('every socket gone from the adapter', () => server.io.of('/').adapter.rooms.size === 0, 10_000);
    console.log(`[measure] ${rounds} sessions ended in a row: footprint ${JSON.stringify(checkpoints.at(-1)!.footprint.released)}; heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`);
  }, 600_000);
});

describe('with Redis, a node that served only readers of a session lets go of it when its stage ends on another node', () => {
  let redis: TestRedis;
  let owner: TestServer;
  let reader: TestServer;
  let lineup: Lineup;
  const sockets: TestSocket[] = [];
  const secret = 'session-memory-test-secret-0123456789abcdef';

  beforeAll(async () => {
    redis = await startRedis();
    owner = await startTestServer({ ...ENV, REDIS_URL: redis.url, NODE_ID: 'owner', AUTH_SECRET: secret });
    reader = await startTestServer({ ...ENV, DEMO_DATA: 'false', REDIS_URL: redis.url, NODE_ID: 'reader', AUTH_SECRET: secret });
    lineup = await demoLineup(owner);
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await reader?.stop();
    await owner?.stop();
    await redis?.stop();
  });

  test('applications and public reads through the other node, a viewer waiting in its lobby and one watching through it are let go there once the host ends the session', async () => {
    const id = await createSession(owner, lineup);
    // A page that came before go-live waits in the reader node's lobby.
    const early = await connect(reader.url);
    sockets.push(early);
    expect(await request(early, 'stage:join', { sessionId: id, role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_LIVE' } });
    const open = await runSession(owner, id, lineup, { through: reader });
    sockets.push(...open);
    const held = reader.sessionFootprint();
    expect(held.released['funnels']).toBe(1);
    expect(held.bounded['pinBoards']!.held).toBe(1);
    expect(held.bounded['publicDocuments']!.held).toBe(1);

    // A page opened on the reader after go-live watches through it: its place is on the owner's stage
    // (by mail), its rooms and its relay on the reader; the session ends while it watches.
    const late = await connect(reader.url);
    sockets.push(late);
    expect(await request(late, 'stage:join', { sessionId: id, role: 'viewer' })).toMatchObject({ ok: true, data: { mode: 'hls' } });
    expect(reader.sessionFootprint().released['remoteViewers']).toBe(1);
    expect(reader.sessionFootprint().released['socketRooms']).toBeGreaterThan(0);
    expect(owner.sessionFootprint().released['remotePlaces']).toBe(1);

    await endSession(open);
    await released(owner);
    await released(reader);
    // The reader dropped its copy of the document: the next read says the session ended.
    expect((await apiClient(reader.url).get<{ session: { status: string } }>(`/public/sessions/${id}`)).body.session.status).toBe('ended');
  });

  test('30 sessions in a row through two nodes leave both footprints flat', async () => {
    for (let i = 0; i < 30; i += 1) {
      const id = await createSession(owner, lineup);
      const open = await runSession(owner, id, lineup, { viewers: 1, through: reader });
      await endSession(open);
      for (const s of open) s.close();
    }
    await released(owner);
    // The document of the previous test's session, read after its end, is still kept there (bounded).
    await released(reader, { readAfterEnd: 1 });
    await waitFor('every socket gone from both adapters', () => owner.io.of('/').adapter.rooms.size === 0 && reader.io.of('/').adapter.rooms.size === 0, 10_000);
  }, 300_000);
});
