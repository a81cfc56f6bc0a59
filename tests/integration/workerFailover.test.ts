import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { ProducerInfo } from '@chunfeng/shared/stage';
import type { RtpCapabilities } from '@chunfeng/shared/webrtc';
import { startTestServer, type TestServer } from '../harness/server';
import { request, requestOk, type TestSocket } from '../harness/socketClient';
import { StageDriver, nextEvent, type Participant } from '../harness/stage';

interface Moved {
  routerRtpCapabilities: RtpCapabilities;
  producers: ProducerInfo[];
}

/** The pool worker a router runs on (from the workers' own dumps). */
async function ownerOf(server: TestServer, routerId: string) {
  const dumps = await Promise.all(server.pool.workers.map(async (w) => ({ w, d: await w.worker.dump() })));
  const owner = dumps.find(({ d }) => d.routerIds.includes(routerId))?.w;
  if (!owner) throw new Error(`no live worker has router ${routerId}`);
  return owner;
}

/** Every event of that name the socket receives from now on. */
function collect<T>(socket: TestSocket, event: string): T[] {
  const seen: T[] = [];
  (socket as unknown as { on(e: string, l: (v: T) => void): void }).on(event, (v: T) => seen.push(v));
  return seen;
}

describe('a dead mediasoup worker costs seconds, not the session', () => {
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    // Two viewers of two producers fill a router: the third viewer is served from an edge router.
    // A third worker is where a dead router's replacement goes (a producer cannot be piped to a
    // router on its own worker).
    server = await startTestServer({ MEDIA_WORKERS: '3', ROUTER_MAX_CONSUMERS: '4', MEDIA_RESPAWN_DELAY_MS: '500' });
    driver = new StageDriver(server);
  });
  afterEach(() => driver.closeAll());
  afterAll(() => server.stop());

  test('the origin worker killed: the stage goes on, its router is re-created on a live worker, and the host and viewers on it are told, re-publish and re-consume', async () => {
    const host = await driver.join('fail-origin', 'host');
    const produced = await driver.publish(host);
    const viewer = await driver.join('fail-origin', 'viewer');
    await driver.consume(viewer, [produced.video, produced.audio]);
    const stage = await server.directory.get('fail-origin' as never);
    if (!stage) throw new Error('stage not open');
    const origin = stage.room.origin;
    const owner = await ownerOf(server, origin.id);
    const ended = collect(viewer.socket, 'stage:ended');
    const closed = collect<{ producerId: string }>(viewer.socket, 'producer:closed');
    const hostMoved = nextEvent<Moved>(host.socket, 'media:moved');
    const viewerMoved = nextEvent<Moved>(viewer.socket, 'media:moved');

    const killedAt = Date.now();
    process.kill(owner.worker.pid, 'SIGKILL');
    const [toHost, toViewer] = await Promise.all([hostMoved, viewerMoved]);
    console.log(`[measure] origin worker killed → peers told to move: ${Date.now() - killedAt} ms`);
    // The host's producers went with the worker; nobody else was publishing.
    expect(toHost.producers).toEqual([]);
    expect(toViewer.producers).toEqual([]);
    expect(closed.map((c) => c.producerId).sort()).toEqual([produced.audio, produced.video].sort());

    // The same stage, the same places, on a new origin router on a live worker.
    expect(await server.directory.get('fail-origin' as never)).toBe(stage);
    expect(stage.closed).toBe(false);
    expect(stage.room.origin).not.toBe(origin);
    expect(stage.room.origin.closed).toBe(false);
    expect((await ownerOf(server, stage.room.origin.id)).worker.pid).not.toBe(owner.worker.pid);
    expect(stage.roster.onStage().map((p) => p.peerId)).toEqual([host.peerId]);
    expect(stage.roster.viewerCount).toBe(1);

    // The host publishes again on the new router; the viewer is told and consumes it there.
    const added = collect<ProducerInfo>(viewer.socket, 'producer:added');
    const again = await driver.publish({ ...host, caps: toHost.routerRtpCapabilities });
    await expect.poll(() => added.map((p) => p.producerId).sort()).toEqual([again.audio, again.video].sort());
    const consumers = await driver.consume({ ...viewer, caps: toViewer.routerRtpCapabilities }, [again.video, again.audio]);
    expect(consumers).toHaveLength(2);
    const dump = await stage.room.origin.dump();
    expect(dump.mapProducerIdConsumerIds.map((e) => e.key).sort()).toEqual([again.audio, again.video].sort());
    expect(ended).toEqual([]);
  });

  test("an edge router's worker killed: the viewers on the edge are told and re-consume the stage on a new router; the origin's viewers never notice", async () => {
    // The worker killed by the test before is back: a third worker is free for the new edge.
    await expect.poll(() => server.pool.workers.length, { timeout: 10_000 }).toBe(3);
    const host = await driver.join('fail-edge', 'host');
    const produced = await driver.publish(host);
    const onOrigin: Participant[] = [];
    for (let i = 0; i < 2; i += 1) {
      const v = await driver.join('fail-edge', 'viewer');
      await driver.consume(v, [produced.video, produced.audio]);
      onOrigin.push(v);
    }
    const onEdge = await driver.join('fail-edge', 'viewer');
    await driver.consume(onEdge, [produced.video, produced.audio]);
    const stage = await server.directory.get('fail-edge' as never);
    if (!stage) throw new Error('stage not open');
    const [origin, edge] = stage.room.routers;
    if (!origin || !edge) throw new Error('expected an origin and an edge router');
    const edgeOwner = await ownerOf(server, edge.id);
    const originOwner = await ownerOf(server, origin.id);
    expect(edgeOwner.index).not.toBe(originOwner.index);

    const quiet = [host, ...onOrigin].map((p) => ({ moved: collect(p.socket, 'media:moved'), closed: collect(p.socket, 'producer:closed') }));
    const edgeClosed = collect(onEdge.socket, 'producer:closed');
    const moved = nextEvent<Moved>(onEdge.socket, 'media:moved');
    const killedAt = Date.now();
    process.kill(edgeOwner.worker.pid, 'SIGKILL');
    const toEdge = await moved;
    console.log(`[measure] edge worker killed → edge viewer told to move: ${Date.now() - killedAt} ms`);

    // Told what is on stage, which is still everything the host publishes.
    expect(toEdge.producers.map((p) => p.producerId).sort()).toEqual([produced.audio, produced.video].sort());
    expect(edgeClosed).toEqual([]);
    const [, newEdge] = stage.room.routers;
    if (!newEdge) throw new Error('the edge router was not re-created');
    expect(newEdge).not.toBe(edge);
    expect(newEdge.closed).toBe(false);
    expect((await ownerOf(server, newEdge.id)).index).not.toBe(originOwner.index);
    expect(stage.room.origin).toBe(origin);

    // A new receive transport and new consumers on the new router, of the producers piped there.
    const consumers = await driver.consume({ ...onEdge, caps: toEdge.routerRtpCapabilities }, toEdge.producers.map((p) => p.producerId));
    expect(consumers).toHaveLength(2);
    const dump = await newEdge.dump();
    expect(dump.mapProducerIdConsumerIds.map((e) => e.key).sort()).toEqual([produced.audio, produced.video].sort());
    expect(dump.mapProducerIdConsumerIds.every((e) => e.values.length === 1)).toBe(true);

    // Nobody on the origin was told anything or lost a stream.
    await new Promise((r) => setTimeout(r, 500));
    for (const q of quiet) expect(q).toEqual({ moved: [], closed: [] });
    expect(origin.closed).toBe(false);
    expect(stage.closed).toBe(false);
  });

  test('a place on a router that died while its connection was away is moved too: on resume its old transports are gone and new ones work', async () => {
    const host = await driver.join('fail-away', 'host');
    const produced = await driver.publish(host);
    const socket = await driver.socket({ device: await driver.device() });
    const joined = await requestOk(socket, 'stage:join', { sessionId: 'fail-away', role: 'viewer' });
    if (joined.mode !== 'webrtc') await requestOk(socket, 'stage:watch', { mode: 'webrtc' });
    const recv = await requestOk(socket, 'transport:create', { direction: 'recv' });
    socket.close();
    const stage = await server.directory.get('fail-away' as never);
    const owner = await ownerOf(server, stage!.room.origin.id);
    const hostMoved = nextEvent<Moved>(host.socket, 'media:moved');
    process.kill(owner.worker.pid, 'SIGKILL');
    await hostMoved;

    const back = await driver.socket();
    const resumed = await requestOk(back, 'stage:join', { sessionId: 'fail-away', role: 'viewer', resume: { peerId: joined.peerId, key: joined.resumeKey } });
    expect(resumed).toMatchObject({ peerId: joined.peerId, resumed: true, mode: 'webrtc' });
    if (resumed.mode !== 'webrtc') throw new Error('the resumed place is not on WebRTC');
    // The old transport went with the worker (the client learns so and sets its media up again).
    const restart = await request(back, 'transport:restartIce', { transportId: recv.id });
    expect(restart).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const again = await driver.publish({ ...host, caps: resumed.routerRtpCapabilities });
    expect(await driver.consume({ socket: back, peerId: joined.peerId, caps: resumed.routerRtpCapabilities }, [again.video, again.audio])).toHaveLength(2);
    expect(produced.video).not.toBe(again.video);
  });
});

