import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LIVE_WINDOW, VariantPlaylists, writeMasterPlaylists } from '../../server/src/media/hls/livePlaylists';
import { mediaTimeAt, parseMediaPlaylist } from '../../server/src/media/hls/playlist';

const PLAYLIST = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:EVENT
#EXT-X-DISCONTINUITY
#EXT-X-PROGRAM-DATE-TIME:2026-01-01T10:00:00.000+0000
#EXTINF:1.000000,
seg_00000.ts
#EXTINF:1.000000,
seg_00001.ts
#EXT-X-DISCONTINUITY
#EXT-X-PROGRAM-DATE-TIME:2026-01-01T10:00:10.000+0000
#EXTINF:2.000000,
seg_00002.ts
`;

describe('HLS playlists', () => {
  test('segments get their media start and wall-clock time', () => {
    const { segments, ended } = parseMediaPlaylist(PLAYLIST);
    expect(ended).toBe(false);
    expect(segments.map((s) => [s.uri, s.start])).toEqual([
      ['seg_00000.ts', 0],
      ['seg_00001.ts', 1],
      ['seg_00002.ts', 2],
    ]);
    expect(segments[1]!.programDateTime).toBe(Date.parse('2026-01-01T10:00:01.000Z'));
  });

  test('a wall-clock instant maps to media time, across a gap from an ffmpeg restart', () => {
    const { segments } = parseMediaPlaylist(PLAYLIST);
    expect(mediaTimeAt(segments, Date.parse('2026-01-01T10:00:00.500Z'))).toBeCloseTo(0.5);
    // During the gap (nothing was recorded) the chapter starts where recording resumed.
    expect(mediaTimeAt(segments, Date.parse('2026-01-01T10:00:05.000Z'))).toBeCloseTo(2);
    expect(mediaTimeAt(segments, Date.parse('2026-01-01T10:00:11.000Z'))).toBeCloseTo(3);
    expect(mediaTimeAt(segments, Date.parse('2025-12-31T00:00:00.000Z'))).toBe(0);
  });

  test('the live playlist is a sliding window of the last segments; the VOD playlist keeps them all', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-pl-'));
    const playlists = new VariantPlaylists({ dir, segmentSeconds: 1 });
    const t0 = Date.parse('2026-01-01T10:00:00.000Z');
    for (let i = 0; i < 20; i += 1) playlists.append({ file: `seg_${String(i).padStart(5, '0')}.ts`, duration: 1, pdt: t0 + i * 1000 });
    const live = parseMediaPlaylist(fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8'));
    expect(live.segments).toHaveLength(LIVE_WINDOW);
    expect(LIVE_WINDOW).toBeGreaterThanOrEqual(6);
    expect(LIVE_WINDOW).toBeLessThanOrEqual(10);
    expect(live.mediaSequence).toBe(20 - LIVE_WINDOW);
    expect(live.segments[0]!.uri).toBe(`seg_${String(20 - LIVE_WINDOW).padStart(5, '0')}.ts`);
    expect(live.segments[0]!.programDateTime).toBe(t0 + (20 - LIVE_WINDOW) * 1000);
    const vodText = fs.readFileSync(path.join(dir, 'vod.m3u8'), 'utf8');
    const vod = parseMediaPlaylist(vodText);
    expect(vod.segments).toHaveLength(20);
    expect(vod.ended).toBe(false);
    expect(vodText).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(vodText).not.toContain('#EXT-X-DISCONTINUITY');
    playlists.end();
    playlists.end();
    const ended = fs.readFileSync(path.join(dir, 'vod.m3u8'), 'utf8');
    expect(ended).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(ended.match(/#EXT-X-ENDLIST/g)).toHaveLength(1);
    expect(parseMediaPlaylist(fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8')).ended).toBe(true);
  });

  test('an encoder restart puts one discontinuity before its first segment, counted once it slides out of the window', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-pl-'));
    const playlists = new VariantPlaylists({ dir, segmentSeconds: 1 });
    const seg = (i: number) => ({ file: `seg_${String(i).padStart(5, '0')}.ts`, duration: 1, pdt: i * 1000 });
    playlists.append(seg(0));
    playlists.append(seg(1));
    playlists.markDiscontinuity();
    playlists.markDiscontinuity();
    expect(playlists.nextIndex).toBe(2);
    for (let i = 2; i < 4; i += 1) playlists.append(seg(i));
    const vod = fs.readFileSync(path.join(dir, 'vod.m3u8'), 'utf8');
    expect(vod.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
    expect(vod).toMatch(/seg_00001\.ts\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:[^\n]+\n#EXTINF:1\.000000,\nseg_00002\.ts/);
    for (let i = 4; i < 4 + LIVE_WINDOW; i += 1) playlists.append(seg(i));
    const live = fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8');
    expect(live).not.toContain('#EXT-X-DISCONTINUITY\n');
    expect(live).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1');
  });

  test('a feed started again over an earlier recording continues its numbering after a discontinuity', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-pl-'));
    const first = new VariantPlaylists({ dir, segmentSeconds: 1 });
    first.append({ file: 'seg_00000.ts', duration: 1, pdt: 0 });
    first.append({ file: 'seg_00001.ts', duration: 1, pdt: 1000 });
    const again = new VariantPlaylists({ dir, segmentSeconds: 1 });
    expect(again.nextIndex).toBe(2);
    again.append({ file: 'seg_00002.ts', duration: 1, pdt: 60_000 });
    const vod = parseMediaPlaylist(fs.readFileSync(path.join(dir, 'vod.m3u8'), 'utf8'));
    expect(vod.segments.map((s) => s.uri)).toEqual(['seg_00000.ts', 'seg_00001.ts', 'seg_00002.ts']);
    expect(fs.readFileSync(path.join(dir, 'vod.m3u8'), 'utf8').match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
  });

  test('a writer taking over never reuses the name of a segment a dead writer left unlisted', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-pl-'));
    const first = new VariantPlaylists({ dir, segmentSeconds: 1 });
    first.append({ file: 'seg_00000.ts', duration: 1, pdt: 0 });
    first.append({ file: 'seg_00001.ts', duration: 1, pdt: 1000 });
    // The old writer closed seg_00002.ts and seg_00003.ts, then died before listing them.
    for (const f of ['seg_00001.ts', 'seg_00002.ts', 'seg_00003.ts']) fs.writeFileSync(path.join(dir, f), 'x');
    const again = new VariantPlaylists({ dir, segmentSeconds: 1 });
    expect(again.nextIndex).toBe(4);
    again.append({ file: 'seg_00004.ts', duration: 1, pdt: 60_000 });
    const vod = parseMediaPlaylist(fs.readFileSync(path.join(dir, 'vod.m3u8'), 'utf8'));
    expect(vod.segments.map((s) => s.uri)).toEqual(['seg_00000.ts', 'seg_00001.ts', 'seg_00004.ts']);
    expect(fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8')).toContain('#EXT-X-MEDIA-SEQUENCE:0');
  });

  test("the live master lists each rendition's live playlist; the replay master its VOD playlist", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-pl-'));
    writeMasterPlaylists(dir, ['720p', '360p', 'audio']);
    const master = fs.readFileSync(path.join(dir, 'master.m3u8'), 'utf8');
    expect(master.split('\n').filter((l) => l.endsWith('.m3u8'))).toEqual(['720p/index.m3u8', '360p/index.m3u8', 'audio/index.m3u8']);
    expect(master).toContain('RESOLUTION=640x360');
    const replay = fs.readFileSync(path.join(dir, 'replay.m3u8'), 'utf8');
    expect(replay.split('\n').filter((l) => l.endsWith('.m3u8'))).toEqual(['720p/vod.m3u8', '360p/vod.m3u8', 'audio/vod.m3u8']);
  });
});

describe('captions as WebVTT', () => {
  test('each line runs until the next, on the replay timeline, as escaped text', async () => {
    const { captionsToVtt } = await import('../../server/src/media/hls/playlist');
    const { segments } = parseMediaPlaylist(PLAYLIST);
    const vtt = captionsToVtt(
      [
        { text: '欢迎来到春风行动专场', at: '2026-01-01T10:00:00.200Z' },
        { text: '<b>包吃住</b> --> 月薪5000', at: '2026-01-01T10:00:01.000Z' },
      ],
      segments,
    );
    expect(vtt).toBe(
      'WEBVTT\n\n1\n00:00:00.200 --> 00:00:01.000\n欢迎来到春风行动专场\n\n2\n00:00:01.000 --> 00:00:07.000\n&lt;b&gt;包吃住&lt;/b&gt; --&gt; 月薪5000\n',
    );
  });
});
