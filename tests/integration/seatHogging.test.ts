import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { SessionId } from '@chunfeng/shared/ids';
import type { LiveStage } from '../../server/src/media/liveStage';
import { startTestServer, type TestServer } from '../harness/server';
import { request, requestOk } from '../harness/socketClient';
import { StageDriver } from '../harness/stage';

/**
 * Integration: one client cannot take every interactive seat by opening many connections. A seat
 * belongs to a phone (its device token's family): one per phone, none without a token.
 */
describe('interactive seats cannot be hoarded by one client', () => {
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    // Two seats; a grace period long enough that a dropped connection still holds its place.
    server = await startTestServer({ INTERACTIVE_SEATS: '2', STAGE_GRACE_MS: '20000', SEAT_HOLD_MS: '5000' });
    driver = new StageDriver(server);
  });
  afterEach(() => driver.closeAll());
  afterAll(() => server.stop());

  const stageOf = async (sessionId: string): Promise<LiveStage> => {
    const stage = await server.directory.get(sessionId as SessionId);
    if (!stage) throw new Error(`no stage for ${sessionId}`);
    return stage;
  };

  test('one phone opening many connections holds one seat: the others are refused SEATS_FULL and another phone is seated', async () => {
    await driver.join('hog-one', 'host');
    const stage = await stageOf('hog-one');
    const phone = await driver.device();
    const connections = await Promise.all(Array.from({ length: 4 }, () => driver.audience('hog-one', { device: phone })));
    const asked = [];
    for (const c of connections) asked.push(await request(c.socket, 'stage:watch', { mode: 'webrtc' }));
    expect(asked.filter((a) => a.ok)).toHaveLength(1);
    expect(asked.flatMap((a) => (a.ok ? [] : [a.error.code]))).toEqual(['SEATS_FULL', 'SEATS_FULL', 'SEATS_FULL']);
    const seated = connections[asked.findIndex((a) => a.ok)]!;
    await requestOk(seated.socket, 'transport:create', { direction: 'recv' });
    expect(stage.interactive.taken).toBe(1);

    // The seat left is there for someone else.
    const other = await driver.audience('hog-one', { device: await driver.device() });
    await requestOk(other.socket, 'stage:watch', { mode: 'webrtc' });
    await requestOk(other.socket, 'transport:create', { direction: 'recv' });
    expect(stage.interactive.taken).toBe(2);
  });

  test('a connection without a device token watches over HLS: stage:watch webrtc is refused SEATS_FULL and takes nothing', async () => {
    await driver.join('hog-anon', 'host');
    const stage = await stageOf('hog-anon');
    const anonymous = await Promise.all(Array.from({ length: 3 }, () => driver.audience('hog-anon')));
    for (const a of anonymous) {
      expect(await request(a.socket, 'stage:watch', { mode: 'webrtc' })).toMatchObject({ ok: false, error: { code: 'SEATS_FULL' } });
    }
    expect(stage.interactive.free).toBe(true);
    expect(stage.room.peerCount).toBe(1);
  });

  test('a phone whose dropped connection still holds its seat moves the seat to its new connection', async () => {
    await driver.join('hog-back', 'host');
    const stage = await stageOf('hog-back');
    const phone = await driver.device();
    const first = await driver.audience('hog-back', { device: phone });
    await requestOk(first.socket, 'stage:watch', { mode: 'webrtc' });
    await requestOk(first.socket, 'transport:create', { direction: 'recv' });
    first.socket.close();
    await expect.poll(() => stage.connectionOf(first.peerId as never)).toBeUndefined();

    // The page reloaded without its resume key: a new place, and the phone's seat comes with it.
    const again = await driver.audience('hog-back', { device: phone });
    await requestOk(again.socket, 'stage:watch', { mode: 'webrtc' });
    await requestOk(again.socket, 'transport:create', { direction: 'recv' });
    expect(stage.interactive.taken).toBe(1);
    expect(stage.interactive.has(again.peerId as never)).toBe(true);
    expect(stage.interactive.has(first.peerId as never)).toBe(false);
    // The old place keeps nothing on a router.
    expect(stage.placeOf(first.peerId as never)?.media).toBeUndefined();
  });
});
