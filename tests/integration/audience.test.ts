import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { SessionId } from '@chunfeng/shared/ids';
import type { LiveStage } from '../../server/src/media/liveStage';
import { startTestServer, type TestServer } from '../harness/server';
import { request, requestOk, type TestSocket } from '../harness/socketClient';
import { StageDriver, nextEvent, registerSession } from '../harness/stage';

/** Integration: a viewer who is not on WebRTC costs a socket and a few bytes; seats; the lobby. */
describe('light audience membership, interactive seats and the lobby', () => {
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    // Two seats, four consumers a router (so two WebRTC viewers of a camera and a microphone fill
    // the origin), a short grace period, a spread window and a seat hold a test can wait out.
    server = await startTestServer({ INTERACTIVE_SEATS: '2', ROUTER_MAX_CONSUMERS: '4', STAGE_GRACE_MS: '500', LOBBY_SPREAD_MS: '1500', SEAT_HOLD_MS: '1500' });
    driver = new StageDriver(server);
  });
  afterEach(() => driver.closeAll());
  afterAll(() => server.stop());

  const stageOf = async (sessionId: string): Promise<LiveStage> => {
    const stage = await server.directory.get(sessionId as SessionId);
    if (!stage) throw new Error(`no stage for ${sessionId}`);
    return stage;
  };
  /** A phone's device token: an interactive seat is held by a phone. */
  const phone = async (): Promise<{ device: string }> => ({ device: await driver.device() });
  const workerLoad = (): number => server.pool.workers.reduce((sum, w) => sum + w.load, 0);

  test('100 HLS viewers create no MediaPeer, take no router slot or seat and spawn no edge router', async () => {
    const host = await driver.join('aud-light', 'host');
    await driver.publish(host);
    const stage = await stageOf('aud-light');
    const load = workerLoad();

    const viewers = await Promise.all(Array.from({ length: 100 }, () => driver.audience('aud-light')));
    for (const { joined } of viewers) {
      expect(joined).toMatchObject({ role: 'viewer', mode: 'hls', interactive: true, resumed: false });
      // No router capabilities or producer list for a viewer on HLS.
      expect(joined).not.toHaveProperty('routerRtpCapabilities');
      expect(joined).not.toHaveProperty('producers');
    }
    expect(stage.roster.viewerCount).toBe(100);
    expect(stage.room.peerCount).toBe(1);
    expect(stage.room.routers).toHaveLength(1);
    expect(stage.interactive.taken).toBe(0);
    expect(workerLoad()).toBe(load);
    // They are in the session all the same: the roster reaches them.
    const roster = nextEvent<{ viewerCount: number }>(viewers[0]!.socket, 'stage:roster');
    await driver.audience('aud-light');
    expect((await roster).viewerCount).toBeGreaterThanOrEqual(100);
  });

  test('switching to WebRTC and back is one request each on the same socket; HLS again frees the MediaPeer, consumers and seat', async () => {
    const host = await driver.join('aud-switch', 'host');
    const { video, audio } = await driver.publish(host);
    const stage = await stageOf('aud-switch');
    const load = workerLoad();
    const viewer = await driver.audience('aud-switch', await phone());
    const socketId = viewer.socket.id;

    const watched = await requestOk(viewer.socket, 'stage:watch', { mode: 'webrtc' });
    expect(watched).toMatchObject({ mode: 'webrtc' });
    if (watched.mode !== 'webrtc') throw new Error('not on WebRTC');
    expect(watched.producers.map((p) => p.producerId).sort()).toEqual([video, audio].sort());
    expect(stage.room.peerCount).toBe(2);
    // The seat is not taken by the switch but by the receive transport.
    expect(stage.interactive.taken).toBe(0);
    const recv = await requestOk(viewer.socket, 'transport:create', { direction: 'recv' });
    expect(stage.interactive.taken).toBe(1);
    for (const producerId of [video, audio]) {
      await requestOk(viewer.socket, 'consumer:create', { transportId: recv.id, producerId, rtpCapabilities: watched.routerRtpCapabilities });
    }
    expect(workerLoad()).toBe(load + 2);

    expect(await requestOk(viewer.socket, 'stage:watch', { mode: 'hls' })).toEqual({ mode: 'hls', interactive: true });
    expect(viewer.socket.id).toBe(socketId);
    expect(stage.room.peerCount).toBe(1);
    expect(stage.interactive.taken).toBe(0);
    expect(workerLoad()).toBe(load);
    // Still the same place in the session, now without media.
    expect(stage.roster.has(viewer.peerId as never)).toBe(true);
    expect(await request(viewer.socket, 'transport:create', { direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    // People on stage stay on WebRTC.
    expect(await request(host.socket, 'stage:watch', { mode: 'hls' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  test('seats are enforced for a client that ignores the join hint: stage:watch reserves one or is refused SEATS_FULL, the receive transport takes it', async () => {
    await driver.join('aud-seats', 'host');
    const stage = await stageOf('aud-seats');
    const seated = [await driver.join('aud-seats', 'viewer'), await driver.join('aud-seats', 'viewer')];
    for (const v of seated) await requestOk(v.socket, 'transport:create', { direction: 'recv' });
    expect(stage.interactive.taken).toBe(2);

    // The third is told no seat is free, asks anyway, and is refused with a typed error.
    const third = await driver.audience('aud-seats', await phone());
    expect(third.joined).toMatchObject({ mode: 'hls', interactive: false });
    expect(await request(third.socket, 'stage:watch', { mode: 'webrtc' })).toMatchObject({ ok: false, error: { code: 'SEATS_FULL' } });
    expect(stage.room.peerCount).toBe(3);

    // Two viewers ask at once for the one seat that comes free: one is placed, the other refused,
    // and nobody holds media on a router without a seat kept for them.
    await requestOk(seated[1]!.socket, 'stage:watch', { mode: 'hls' });
    const racers = [await driver.audience('aud-seats', await phone()), await driver.audience('aud-seats', await phone())];
    const asked = await Promise.all(racers.map((r) => request(r.socket, 'stage:watch', { mode: 'webrtc' })));
    expect(asked.filter((r) => r.ok)).toHaveLength(1);
    expect(asked.flatMap((r) => (r.ok ? [] : [r.error.code]))).toEqual(['SEATS_FULL']);
    expect(stage.room.peerCount).toBe(3);
    const winner = racers[asked.findIndex((r) => r.ok)]!;
    await requestOk(winner.socket, 'transport:create', { direction: 'recv' });
    expect(stage.interactive.taken).toBe(2);
  });

  test('a demoted co-host keeps watching from a seat even past the limit; the receive transport of a viewer without one is refused', async () => {
    const host = await driver.join('aud-demote', 'host');
    const stage = await stageOf('aud-demote');
    const viewers = [await driver.join('aud-demote', 'viewer', undefined, { device: await driver.device() }), await driver.join('aud-demote', 'viewer')];
    for (const v of viewers) await requestOk(v.socket, 'transport:create', { direction: 'recv' });
    // The first raises a hand and is brought up: on stage, no seat needed, so one comes free...
    await requestOk(viewers[0]!.socket, 'hand:raise', { raised: true });
    await requestOk(host.socket, 'stage:promote', { peerId: viewers[0]!.peerId });
    expect(stage.interactive.taken).toBe(1);
    const next = await driver.join('aud-demote', 'viewer');
    await requestOk(next.socket, 'transport:create', { direction: 'recv' });
    // ...and taken; brought down again, they keep watching over the limit.
    await requestOk(host.socket, 'stage:remove', { peerId: viewers[0]!.peerId });
    expect(stage.interactive.taken).toBe(3);
    // A viewer who skipped stage:watch has nothing to create a transport on.
    const skipper = await driver.audience('aud-demote', await phone());
    expect(await request(skipper.socket, 'transport:create', { direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await request(skipper.socket, 'stage:watch', { mode: 'webrtc' })).toMatchObject({ ok: false, error: { code: 'SEATS_FULL' } });
  });

  test('a seat comes free when its viewer leaves, and when a dropped connection is not back within the grace period', async () => {
    await driver.join('aud-free', 'host');
    const stage = await stageOf('aud-free');
    const first = await driver.join('aud-free', 'viewer');
    const second = await driver.join('aud-free', 'viewer');
    for (const v of [first, second]) await requestOk(v.socket, 'transport:create', { direction: 'recv' });
    const waiting = await driver.audience('aud-free', await phone());
    expect(await request(waiting.socket, 'stage:watch', { mode: 'webrtc' })).toMatchObject({ ok: false, error: { code: 'SEATS_FULL' } });

    await requestOk(first.socket, 'stage:leave', {});
    expect(stage.interactive.taken).toBe(1);
    await requestOk(waiting.socket, 'stage:watch', { mode: 'webrtc' });
    await requestOk(waiting.socket, 'transport:create', { direction: 'recv' });
    expect(stage.interactive.taken).toBe(2);

    second.socket.close();
    const late = await driver.audience('aud-free', await phone());
    expect(late.joined.interactive).toBe(false);
    await expect.poll(() => stage.interactive.taken, { timeout: 5000 }).toBe(1);
    expect(await requestOk(late.socket, 'stage:watch', { mode: 'webrtc' })).toMatchObject({ mode: 'webrtc' });
    await requestOk(late.socket, 'transport:create', { direction: 'recv' });
  });

  test('a seat reserved by stage:watch and never turned into a receive transport lapses after SEAT_HOLD_MS: its media leaves the router and the next viewer is seated', async () => {
    await driver.join('aud-lapse', 'host');
    const stage = await stageOf('aud-lapse');
    const idle = [await driver.audience('aud-lapse', await phone()), await driver.audience('aud-lapse', await phone())];
    const reservedAt = Date.now();
    for (const v of idle) await requestOk(v.socket, 'stage:watch', { mode: 'webrtc' });
    expect(stage.room.peerCount).toBe(3);
    const next = await driver.audience('aud-lapse', await phone());
    expect(await request(next.socket, 'stage:watch', { mode: 'webrtc' })).toMatchObject({ ok: false, error: { code: 'SEATS_FULL' } });

    // Both lapse; nobody holds media on a router without a seat kept for them.
    await expect.poll(() => stage.room.peerCount, { timeout: 5000, interval: 50 }).toBe(1);
    expect(Date.now() - reservedAt).toBeGreaterThanOrEqual(1400);
    expect(stage.interactive.free).toBe(true);
    // The idle one is told the seat is gone (and watches HLS), not that it never switched.
    expect(await request(idle[0]!.socket, 'transport:create', { direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'SEATS_FULL' } });
    expect(stage.interactive.taken).toBe(0);

    await requestOk(next.socket, 'stage:watch', { mode: 'webrtc' });
    await requestOk(next.socket, 'transport:create', { direction: 'recv' });
    // A seat taken by its receive transport does not lapse.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(stage.interactive.has(next.peerId as never)).toBe(true);
    expect(stage.room.peerCount).toBe(2);
    // The idle one may switch again like anyone, for the one seat left.
    await requestOk(idle[1]!.socket, 'stage:watch', { mode: 'webrtc' });
    await requestOk(idle[1]!.socket, 'transport:create', { direction: 'recv' });
    expect(stage.interactive.taken).toBe(2);
  });

  test('a viewer who reconnects within the grace period keeps their mode: on WebRTC, the same seat and media', async () => {
    await driver.join('aud-resume', 'host');
    const stage = await stageOf('aud-resume');
    const device = await driver.device();
    const socket = await driver.socket({ device });
    const joined = await requestOk(socket, 'stage:join', { sessionId: 'aud-resume', role: 'viewer' });
    await requestOk(socket, 'stage:watch', { mode: 'webrtc' });
    await requestOk(socket, 'transport:create', { direction: 'recv' });
    socket.close();
    const back = await driver.socket({ device });
    const resumed = await requestOk(back, 'stage:join', { sessionId: 'aud-resume', role: 'viewer', resume: { peerId: joined.peerId, key: joined.resumeKey } });
    expect(resumed).toMatchObject({ resumed: true, mode: 'webrtc', interactive: true });
    expect(stage.interactive.taken).toBe(1);
  });

  test('waiting viewers are in the lobby: told once when the session goes live, with a window to spread their rejoin over', async () => {
    await registerSession(server, 'aud-lobby');
    await registerSession(server, 'aud-other');
    const waiting: TestSocket[] = [];
    for (let i = 0; i < 20; i += 1) {
      const s = await driver.socket();
      expect(await request(s, 'stage:join', { sessionId: 'aud-lobby', role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_LIVE' } });
      waiting.push(s);
    }
    const elsewhere = await driver.socket();
    expect(await request(elsewhere, 'stage:join', { sessionId: 'aud-other', role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_LIVE' } });
    const unknown = await driver.socket();
    expect(await request(unknown, 'stage:join', { sessionId: 'aud-nobody', role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const heard = (s: TestSocket): Promise<boolean> => nextEvent(s, 'stage:opened', 1500).then(() => true, () => false);
    const told = Promise.all(waiting.map((s) => nextEvent<{ sessionId: string; spreadMs: number }>(s, 'stage:opened')));
    const toldElsewhere = heard(elsewhere);
    const toldUnknown = heard(unknown);

    await driver.join('aud-lobby', 'host');
    for (const event of await told) expect(event).toEqual({ sessionId: 'aud-lobby', spreadMs: 1500 });
    expect(await toldElsewhere).toBe(false);
    expect(await toldUnknown).toBe(false);
    // Each joins once more, and is in.
    for (const s of waiting) expect(await requestOk(s, 'stage:join', { sessionId: 'aud-lobby', role: 'viewer' })).toMatchObject({ mode: 'hls' });
  });

  test('a socket that waited in the lobby, whose stage closed before it joined, waits again and is told of the next go-live', async () => {
    await registerSession(server, 'aud-relobby');
    const socket = await driver.socket();
    expect(await request(socket, 'stage:join', { sessionId: 'aud-relobby', role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_LIVE' } });
    const first = nextEvent(socket, 'stage:opened');
    const host = await driver.join('aud-relobby', 'host');
    await first;
    // The host leaves before this viewer rejoined; nobody takes over within the grace period.
    const stage = await stageOf('aud-relobby');
    const closed = new Promise((resolve) => stage.room.once('close', resolve));
    await requestOk(host.socket, 'stage:leave', {});
    await closed;

    expect(await request(socket, 'stage:join', { sessionId: 'aud-relobby', role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_LIVE' } });
    const second = nextEvent<{ sessionId: string; spreadMs: number }>(socket, 'stage:opened', 5000);
    await driver.join('aud-relobby', 'host');
    expect(await second).toEqual({ sessionId: 'aud-relobby', spreadMs: 1500 });
    expect(await requestOk(socket, 'stage:join', { sessionId: 'aud-relobby', role: 'viewer' })).toMatchObject({ mode: 'hls' });
  });
});
