import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { apiClient, bureauClient } from '../harness/api';
import { ProgramFeed } from '../../server/src/media/hls/programFeed';
import { createLogger } from '../../server/src/logger';
import { startRtpSource, TEST_RTP } from '../harness/rtpSource';
import { startTestServer, TEST_METRICS_TOKEN, type TestServer } from '../harness/server';
import { connect, requestOk, type TestSocket } from '../harness/socketClient';
import { waitFor } from '../harness/waitFor';

const run = promisify(execFile);


const segmentsOf = (file: string): string[] =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.endsWith('.ts')) : [];

async function probe(file: string) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
  return JSON.parse(stdout) as { streams: Array<{ codec_type: string; codec_name: string; height?: number }>; format: { duration: string } };
}

describe('HLS for the mass audience, and the replay', () => {
  let server: TestServer;
  let host: TestSocket;
  let source: ReturnType<typeof startRtpSource>;
  let dir: string;
  let vacancies: Vacancy[];

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', HLS_ENABLED: 'true', HLS_RENDITIONS: '360p,audio', MEDIA_WORKERS: '1' });
    vacancies = (await (await bureauClient(server.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    host = await connect(server.url);
    const joined = await requestOk(host, 'stage:join', { sessionId: 'demo', role: 'host', token: await server.tokens.issue({ sid: 'demo', role: 'host', sub: 'h' }) });
    const stage = (await server.directory.get('demo' as never))!;
    const peerId = joined.peerId;
    const video = await stage.room.ingest({ peerId, kind: 'video', source: 'camera', rtpParameters: TEST_RTP.video });
    const audio = await stage.room.ingest({ peerId, kind: 'audio', source: 'microphone', rtpParameters: TEST_RTP.audio });
    source = startRtpSource({ video, audio });
    dir = server.hls!.sessionDir('demo');
  });
  afterAll(async () => {
    await source?.stop();
    host?.close();
    await server?.stop();
  });

  test('the playlist appears within 10 s and its segments are valid H.264 360p and AAC', async () => {
    const started = Date.now();
    await requestOk(host, 'vacancy:pin', { vacancyId: vacancies[0]!.id });
    const segments = await waitFor('two 360p segments', () => {
      const s = segmentsOf(path.join(dir, '360p/index.m3u8'));
      return s.length >= 2 && s;
    });
    console.log(`[measure] stage producing → second HLS segment written: ${Date.now() - started} ms`);
    expect(fs.readFileSync(path.join(dir, 'master.m3u8'), 'utf8')).toMatch(/360p\/index\.m3u8[\s\S]*audio\/index\.m3u8/);
    const info = await probe(path.join(dir, '360p', segments[0]!));
    const videoStream = info.streams.find((s) => s.codec_type === 'video');
    expect(videoStream).toMatchObject({ codec_name: 'h264', height: 360 });
    expect(info.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
    expect(Number(info.format.duration)).toBeGreaterThan(0.5);
    expect(Number(info.format.duration)).toBeLessThan(2.5);
  });

  test('the audio-only rendition carries no video stream', async () => {
    const segments = await waitFor('an audio segment', () => {
      const s = segmentsOf(path.join(dir, 'audio/index.m3u8'));
      return s.length >= 1 && s;
    });
    const info = await probe(path.join(dir, 'audio', segments[0]!));
    expect(info.streams.map((s) => s.codec_type)).toEqual(['audio']);
  });

  test('playlists and segments are served with the right cache headers and CORS', async () => {
    const playlist = await fetch(`${server.url}/hls/demo/360p/index.m3u8`);
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('cache-control')).toBe('public, max-age=1');
    expect(playlist.headers.get('access-control-allow-origin')).toBe('*');
    const first = segmentsOf(path.join(dir, '360p/index.m3u8'))[0]!;
    const segment = await fetch(`${server.url}/hls/demo/360p/${first}`);
    expect(segment.status).toBe(200);
    expect(segment.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}/hls/demo/session.json`)).status).toBe(404);
    
  });

  test('killing the encoder (SIGKILL) brings a new one that continues the same playlists after one discontinuity', async () => {
    const feed = server.hls!.feed('demo')!;
    const before = segmentsOf(path.join(dir, '360p/vod.m3u8'));
    expect(fs.readFileSync(path.join(dir, '360p/vod.m3u8'), 'utf8')).not.toContain('#EXT-X-DISCONTINUITY');
    const oldPid = feed.pid!;
    const restarted = new Promise<number>((resolve) => feed.once('started', resolve));
    process.kill(oldPid, 'SIGKILL');
    const newPid = await restarted;
    expect(newPid).not.toBe(oldPid);
    await requestOk(host, 'vacancy:pin', { vacancyId: vacancies[1]!.id });
    const after = await waitFor('new segments after the restart', () => {
      const s = segmentsOf(path.join(dir, '360p/vod.m3u8'));
      return s.length >= before.length + 2 && s;
    });
    // Same playlist: every earlier segment is still listed, first, and numbering went on.
    expect(after.slice(0, before.length)).toEqual(before);
    const numbers = after.map((s) => Number(/(\d+)\.ts$/.exec(s)![1]));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const variant of ['360p', 'audio']) {
      expect(fs.readFileSync(path.join(dir, variant, 'vod.m3u8'), 'utf8').match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
      expect(fs.readFileSync(path.join(dir, variant, 'index.m3u8'), 'utf8')).toMatch(/#EXT-X-DISCONTINUITY(-SEQUENCE:1)?\n/);
    }
  });

  test('stage changes never start a second encoder: one mixer process, the same pid, whatever the inputs do', async () => {
    const stage = (await server.directory.get('demo' as never))!;
    const all = stage.room.feedSources();
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-feed-'));
    const feed = new ProgramFeed({ router: stage.room.origin, outDir, renditions: ['audio'], segmentSeconds: 1, pythonPath: '/usr/bin/python3', logger: createLogger({ level: 'silent', pretty: false }) });
    const mixers = async (): Promise<number> => {
      const { stdout } = await run('pgrep', ['-f', `program_mixer.py.*${outDir}`]).catch(() => ({ stdout: '' }));
      return stdout.split('\n').filter(Boolean).length;
    };
    let started = 0;
    feed.on('started', () => started++);
    try {
      feed.setSources(all);
      await new Promise((r) => setTimeout(r, 50));
      feed.setSources(all.filter((s) => s.producer.kind === 'audio'));
      await new Promise((r) => setTimeout(r, 20));
      feed.setSources(all.filter((s) => s.producer.kind === 'video'));
      feed.setSources(all);
      await waitFor('segments from the one mixer', () => segmentsOf(path.join(outDir, 'audio/index.m3u8')).length >= 2);
      expect(started).toBe(1);
      expect(await mixers()).toBe(1);
    } finally {
      await feed.close();
    }
    expect(await mixers()).toBe(0);
    fs.rmSync(outDir, { recursive: true, force: true });
  }, 30_000);

  test('an interpreter on stage goes picture-in-picture in the programme', async () => {
    const invite = await requestOk(host, 'stage:invite', { role: 'interpreter' });
    const interpreter = await connect(server.url);
    const joined = await requestOk(interpreter, 'stage:join', { sessionId: 'demo', role: 'interpreter', token: invite.token });
    const stage = (await server.directory.get('demo' as never))!;
    const feed = server.hls!.feed('demo')!;
    const pid = feed.pid;
    const pipVideo = await stage.room.ingest({ peerId: joined.peerId, kind: 'video', source: 'camera', rtpParameters: { ...TEST_RTP.video, encodings: [{ ssrc: 33333333 }] } });
    const pipAudio = await stage.room.ingest({ peerId: joined.peerId, kind: 'audio', source: 'microphone', rtpParameters: { ...TEST_RTP.audio, encodings: [{ ssrc: 44444444 }] } });
    const pipSource = startRtpSource({ video: pipVideo, audio: pipAudio, ssrc: { video: 33333333, audio: 44444444 } });
    try {
      const before = segmentsOf(path.join(dir, '360p/vod.m3u8')).length;
      await waitFor('segments with the interpreter in', () => segmentsOf(path.join(dir, '360p/vod.m3u8')).length >= before + 2);
      // The interpreter's camera sits in the bottom-right corner of the picture, over the host's.
      await waitFor('the interpreter in the layout', () => feed.layout[pipVideo.producer.id]?.alpha === 1);
      expect(Object.values(feed.layout).filter((b) => b.alpha === 1).map((b) => [b.zorder, b.width < 640])).toEqual([[1, false], [2, true]]);
      expect(feed.layout[pipVideo.producer.id]).toMatchObject({ zorder: 2, alpha: 1 });
      expect(feed.pid).toBe(pid);
    } finally {
      await pipSource.stop();
      interpreter.close();
    }
  });

  test('ending the session finalizes a VOD replay with one chapter per pinned vacancy, in pin order', async () => {
    await requestOk(host, 'caption:send', { text: '欢迎收看春风行动直播带岗' });
    await new Promise((r) => setTimeout(r, 1500));
    await requestOk(host, 'stage:end', {});
    const playlist = await waitFor('the finalized playlist', () => {
      const text = fs.readFileSync(path.join(dir, '360p/vod.m3u8'), 'utf8');
      return text.includes('#EXT-X-ENDLIST') && text;
    });
    expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    const replay = await apiClient(server.url).get<{ master: string; duration: number; captions: string | null; chapters: Array<{ itemId: string; start: number; end: number; vacancy: { title: string } }> }>(
      '/public/sessions/demo/replay',
    );
    expect(replay.status).toBe(200);
    expect(replay.body.master).toBe('/hls/demo/replay.m3u8');
    expect((await fetch(`${server.url}${replay.body.master}`)).status).toBe(200);
    expect(fs.readFileSync(path.join(dir, '360p/index.m3u8'), 'utf8')).toContain('#EXT-X-ENDLIST');
    // The replay carries the captions.
    const vtt = await fetch(`${server.url}/hls/demo/captions.vtt`);
    expect(vtt.headers.get('content-type')).toContain('text/vtt');
    expect(await vtt.text()).toMatch(/^WEBVTT[\s\S]*-->[\s\S]*欢迎收看春风行动直播带岗/);
    expect(replay.body.chapters.map((c) => c.itemId)).toEqual([vacancies[0]!.id, vacancies[1]!.id]);
    const [a, b] = replay.body.chapters;
    expect(a!.start).toBeLessThan(a!.end);
    expect(a!.end).toBeLessThanOrEqual(b!.start + 0.001);
    // The last pin closes when the session ends. Program date-times are ffmpeg's wall clock at the
    // muxer, a second or two from capture, so chapter edges are that accurate.
    expect(Math.abs(b!.end - replay.body.duration)).toBeLessThan(4);
    expect(b!.vacancy.title).toBe(vacancies[1]!.title);
    const health = (await (await fetch(`${server.url}/healthz`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).json()) as { checks: { hls: { diskBytes: number } } };
    expect(health.checks.hls.diskBytes).toBeGreaterThan(10_000);
    // Once the replay is written the node keeps nothing of the session's programme: no feed, no readiness, no close pending.
    await waitFor('the HLS feed let go', () => server.sessionFootprint().released['hlsFeeds'] === 0, 15_000);
  });
});
