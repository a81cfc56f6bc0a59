import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startRedis, type TestRedis } from '../harness/redis';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, requestOk, type TestSocket } from '../harness/socketClient';
import { StageDriver, nextEvent, registerSession } from '../harness/stage';

const GRACE_MS = 300;
/** How long each bus publish waits before it reaches Redis: a Redis a few hops away, or a busy one. */
const BUS_DELAY_MS = 150;

/**
 * With the Redis bus, socket.io's cluster adapter delivers a broadcast to this node's own sockets only
 * once Redis has taken it. Whatever the server does to its rooms afterwards must come after that
 * delivery, or a closing stage's own viewers never hear that it closed. A slow bus makes the gap wide
 * enough to see every time (on a quiet machine it is a round trip, and the viewers missed the news
 * now and then: a closing write that beat the broadcast's round trip took them out of the room first).
 */
/**
 * Every publish of the server's bus waits its turn and then BUS_DELAY_MS: in order, as on one
 * connection, only later. The function returned drops what is still waiting (before the server stops,
 * whose bus connection would refuse it).
 */
function slowBus(server: TestServer): () => void {
  const adapter = server.io.of('/').adapter as unknown as { doPublish(message: unknown): Promise<string> };
  const publish = adapter.doPublish.bind(adapter);
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;
  adapter.doPublish = (message) => {
    const sent = queue.then(() => new Promise((r) => setTimeout(r, BUS_DELAY_MS))).then(() => (stopped ? '' : publish(message)));
    queue = sent.catch(() => undefined);
    return sent;
  };
  return () => {
    stopped = true;
  };
}

describe('a stage closing on a node with a slow Redis bus', () => {
  let redis: TestRedis;
  let server: TestServer;
  let driver: StageDriver;
  let unslow = (): void => undefined;

  beforeAll(async () => {
    redis = await startRedis();
    server = await startTestServer({ REDIS_URL: redis.url, STAGE_GRACE_MS: String(GRACE_MS), MEDIA_WORKERS: '1' });
    driver = new StageDriver(server);
    unslow = slowBus(server);
  });
  afterAll(async () => {
    driver.closeAll();
    unslow();
    await server.stop();
    await redis.stop();
  });

  test("its viewers on this node hear stage:ended (host-left) when the host's grace period is over", async () => {
    const host = await driver.join('bus-host-left', 'host');
    const viewer = await driver.join('bus-host-left', 'viewer');
    const ended = nextEvent<{ reason: string }>(viewer.socket, 'stage:ended', 5000);
    await requestOk(host.socket, 'stage:leave', {});
    expect(await ended).toEqual({ reason: 'host-left' });
    expect(await server.service.sessionStatus('bus-host-left')).toBe('scheduled');
  });

  test('its viewers on this node hear stage:ended (ended-by-host) when the host ends it', async () => {
    const host = await driver.join('bus-ended', 'host');
    const viewer = await driver.join('bus-ended', 'viewer');
    const ended = nextEvent<{ reason: string }>(viewer.socket, 'stage:ended', 5000);
    await requestOk(host.socket, 'stage:end', {});
    expect(await ended).toEqual({ reason: 'ended-by-host' });
    expect(await server.service.sessionStatus('bus-ended')).toBe('ended');
  });
});

/**
 * The owner tells the other nodes that its stage closed (node mail, Redis pub/sub) so they let go of
 * what they relay; its stage:ended broadcast goes by the bus. The notice must not overtake the
 * broadcast, or the viewers watching through another node leave the stage's rooms before it arrives.
 */
describe('a stage closing while viewers watch it through another node, with a slow bus', () => {
  const secret = 'bus-ordering-test-secret-0123456789abcdef';
  let redis: TestRedis;
  let owner: TestServer;
  let relay: TestServer;
  const sockets: TestSocket[] = [];
  let unslow = (): void => undefined;

  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, AUTH_SECRET: secret, STAGE_GRACE_MS: String(GRACE_MS), MEDIA_WORKERS: '1' };
    owner = await startTestServer({ ...env, NODE_ID: 'owner' });
    relay = await startTestServer({ ...env, NODE_ID: 'relay' });
    unslow = slowBus(owner);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    unslow();
    await relay.stop();
    await owner.stop();
    await redis.stop();
  });

  test('the viewers on the other node hear stage:ended (host-left)', async () => {
    await registerSession(owner, 'bus-relayed');
    const host = await connect(owner.url);
    const viewer = await connect(relay.url);
    sockets.push(host, viewer);
    await requestOk(host, 'stage:join', { sessionId: 'bus-relayed', role: 'host', token: await owner.tokens.issue({ sid: 'bus-relayed', role: 'host', sub: 'chief' }) });
    await requestOk(viewer, 'stage:join', { sessionId: 'bus-relayed', role: 'viewer' });
    const ended = nextEvent<{ reason: string }>(viewer, 'stage:ended', 5000);
    await requestOk(host, 'stage:leave', {});
    expect(await ended).toEqual({ reason: 'host-left' });
  });
});
