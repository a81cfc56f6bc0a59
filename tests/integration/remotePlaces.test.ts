import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startRedis, type TestRedis } from '../harness/redis';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';
import { deviceToken } from '../harness/stage';
import { waitFor } from '../harness/waitFor';

const ENV = { DEMO_DATA: 'true', MEDIA_WORKERS: '1', STAGE_GRACE_MS: '300', SOCKET_CONNECTIONS_PER_MINUTE: '100000', DEVICE_TOKENS_PER_MINUTE: '100000', DEVICE_TOKEN_BURST: '100000', CLUSTER_CENSUS_MS: '3000' };
const SESSION = 'demo';

/**
 * The owner of a stage keeps a record of each place it holds for a connection of another node (to let
 * it go when that node dies). A place that is gone (left, or its grace period over) is no longer in
 * that record: viewers joining and leaving through another node for as long as the stage is live
 * do not make the owner's memory grow.
 */
describe('with Redis, the owner forgets the places of another node\'s viewers once they are gone', () => {
  let redis: TestRedis;
  let owner: TestServer;
  let relay: TestServer;
  let host: TestSocket;
  const sockets: TestSocket[] = [];
  const secret = 'remote-places-test-secret-0123456789abcdef';
  const remotePlaces = (): number => owner.sessionFootprint().released['remotePlaces'] ?? -1;

  beforeAll(async () => {
    redis = await startRedis();
    owner = await startTestServer({ ...ENV, REDIS_URL: redis.url, NODE_ID: 'owner', AUTH_SECRET: secret });
    relay = await startTestServer({ ...ENV, DEMO_DATA: 'false', REDIS_URL: redis.url, NODE_ID: 'relay', AUTH_SECRET: secret });
    host = await connect(owner.url);
    await requestOk(host, 'stage:join', { sessionId: SESSION, role: 'host', token: await owner.tokens.issue({ sid: SESSION, role: 'host', sub: 'chief' }) });
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    host?.close();
    await relay?.stop();
    await owner?.stop();
    await redis?.stop();
  });

  test('20 viewers through the relay that leave, and 20 that drop and never come back, leave no record on the owner while the stage stays live', async () => {
    const token = await deviceToken(relay);
    for (let i = 0; i < 20; i += 1) {
      const v = await connect(relay.url, { device: token });
      sockets.push(v);
      await requestOk(v, 'stage:join', { sessionId: SESSION, role: 'viewer' });
      expect(remotePlaces()).toBe(1);
      await requestOk(v, 'stage:leave', {});
    }
    for (let i = 0; i < 20; i += 1) {
      const v = await connect(relay.url, { device: token });
      await requestOk(v, 'stage:join', { sessionId: SESSION, role: 'viewer' });
      v.close();
    }
    // Every place is gone on the owner (left, or its grace period over): the roster has the host alone.
    const probe = await connect(owner.url);
    sockets.push(probe);
    let seen = await requestOk(probe, 'stage:join', { sessionId: SESSION, role: 'viewer' });
    for (const deadline = Date.now() + 10_000; seen.roster.viewerCount > 1 && Date.now() < deadline; ) {
      await requestOk(probe, 'stage:leave', {});
      await new Promise((resolve) => setTimeout(resolve, 200));
      seen = await requestOk(probe, 'stage:join', { sessionId: SESSION, role: 'viewer' });
    }
    await requestOk(probe, 'stage:leave', {});
    expect(seen.roster.viewerCount).toBe(1);
    expect(seen.roster.onStage.map((p) => p.role)).toEqual(['host']);
    console.log(`[measure] owner's record of other nodes' places after 40 joins through the relay, all gone: ${remotePlaces()}`);
    await waitFor('the owner\'s record of them emptied', () => remotePlaces() === 0 || undefined, 5000, 50).catch(() => undefined);
    expect(remotePlaces()).toBe(0);
    // The stage is still live: one more viewer through the relay is one record.
    const last = await connect(relay.url, { device: token });
    sockets.push(last);
    await requestOk(last, 'stage:join', { sessionId: SESSION, role: 'viewer' });
    expect(remotePlaces()).toBe(1);
    expect(await request(last, 'stage:leave', {})).toMatchObject({ ok: true });
    expect(remotePlaces()).toBe(0);
    // 41 joins through the relay from one phone are one unique viewer of the session (counted by the
    // node they reached, in the shared store, beside each join); the probe on the owner had no device
    // token: not counted.
    await expect.poll(async () => (await owner.store.uniqueViewers([SESSION])).together).toBe(1);
  }, 120_000);

  test('a socket firing 40 actions at once through the relay has 4 waiting at the owner and the rest refused RATE_LIMITED; another viewer on the relay is answered meanwhile', async () => {
    const flooder = await connect(relay.url, { device: await deviceToken(relay) });
    const bystander = await connect(relay.url, { device: await deviceToken(relay) });
    sockets.push(flooder, bystander);
    await requestOk(flooder, 'stage:join', { sessionId: SESSION, role: 'viewer' });
    await requestOk(bystander, 'stage:join', { sessionId: SESSION, role: 'viewer' });
    const answers = await Promise.all(Array.from({ length: 40 }, () => request(flooder, 'chat:history', {})));
    const codes = answers.map((a) => (a.ok ? 'ok' : a.error.code));
    expect(codes.filter((c) => c === 'ok').length).toBeGreaterThanOrEqual(4);
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThan(0);
    expect(codes.filter((c) => c !== 'ok' && c !== 'RATE_LIMITED')).toEqual([]);
    // Answers came back: nothing stays counted as waiting, and the flooder's next action goes through.
    expect(await request(flooder, 'chat:history', {})).toMatchObject({ ok: true });
    expect(await request(bystander, 'chat:history', {})).toMatchObject({ ok: true });
    expect(relay.sessionFootprint().released['remoteViewers']).toBe(2);
  });

  test("a viewer's drop whose notice is lost (the owner's mail subscription cut at that moment) is caught by the owner's census", async () => {
    // The earlier tests' viewers are gone (their grace periods over): this one's place is the only record.
    await waitFor('the earlier viewers let go', () => remotePlaces() === 0 || undefined, 10_000, 50);
    const viewer = await connect(relay.url, { device: await deviceToken(relay) });
    await requestOk(viewer, 'stage:join', { sessionId: SESSION, role: 'viewer' });
    expect(remotePlaces()).toBe(1);
    const admin = new Redis(redis.url);
    try {
      const id = /^id=(\d+) [^\n]* name=chunfeng-mail-sub:owner /m.exec(String(await admin.client('LIST')))?.[1];
      expect(id).toBeDefined();
      // Redis pub/sub keeps nothing for a channel nobody reads: the relay's notice of the drop is lost.
      await admin.client('KILL', 'ID', id!);
      viewer.close();
      const dropped = Date.now();
      // Past the grace period (300 ms) a told drop would have been let go; this one is still held.
      await new Promise((resolve) => setTimeout(resolve, 450));
      expect(remotePlaces()).toBe(1);
      await waitFor("the owner's census letting the place go", () => remotePlaces() === 0 || undefined, 10_000, 50);
      console.log(`[measure] a drop whose notice was lost, let go by the census (every 3 s) after ${Date.now() - dropped} ms`);
    } finally {
      admin.disconnect();
    }
  });
});
