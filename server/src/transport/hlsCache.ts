import type { HlsFileKind } from './hlsPaths';

/** A year: segments never change once written. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** A finished replay playlist never changes again (an ended session is never live again). */
const FINISHED_SECONDS = 86_400;
/** Master and replay playlists: written when the programme starts, listing the same renditions. */
const MASTER_SECONDS = 5;
/** Captions are written when the session ends. */
const CAPTIONS_SECONDS = 60;
/**
 * A file that does not exist yet (a playlist polled before go-live, a segment one poll early): one
 * second, so that a cache shields the node from a polling crowd without keeping a player waiting.
 */
export const HLS_NOT_FOUND_CACHE_CONTROL = 'public, max-age=1';
/**
 * A path that can never name a served file (`./`, `//`, `x/../`, `%2e`, a hidden file): stored by no
 * cache. A cache normalises the path before it keys on it, so a refusal of `/s/360p/./seg_1.ts`
 * would be kept under the real segment's name and served to every player in its place.
 */
export const HLS_REFUSED_CACHE_CONTROL = 'no-store';

/** The seconds a live playlist may be held: about half a segment, never less than one second. */
export function livePlaylistMaxAge(segmentSeconds: number): number {
  return Math.max(1, Math.round(segmentSeconds / 2));
}

/**
 * How long a playlist must have stood still, with an ENDLIST, before it counts as finished: an
 * encoder that stops cleanly writes ENDLIST and one that restarts after it rewrites the playlist
 * within a few seconds, so an ENDLIST younger than this may still be followed by more segments.
 */
export function finishedAfterMs(segmentSeconds: number): number {
  return Math.max(10_000, 4 * segmentSeconds * 1000);
}

export interface PlaylistState {
  /** The playlist carries `#EXT-X-ENDLIST`. */
  endList: boolean;
  /** Milliseconds since the file was last written. */
  ageMs: number;
}

/**
 * The Cache-Control of a file under /hls, chosen so that a CDN or nginx can hold every file for as
 * long as it cannot have changed: live playlists about half a segment, segments for ever.
 */
export function hlsCacheControl(kind: HlsFileKind, { segmentSeconds, playlist }: { segmentSeconds: number; playlist?: PlaylistState | undefined }): string {
  switch (kind) {
    case 'segment':
      return IMMUTABLE;
    case 'captions':
      return `public, max-age=${CAPTIONS_SECONDS}`;
    case 'master':
      return `public, max-age=${MASTER_SECONDS}`;
    case 'live':
    case 'vod':
      if (playlist?.endList && playlist.ageMs >= finishedAfterMs(segmentSeconds)) return `public, max-age=${FINISHED_SECONDS}`;
      return `public, max-age=${livePlaylistMaxAge(segmentSeconds)}`;
  }
}
