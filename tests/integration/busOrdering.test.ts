import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startRedis, type TestRedis } from '../harness/redis';
import { startTestServer, type TestServer } from '../harness/server';
import { requestOk } from '../harness/socketClient';
import { StageDriver, nextEvent } from '../harness/stage';

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
describe('a stage closing on a node with a slow Redis bus', () => {
  let redis: TestRedis;
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    redis = await startRedis();
    server = await startTestServer({ REDIS_URL: redis.url, STAGE_GRACE_MS: String(GRACE_MS), MEDIA_WORKERS: '1' });
    driver = new StageDriver(server);
    // Every publish waits its turn and then BUS_DELAY_MS: in order, as on one connection, only later.
    const adapter = server.io.of('/').adapter as unknown as { doPublish(message: unknown): Promise<string> };
    const publish = adapter.doPublish.bind(adapter);
    let queue: Promise<unknown> = Promise.resolve();
    adapter.doPublish = (message) => {
      const sent = queue.then(() => new Promise((r) => setTimeout(r, BUS_DELAY_MS))).then(() => publish(message));
      queue = sent.catch(() => undefined);
      return sent;
    };
  });
  afterAll(async () => {
    driver.closeAll();
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
