import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Ack } from '@chunfeng/shared/ack';
import { startTestServer, type TestServer } from '../harness/server';
import { request, requestOk } from '../harness/socketClient';
import { StageDriver, fakeRtp, type Participant } from '../harness/stage';

const SESSION = 'demo';

/** How many requests of a flood were answered ok, and the error codes of the rest. */
function tally(acks: Array<Ack<unknown>>): { ok: number; refused: Record<string, number> } {
  const refused: Record<string, number> = {};
  let ok = 0;
  for (const ack of acks) {
    if (ack.ok) ok += 1;
    else refused[ack.error.code] = (refused[ack.error.code] ?? 0) + 1;
  }
  return { ok, refused };
}

describe('per-peer caps on the SFU (real mediasoup worker)', () => {
  let server: TestServer;
  let driver: StageDriver;
  let host: Participant;
  let produced: { video: string; audio: string };

  beforeAll(async () => {
    // Thousands of requests from one socket test the limits behind the edge; the per-socket event
    // bucket in front of them (tests/integration/flood.test.ts) is opened wide here.
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', SOCKET_EVENT_BURST: '1000000' });
    driver = new StageDriver(server);
    host = await driver.join(SESSION, 'host');
    produced = await driver.publish(host);
  });
  afterAll(async () => {
    driver.closeAll();
    await server.stop();
  });

  const origin = async () => {
    const stage = await server.directory.get(SESSION as never);
    if (!stage) throw new Error('stage not open');
    return stage.room.origin;
  };
  const transportIds = async (): Promise<string[]> => (await (await origin()).dump()).transportIds;
  const serverTransportIds = async (): Promise<string[]> =>
    (await Promise.all(server.pool.workers.map((w) => w.webRtcServer.dump()))).flatMap((d) => d.webRtcTransportIds);

  test('a viewer holds at most two transports: the third is refused, closing one allows another', async () => {
    const viewer = await driver.join(SESSION, 'viewer');
    const first = await requestOk(viewer.socket, 'transport:create', { direction: 'recv' });
    const second = await requestOk(viewer.socket, 'transport:create', { direction: 'recv' });
    expect(await request(viewer.socket, 'transport:create', { direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });

    await requestOk(viewer.socket, 'transport:close', { transportId: first.id });
    expect(await transportIds()).not.toContain(first.id);
    expect(await serverTransportIds()).not.toContain(first.id);
    const third = await requestOk(viewer.socket, 'transport:create', { direction: 'recv' });
    expect(await transportIds()).toEqual(expect.arrayContaining([second.id, third.id]));
    // Another viewer's transport is not this viewer's to close.
    const other = await driver.join(SESSION, 'viewer');
    expect(await request(other.socket, 'transport:close', { transportId: second.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await requestOk(viewer.socket, 'stage:leave', {});
    await requestOk(other.socket, 'stage:leave', {});
  });

  test('a thousand transport requests at once open two transports; the rest are refused and nothing leaks', async () => {
    const before = await transportIds();
    const viewer = await driver.join(SESSION, 'viewer');
    const started = performance.now();
    const acks = await Promise.all(Array.from({ length: 1000 }, () => request(viewer.socket, 'transport:create', { direction: 'recv' })));
    const ms = performance.now() - started;
    const { ok, refused } = tally(acks);
    console.log(`[measure] 1,000 transport:create at once from one viewer: ${ok} opened, ${refused['CONFLICT'] ?? 0} refused (CONFLICT), answered in ${ms.toFixed(0)} ms`);
    expect(ok).toBe(2);
    expect(refused).toEqual({ CONFLICT: 998 });
    const opened = acks.flatMap((a) => (a.ok ? [a.data.id] : []));
    expect((await transportIds()).sort()).toEqual([...before, ...opened].sort());

    await requestOk(viewer.socket, 'stage:leave', {});
    expect((await transportIds()).sort()).toEqual([...before].sort());
    const left = await serverTransportIds();
    for (const id of opened) expect(left).not.toContain(id);
  });

  test('one consumer per stage producer: a thousand consumer requests for two producers make two consumers', async () => {
    const viewer = await driver.join(SESSION, 'viewer');
    const recv = await requestOk(viewer.socket, 'transport:create', { direction: 'recv' });
    const producers = [produced.video, produced.audio];
    const started = performance.now();
    const acks = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        request(viewer.socket, 'consumer:create', { transportId: recv.id, producerId: producers[i % 2], rtpCapabilities: viewer.caps }),
      ),
    );
    const ms = performance.now() - started;
    const { ok, refused } = tally(acks);
    console.log(`[measure] 1,000 consumer:create at once for 2 producers: ${ok} consumers, ${refused['CONFLICT'] ?? 0} refused (CONFLICT), answered in ${ms.toFixed(0)} ms`);
    expect(ok).toBe(2);
    expect(refused).toEqual({ CONFLICT: 998 });
    const consumerIds = async (): Promise<string[]> => (await (await origin()).dump()).mapProducerIdConsumerIds.flatMap((e) => e.values);
    const first = acks.flatMap((a) => (a.ok ? [a.data.id] : []));
    expect(await consumerIds()).toEqual(expect.arrayContaining(first));
    const stage = await server.directory.get(SESSION as never);
    expect(stage!.room.peer(viewer.peerId as never)?.consumerCount).toBe(2);

    // Closing the transport closes its consumers: the producers can be watched again on a new one.
    await requestOk(viewer.socket, 'transport:close', { transportId: recv.id });
    const gone = await consumerIds();
    for (const id of first) expect(gone).not.toContain(id);
    const again = await requestOk(viewer.socket, 'transport:create', { direction: 'recv' });
    for (const producerId of producers) {
      await requestOk(viewer.socket, 'consumer:create', { transportId: again.id, producerId, rtpCapabilities: viewer.caps });
    }
    expect(stage!.room.peer(viewer.peerId as never)?.consumerCount).toBe(2);
    await requestOk(viewer.socket, 'stage:leave', {});
  });

  test('a stage member holds one send transport and publishes one producer per source (camera, microphone, screen)', async () => {
    const invite = await requestOk(host.socket, 'stage:invite', {});
    const cohost = await driver.join(SESSION, 'cohost', invite.token);
    const send = await requestOk(cohost.socket, 'transport:create', { direction: 'send' });
    expect(await request(cohost.socket, 'transport:create', { direction: 'send' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const recv = await requestOk(cohost.socket, 'transport:create', { direction: 'recv' });
    expect(await request(cohost.socket, 'transport:create', { direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });

    const acks = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        request(cohost.socket, 'producer:create', { transportId: send.id, kind: 'video', rtpParameters: fakeRtp('video', 50_000 + i), source: 'screen' }),
      ),
    );
    expect(tally(acks)).toEqual({ ok: 1, refused: { CONFLICT: 199 } });
    await requestOk(cohost.socket, 'producer:create', { transportId: send.id, kind: 'video', rtpParameters: fakeRtp('video', 60_001), source: 'camera' });
    await requestOk(cohost.socket, 'producer:create', { transportId: send.id, kind: 'audio', rtpParameters: fakeRtp('audio', 60_002), source: 'microphone' });
    expect(await request(cohost.socket, 'producer:create', { transportId: send.id, kind: 'video', rtpParameters: fakeRtp('video', 60_003), source: 'camera' })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    const stage = await server.directory.get(SESSION as never);
    expect(stage!.room.peer(cohost.peerId as never)?.producers.size).toBe(3);

    // Media goes one way on each transport.
    expect(await request(cohost.socket, 'producer:create', { transportId: recv.id, kind: 'audio', rtpParameters: fakeRtp('audio', 60_004), source: 'microphone' })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect(await request(cohost.socket, 'consumer:create', { transportId: send.id, producerId: produced.video, rtpCapabilities: cohost.caps })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });

    // Closing a producer frees its source.
    const screen = acks.find((a) => a.ok);
    await requestOk(cohost.socket, 'producer:close', { producerId: screen?.ok ? screen.data.producerId : '' });
    await requestOk(cohost.socket, 'producer:create', { transportId: send.id, kind: 'video', rtpParameters: fakeRtp('video', 60_005), source: 'screen' });
    await requestOk(cohost.socket, 'stage:leave', {});
  });
});
