import fs from 'node:fs';
import path from 'node:path';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { bureauClient } from './api';
import { startRtpSource, TEST_RTP } from './rtpSource';
import type { TestServer } from './server';
import { connect, requestOk } from './socketClient';
import { waitFor } from './waitFor';

export interface RecordedReplay {
  /** The vacancies pinned, in order: one chapter each. */
  pinned: Vacancy[];
  /** The 360p rendition's finished playlist (VOD, ended). */
  playlist: string;
}

/**
 * A finished replay of the demo session through the real HLS pipeline (the server started with
 * HLS_ENABLED and a 360p rendition): RTP from ffmpeg into mediasoup as the host's camera and mic, the
 * first vacancies pinned in turn, each held for `chapters[i]` more segments, then the session ended
 * and its replay marked ended.
 */
export async function recordDemoReplay(server: TestServer, { chapters }: { chapters: readonly number[] }): Promise<RecordedReplay> {
  const bureau = await bureauClient(server.url);
  const vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
  const host = await connect(server.url);
  const joined = await requestOk(host, 'stage:join', { sessionId: 'demo', role: 'host', token: await server.tokens.issue({ sid: 'demo', role: 'host', sub: 'h' }) });
  const stage = (await server.directory.get('demo' as never))!;
  const video = await stage.room.ingest({ peerId: joined.peerId, kind: 'video', source: 'camera', rtpParameters: TEST_RTP.video });
  const audio = await stage.room.ingest({ peerId: joined.peerId, kind: 'audio', source: 'microphone', rtpParameters: TEST_RTP.audio });
  const source = startRtpSource({ video, audio });
  try {
    const playlist = path.join(server.hls!.sessionDir('demo'), '360p/vod.m3u8');
    const segments = (): number => (fs.existsSync(playlist) ? fs.readFileSync(playlist, 'utf8').split('\n').filter((l) => l.endsWith('.ts')).length : 0);
    await waitFor('the first segments', () => segments() >= 2, 20_000);
    const pinned = chapters.map((_, i) => vacancies[i]!);
    for (const [i, v] of pinned.entries()) {
      await requestOk(host, 'vacancy:pin', { vacancyId: v.id });
      const from = segments();
      await waitFor(`chapter ${i + 1} of ${chapters[i]!} segments`, () => segments() >= from + chapters[i]!, 20_000);
    }
    await requestOk(host, 'stage:end', {});
    await waitFor('the finalized replay', () => fs.readFileSync(playlist, 'utf8').includes('#EXT-X-ENDLIST'), 20_000);
    for (const deadline = Date.now() + 20_000; !(await server.hls!.hasReplay('demo')); ) {
      if (Date.now() > deadline) throw new Error('the replay was not marked ended');
      await new Promise((r) => setTimeout(r, 200));
    }
    return { pinned, playlist };
  } finally {
    await source.stop();
    host.close();
  }
}