describe('a dead edge when every live worker already carries a router of the stage', () => {
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    server = await startTestServer({ MEDIA_WORKERS: '2', ROUTER_MAX_CONSUMERS: '4', MEDIA_RESPAWN_DELAY_MS: '500' });
    driver = new StageDriver(server);
  });
  afterAll(async () => {
    driver.closeAll();
    await server.stop();
  });

  test("the edge's viewers move to the origin router (a producer cannot be piped to its own worker) and re-consume there", async () => {
    const host = await driver.join('fail-fold', 'host');
    const produced = await driver.publish(host);
    for (let i = 0; i < 2; i += 1) await driver.consume(await driver.join('fail-fold', 'viewer'), [produced.video, produced.audio]);
    const onEdge = await driver.join('fail-fold', 'viewer');
    await driver.consume(onEdge, [produced.video, produced.audio]);
    const stage = (await server.directory.get('fail-fold' as never))!;
    const [origin, edge] = stage.room.routers;
    if (!origin || !edge) throw new Error('expected an origin and an edge router');
    const moved = nextEvent<Moved>(onEdge.socket, 'media:moved');
    process.kill((await ownerOf(server, edge.id)).worker.pid, 'SIGKILL');
    const toEdge = await moved;
    expect(stage.room.routers).toEqual([origin]);
    expect(await driver.consume({ ...onEdge, caps: toEdge.routerRtpCapabilities }, toEdge.producers.map((p) => p.producerId))).toHaveLength(2);
    const dump = await origin.dump();
    expect(dump.mapProducerIdConsumerIds.every((e) => e.values.length === 3)).toBe(true);
  });
});

