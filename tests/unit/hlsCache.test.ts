import { describe, expect, test } from 'vitest';
import { finishedAfterMs, HLS_NOT_FOUND_CACHE_CONTROL, hlsCacheControl, livePlaylistMaxAge } from '../../server/src/transport/hlsCache';
import { hlsFileKind } from '../../server/src/transport/hlsPaths';

const maxAge = (cacheControl: string): number => Number(/max-age=(\d+)/.exec(cacheControl)?.[1]);

describe('hlsFileKind', () => {
  test.each([
    ['/demo/master.m3u8', 'master'],
    ['/demo/replay.m3u8', 'master'],
    ['/demo/360p/index.m3u8', 'live'],
    ['/demo/audio/index.m3u8', 'live'],
    ['/demo/360p/vod.m3u8', 'vod'],
    ['/demo/360p/seg_00001.ts', 'segment'],
    ['/demo/captions.vtt', 'captions'],
  ])('%s is a %s file', (p, kind) => {
    expect(hlsFileKind(p)).toBe(kind);
  });
});

describe('hlsCacheControl', () => {
  test('segments are public and immutable for a year', () => {
    expect(hlsCacheControl('segment', { segmentSeconds: 1 })).toBe('public, max-age=31536000, immutable');
  });

  test.each([
    [1, 1],
    [2, 1],
    [4, 2],
    [6, 3],
  ])('a live playlist of %i-second segments may be held %i s (about half a segment, at least 1 s)', (segmentSeconds, seconds) => {
    expect(livePlaylistMaxAge(segmentSeconds)).toBe(seconds);
    expect(hlsCacheControl('live', { segmentSeconds, playlist: { endList: false, ageMs: 0 } })).toBe(`public, max-age=${seconds}`);
  });

  test('a replay playlist still growing is cached like a live one', () => {
    expect(hlsCacheControl('vod', { segmentSeconds: 2, playlist: { endList: false, ageMs: 60_000 } })).toBe('public, max-age=1');
  });

  test('a playlist with ENDLIST that has stood still is held for a day, live or replay', () => {
    for (const kind of ['vod', 'live'] as const) {
      expect(maxAge(hlsCacheControl(kind, { segmentSeconds: 1, playlist: { endList: true, ageMs: finishedAfterMs(1) } }))).toBe(86_400);
    }
  });

  test('an ENDLIST just written (an encoder stopping to restart writes one) is still cached as live', () => {
    expect(hlsCacheControl('live', { segmentSeconds: 1, playlist: { endList: true, ageMs: 500 } })).toBe('public, max-age=1');
    expect(finishedAfterMs(6)).toBeGreaterThanOrEqual(4 * 6 * 1000);
  });

  test('master and replay playlists have a short max-age, captions a little longer', () => {
    expect(maxAge(hlsCacheControl('master', { segmentSeconds: 1 }))).toBeLessThanOrEqual(5);
    expect(hlsCacheControl('master', { segmentSeconds: 1 })).toMatch(/^public, /);
    expect(maxAge(hlsCacheControl('captions', { segmentSeconds: 1 }))).toBeLessThanOrEqual(60);
  });

  test('a file not written yet is cached for one second only', () => {
    expect(HLS_NOT_FOUND_CACHE_CONTROL).toBe('public, max-age=1');
  });
});
