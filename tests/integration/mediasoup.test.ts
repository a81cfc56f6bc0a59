import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mediaCodecs } from '../../server/src/media/codecs';
import { WorkerPool } from '../../server/src/media/workerPool';
import { createLogger } from '../../server/src/logger';

const logger = createLogger({ level: 'silent', pretty: false });

describe('the mediasoup worker pool', () => {
  let pool: WorkerPool;
  beforeAll(async () => {
    pool = await WorkerPool.start({ size: 2, listenIp: '127.0.0.1', rtcPort: 0, respawnDelayMs: 0, logger });
  });
  afterAll(() => pool.close());

  test('starts one live worker per slot, each with a WebRtcServer', () => {
    expect(pool.health()).toEqual([
      expect.objectContaining({ index: 0, alive: true }),
      expect.objectContaining({ index: 1, alive: true }),
    ]);
    for (const w of pool.workers) expect(w.webRtcServer.closed).toBe(false);
  });

  test('a worker gives a router with the stage codecs and a WebRtcTransport with UDP and TCP candidates', async () => {
    const { worker, webRtcServer } = pool.leastLoaded();
    const router = await worker.createRouter({ mediaCodecs });
    const mimeTypes = router.rtpCapabilities.codecs?.map((c) => c.mimeType) ?? [];
    expect(mimeTypes).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));

    const transport = await router.createWebRtcTransport({ webRtcServer, enableUdp: true, enableTcp: true });
    const protocols = transport.iceCandidates.map((c) => c.protocol).sort();
    expect(protocols).toEqual(['tcp', 'udp']);
    expect(transport.iceCandidates.every((c) => c.address === '127.0.0.1' && c.port > 0)).toBe(true);
    expect(transport.dtlsParameters.fingerprints.length).toBeGreaterThan(0);

    router.close();
    expect(transport.closed).toBe(true);
    const dump = await webRtcServer.dump();
    expect(dump.webRtcTransportIds).not.toContain(transport.id);
  });

  test('leastLoaded spreads work and can avoid a worker', () => {
    const [a, b] = pool.workers;
    if (!a || !b) throw new Error('expected two workers');
    a.load = 5;
    b.load = 1;
    expect(pool.leastLoaded().index).toBe(b.index);
    expect(pool.leastLoaded(new Set([b.index])).index).toBe(a.index);
    a.load = 0;
    b.load = 0;
  });

  test('a worker that dies is replaced in its slot', async () => {
    const victim = pool.workers[0];
    if (!victim) throw new Error('no worker');
    const replaced = new Promise<number>((resolve) =>
      pool.once('workerReplaced', (dead, replacement) => {
        expect(dead.index).toBe(0);
        resolve(replacement.worker.pid);
      }),
    );
    process.kill(victim.worker.pid, 'SIGKILL');
    const newPid = await replaced;
    expect(newPid).not.toBe(victim.worker.pid);
    expect(pool.health().every((w) => w.alive)).toBe(true);
  });
});