describe('when no mediasoup worker comes back', () => {
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    // One worker, replaced only after a minute: nothing live to move the stage to.
    server = await startTestServer({ MEDIA_WORKERS: '1', MEDIA_RESPAWN_DELAY_MS: '60000' });
    driver = new StageDriver(server);
  });
  afterAll(async () => {
    driver.closeAll();
    await server.stop();
  });

  test('the stage waits 15 s for one, then ends with media-failure (and the session is not ended: the host may go live again)', async () => {
    const host = await driver.join('fail-none', 'host');
    const viewer = await driver.join('fail-none', 'viewer');
    const moved = collect(viewer.socket, 'media:moved');
    const ended = nextEvent<{ reason: string }>(viewer.socket, 'stage:ended', 25_000);
    const worker = server.pool.workers[0]!;
    const killedAt = Date.now();
    process.kill(worker.worker.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 5000));
    // Still waiting: the places are kept.
    expect((await server.directory.get('fail-none' as never))?.closed).toBe(false);
    expect(await ended).toEqual({ reason: 'media-failure' });
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(14_000);
    expect(moved).toEqual([]);
    expect(server.directory.get('fail-none' as never)).toBeUndefined();
    expect(await server.service.sessionStatus('fail-none')).not.toBe('ended');
    host.socket.close();
  }, 40_000);
});
