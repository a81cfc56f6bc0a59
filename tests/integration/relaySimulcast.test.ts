import dgram from 'node:dgram';
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { publisherRtpParameters, sinkRtpCapabilities } from '../../bench/lib/fanout';
import { loadRecording, RtpReplayer } from '../../bench/lib/rtpRecording';
import { mediaCodecs } from '../../server/src/media/codecs';
import { connectPipe, EdgeRelay, openPipe, pipeEnd, RelayedProducer } from '../../server/src/media/edgeRelay';
import { WorkerPool } from '../../server/src/media/workerPool';
import { createLogger } from '../../server/src/logger';

/** Bytes a UDP socket received, counted until read. */
function byteCounter(socket: dgram.Socket): () => number {
  let bytes = 0;
  socket.on('message', (m) => (bytes += m.length));
  return () => {
    const n = bytes;
    bytes = 0;
    return n;
  };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A real 720p simulcast VP8 publisher (three layers, recorded once by ffmpeg, replayed in real time:
 * bench/lib/rtpRecording.ts) on an origin router, relayed to an edge router on another worker through
 * the edge relay (SRTP pipe transports, as between nodes): what a viewer on the edge asks for reaches
 * the publisher through both routers.
 */
describe('simulcast and keyframe requests through the edge relay', () => {
  let pool: WorkerPool;
  let replayer: RtpReplayer;
  let publisherSocket: dgram.Socket;
  let sinkSocket: dgram.Socket;
  let consumer: types.Consumer;
  let received: () => number;
  const closers: Array<() => void> = [];

  beforeAll(async () => {
    const recording = await loadRecording();
    pool = await WorkerPool.start({ size: 2, listenIp: '127.0.0.1', rtcPort: 0, logger: createLogger({ level: 'warn', pretty: false }) });
    const [originWorker, edgeWorker] = pool.workers;
    const origin = await originWorker!.worker.createRouter({ mediaCodecs });
    closers.push(() => origin.close());
    const ingest = await origin.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
    const producer = await ingest.produce({ kind: 'video', rtpParameters: publisherRtpParameters() });

    // The edge: a relay of the origin's producer, fed through a pipe pair with SRTP.
    const relay = await EdgeRelay.create({ sessionId: 'relay-test', origin: { node: 'origin', boot: 'test' }, worker: edgeWorker!, address: { listenIp: '127.0.0.1' } });
    const pipe = await openPipe(origin, { listenIp: '127.0.0.1' });
    closers.push(() => relay.close());
    await connectPipe(pipe, relay.end);
    await relay.connect(pipeEnd(pipe));
    const piped = await pipe.consume({ producerId: producer.id });
    await relay.add(RelayedProducer.parse({ producerId: producer.id, peerId: 'publisher', kind: 'video', source: 'camera', paused: false, rtpParameters: piped.rtpParameters }));

    // A viewer on the edge: a plain consumer sending to a local socket that counts bytes.
    sinkSocket = dgram.createSocket('udp4');
    await new Promise<void>((r) => sinkSocket.bind(0, '127.0.0.1', r));
    received = byteCounter(sinkSocket);
    const edgeRouter = relay.slot.router;
    const out = await edgeRouter.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
    await out.connect({ ip: '127.0.0.1', port: sinkSocket.address().port });
    consumer = await out.consume({ producerId: producer.id, rtpCapabilities: sinkRtpCapabilities(edgeRouter), preferredLayers: { spatialLayer: 2 } });

    publisherSocket = dgram.createSocket('udp4');
    await new Promise<void>((r) => publisherSocket.bind(0, '127.0.0.1', r));
    replayer = new RtpReplayer(recording, publisherSocket, '127.0.0.1', ingest.tuple.localPort);
    replayer.start();
  }, 180_000);

  afterAll(() => {
    replayer?.stop();
    publisherSocket?.close();
    sinkSocket?.close();
    for (const close of closers.reverse()) close();
    pool?.close();
  });

  /** Bytes per second reaching the edge viewer over `ms`. */
  async function rate(ms = 2000): Promise<number> {
    received();
    await new Promise((r) => setTimeout(r, ms));
    return (received() * 1000) / ms;
  }

  test('the edge viewer gets the top layer, switches to the lowest and back when it asks, and the bitrate follows', async () => {
    await until('the top layer on the edge', () => consumer.currentLayers?.spatialLayer === 2);
    const high = await rate();
    await consumer.setPreferredLayers({ spatialLayer: 0 });
    await until('the lowest layer on the edge', () => consumer.currentLayers?.spatialLayer === 0);
    const low = await rate();
    await consumer.setPreferredLayers({ spatialLayer: 2 });
    await until('the top layer again', () => consumer.currentLayers?.spatialLayer === 2);
    const back = await rate();
    console.log(`[measure] edge viewer through the relay: top layer ${Math.round((high * 8) / 1000)} kbps, lowest ${Math.round((low * 8) / 1000)} kbps, top again ${Math.round((back * 8) / 1000)} kbps`);
    // 1.5 Mbps against 150 kbps as recorded.
    expect(high).toBeGreaterThan(4 * low);
    expect(back).toBeGreaterThan(4 * low);
  }, 60_000);

  test("the edge viewer's keyframe request reaches the publisher through both routers", async () => {
    // Quiet first: the layer switches above asked for keyframes of their own.
    let before = -1;
    await until('no keyframe request for a second', async () => {
      const now = replayer.keyframesOnRequest;
      const quiet = now === before;
      before = now;
      if (!quiet) await new Promise((r) => setTimeout(r, 1000));
      return quiet;
    }, 15_000);
    await consumer.requestKeyFrame();
    await until('a keyframe request at the publisher', () => replayer.keyframesOnRequest > before, 5000);
  }, 30_000);
});
