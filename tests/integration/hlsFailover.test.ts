import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startRtpSource, TEST_RTP } from '../harness/rtpSource';
import { startTestServer, type TestServer } from '../harness/server';
import { StageDriver, nextEvent, type Participant } from '../harness/stage';
import { waitFor } from '../harness/waitFor';

const SESSION = 'hls-failover';


/** The numbers of the segments a media playlist lists now (it may be a sliding window). */
const segmentNumbers = (file: string): number[] =>
  fs.existsSync(file)
    ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.endsWith('.ts')).map((l) => Number(/(\d+)\.ts$/.exec(l)?.[1] ?? NaN))
    : [];

describe('the HLS programme when the worker under the stage dies', () => {
  let server: TestServer;
  let driver: StageDriver;
  let host: Participant;
  const sources: Array<ReturnType<typeof startRtpSource>> = [];

  async function stage() {
    const s = await server.directory.get(SESSION as never);
    if (!s) throw new Error('the stage is not open');
    return s;
  }

  /** The on-site encoder (an RTP test source) publishing into the stage's origin router. */
  async function publish(): Promise<void> {
    const s = await stage();
    const video = await s.room.ingest({ peerId: host.peerId as never, kind: 'video', source: 'camera', rtpParameters: TEST_RTP.video });
    const audio = await s.room.ingest({ peerId: host.peerId as never, kind: 'audio', source: 'microphone', rtpParameters: TEST_RTP.audio });
    sources.push(startRtpSource({ video, audio }));
  }

  beforeAll(async () => {
    server = await startTestServer({ HLS_ENABLED: 'true', HLS_RENDITIONS: '360p,audio', MEDIA_WORKERS: '2', MEDIA_RESPAWN_DELAY_MS: '500' });
    driver = new StageDriver(server);
    host = await driver.join(SESSION, 'host');
    await publish();
  });
  afterAll(async () => {
    for (const s of sources) await s.stop();
    driver.closeAll();
    await server.stop();
  });

  test('the programme re-attaches to the new origin router and the same playlist goes on', async () => {
    const playlist = path.join(server.hls!.sessionDir(SESSION), '360p/index.m3u8');
    await waitFor('two segments', () => segmentNumbers(playlist).length >= 2, 20_000);
    const origin = (await stage()).room.origin;
    const dumps = await Promise.all(server.pool.workers.map(async (w) => ({ w, d: await w.worker.dump() })));
    const owner = dumps.find(({ d }) => d.routerIds.includes(origin.id))!.w;
    const moved = nextEvent(host.socket, 'media:moved');
    process.kill(owner.worker.pid, 'SIGKILL');
    await moved;
    const last = Math.max(...segmentNumbers(playlist));
    await sources.shift()!.stop();
    await publish();

    // The programme consumes the new producers from the new origin router.
    const newOrigin = (await stage()).room.origin;
    expect(newOrigin).not.toBe(origin);
    const producers = (await stage()).room.producers().map((p) => p.producerId);
    await expect
      .poll(async () => (await newOrigin.dump()).mapProducerIdConsumerIds.filter((e) => producers.includes(e.key as never) && e.values.length > 0).length, {
        timeout: 15_000,
      })
      .toBe(2);
    // And segments made from them are appended to the same playlist.
    await waitFor('two new segments after the worker died', () => segmentNumbers(playlist).filter((n) => n > last).length >= 2, 30_000);
    const numbers = segmentNumbers(playlist);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect((await stage()).closed).toBe(false);
  });
});
