import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { startRtpSource, TEST_RTP } from '../harness/rtpSource';
import { connect, requestOk, type TestSocket } from '../harness/socketClient';
import { e2eFixture } from './fixture';

const run = promisify(execFile);
const FRAME = 1 / 25;

const segmentsOf = (file: string): string[] =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.endsWith('.ts')) : [];

/**
 * The widest jump between consecutive packets of each stream across the given segments, read as one
 * MPEG-TS stream (segments are cut from one continuous stream, so their bytes concatenate): each
 * packet should start where the previous one ended.
 */
async function widestJump(files: string[]): Promise<Record<'video' | 'audio', number>> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'packet=codec_type,pts_time,duration_time', '-of', 'csv=p=0', `concat:${files.join('|')}`], { maxBuffer: 64 * 1024 * 1024 });
  const packets = { video: [] as Array<[number, number]>, audio: [] as Array<[number, number]> };
  for (const line of stdout.trim().split('\n')) {
    const [type, pts, duration] = line.split(',');
    if ((type === 'video' || type === 'audio') && Number.isFinite(Number(pts))) packets[type].push([Number(pts), Number(duration) || 0]);
  }
  const widest = (list: Array<[number, number]>): number => {
    const sorted = [...list].sort((x, y) => x[0] - y[0]);
    let jump = 0;
    for (let i = 1; i < sorted.length; i += 1) jump = Math.max(jump, Math.abs(sorted[i]![0] - (sorted[i - 1]![0] + sorted[i - 1]![1])));
    return jump;
  };
  expect(packets.video.length).toBeGreaterThan(100);
  expect(packets.audio.length).toBeGreaterThan(100);
  return { video: widest(packets.video), audio: widest(packets.audio) };
}

describe('the programme never restarts for ordinary stage events', () => {
  const fx = e2eFixture({ HLS_ENABLED: 'true', HLS_RENDITIONS: '360p,audio', MEDIA_WORKERS: '1' });

  test('10 mutes and unmutes and 5 spotlight moves in 60 s with host, co-host and interpreter publishing: same encoder, no discontinuity, a continuous timeline, no HLS stall over 1 s', async () => {
    const { server, browser } = fx;
    const sockets: TestSocket[] = [];
    const sources: Array<ReturnType<typeof startRtpSource>> = [];
    try {
      const host = await connect(server.url);
      sockets.push(host);
      const hostJoined = await requestOk(host, 'stage:join', { sessionId: 'demo', role: 'host', token: await server.tokens.issue({ sid: 'demo', role: 'host', sub: 'h' }) });
      const guests: Record<'cohost' | 'interpreter', string> = { cohost: '', interpreter: '' };
      for (const role of ['cohost', 'interpreter'] as const) {
        const invite = await requestOk(host, 'stage:invite', { role });
        const socket = await connect(server.url);
        sockets.push(socket);
        guests[role] = (await requestOk(socket, 'stage:join', { sessionId: 'demo', role, token: invite.token })).peerId;
      }
      const stage = (await server.directory.get('demo' as never))!;
      const microphones = [];
      const keyframeRequests: number[] = [];
      let ssrc = 50_000_000;
      for (const peerId of [hostJoined.peerId, guests.cohost, guests.interpreter]) {
        const s = { video: ssrc++, audio: ssrc++ };
        // A camera that takes keyframe requests (PLI), as a browser's does.
        const codecs = TEST_RTP.video.codecs.map((c) => ({ ...c, rtcpFeedback: [{ type: 'nack', parameter: 'pli' }] }));
        const video = await stage.room.ingest({ peerId: peerId as never, kind: 'video', source: 'camera', rtpParameters: { codecs, encodings: [{ ssrc: s.video }] } });
        const audio = await stage.room.ingest({ peerId: peerId as never, kind: 'audio', source: 'microphone', rtpParameters: { ...TEST_RTP.audio, encodings: [{ ssrc: s.audio }] } });
        microphones.push(audio.producer);
        // Every keyframe request the camera gets from the server (PLI or FIR sent upstream), timed.
        await video.producer.enableTraceEvent(['pli', 'fir']);
        video.producer.on('trace', () => keyframeRequests.push(Date.now()));
        sources.push(startRtpSource({ video, audio, ssrc: s, seconds: 150 }));
      }

      const viewer = await browser.open(`${server.url}/watch/demo?mode=hls`, { viewport: { width: 360, height: 640 } });
      await viewer.page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 1, undefined, { timeout: 45_000 });
      // The longest time the picture stood still while it should play, from currentTime and `waiting`.
      await viewer.page.evaluate(() => {
        const video = document.querySelector('video')!;
        const w = window as unknown as { stall: { longest: number; waiting: number; since: number; last: number } };
        w.stall = { longest: 0, waiting: 0, since: performance.now(), last: video.currentTime };
        video.addEventListener('waiting', () => (w.stall.waiting += 1));
        setInterval(() => {
          const now = performance.now();
          if (video.currentTime !== w.stall.last) {
            w.stall.last = video.currentTime;
            w.stall.since = now;
          } else w.stall.longest = Math.max(w.stall.longest, now - w.stall.since);
        }, 50);
      });

      const feed = server.hls!.feed('demo')!;
      const pid = feed.pid;
      // Nothing switched: no camera is asked for a keyframe (the encoder makes its own every segment).
      const quietFrom = Date.now();
      await new Promise((r) => setTimeout(r, 4000));
      expect(keyframeRequests.filter((t) => t >= quietFrom)).toEqual([]);
      expect(pid).toBeGreaterThan(0);
      const dir = server.hls!.sessionDir('demo');
      const firstSegment = segmentsOf(path.join(dir, '360p/vod.m3u8')).length;
      const spotlight = [guests.cohost, hostJoined.peerId, guests.cohost, undefined, guests.cohost];
      const started = Date.now();
      for (let i = 0; i < 10; i += 1) {
        const mic = microphones[i % 2]!;
        await mic.pause();
        await new Promise((r) => setTimeout(r, 1200));
        await mic.resume();
        if (i % 2 === 1) await requestOk(host, 'program:spotlight', { peerId: spotlight[(i - 1) / 2], followSpeaker: false });
        await new Promise((r) => setTimeout(r, 1200));
      }
      const elapsed = Date.now() - started;
      console.log(`[measure] 10 mutes/unmutes and 5 spotlight moves took ${(elapsed / 1000).toFixed(1)} s`);
      expect(elapsed).toBeLessThan(60_000);
      await new Promise((r) => setTimeout(r, 3000));
      const requested = keyframeRequests.filter((t) => t >= started).length;
      console.log(`[measure] keyframe requests upstream during 5 spotlight moves and 10 mutes: ${requested}`);
      // Only for cameras switched in (the consumer's resume and the feed each ask once), none for a mute.
      expect(requested).toBeGreaterThanOrEqual(5);
      expect(requested).toBeLessThanOrEqual(15);

      // One encoder all along.
      expect(feed.pid).toBe(pid);
      const stall = await viewer.page.evaluate(() => (window as unknown as { stall: { longest: number; waiting: number } }).stall);
      console.log(`[measure] HLS viewer through the stage events: longest stall ${Math.round(stall.longest)} ms, ${stall.waiting} waiting events`);
      expect(stall.longest).toBeLessThan(1000);

      expect(viewer.errors).toEqual([]);
      await viewer.close();
      await Promise.all(sources.map((s) => s.stop()));
      for (const variant of ['360p', 'audio']) {
        expect(fs.readFileSync(path.join(dir, variant, 'index.m3u8'), 'utf8')).not.toContain('#EXT-X-DISCONTINUITY');
        expect(fs.readFileSync(path.join(dir, variant, 'vod.m3u8'), 'utf8')).not.toContain('#EXT-X-DISCONTINUITY');
      }
      // Each segment starts where the previous one ended, within a frame or two: no gap, no jump.
      const segments = segmentsOf(path.join(dir, '360p/vod.m3u8')).slice(Math.max(0, firstSegment - 1));
      expect(segments.length).toBeGreaterThan(20);
      const worst = await widestJump(segments.map((segment) => path.join(dir, '360p', segment)));
      console.log(`[measure] programme timeline over ${segments.length} segments: widest jump between packets, video ${(worst.video * 1000).toFixed(1)} ms, audio ${(worst.audio * 1000).toFixed(1)} ms`);
      expect(worst.video).toBeLessThanOrEqual(2 * FRAME + 0.001);
      expect(worst.audio).toBeLessThanOrEqual(2 * FRAME + 0.001);
    } finally {
      await Promise.all(sources.map((s) => s.stop()));
      for (const s of sockets) s.close();
    }
  }, 240_000);
});
