const SERVED = /\.(m3u8|ts|vtt)$/;

/**
 * Whether a request path under /hls names a file viewers may fetch, judged after percent-decoding
 * (the static file server decodes before it opens the file, so `session%2ejson` is session.json):
 * `<session>/<file>` or `<session>/<rendition>/<file>`, playlists, segments and captions only, no
 * empty, dot or hidden segments and no separators hidden in a segment (`%2f` is refused, not read as `/`).
 */
export function hlsPathAllowed(requestPath: string): boolean {
  if (!requestPath.startsWith('/')) return false;
  // Each segment is decoded on its own: an escaped separator (`s%2f360p`) would otherwise pass as two
  // segments here while the cache rules (hlsFileKind) read one, and be served under a second name.
  let segments: string[];
  try {
    segments = requestPath.slice(1).split('/').map((s) => decodeURIComponent(s));
  } catch {
    return false;
  }
  if (segments.length < 2 || segments.length > 3) return false;
  if (segments.some((s) => s.length === 0 || s.startsWith('.') || /[/\\\0%]/.test(s))) return false;
  return SERVED.test(segments.at(-1) ?? '');
}

/**
 * What an allowed /hls path names, for its cache rule: the session's master and replay playlists sit
 * beside the captions, each rendition's live (`index.m3u8`) and replay (`vod.m3u8`) playlists and its
 * segments one level down.
 */
export type HlsFileKind = 'master' | 'live' | 'vod' | 'segment' | 'captions';

export function hlsFileKind(requestPath: string): HlsFileKind {
  const segments = requestPath.split('/').filter(Boolean);
  const name = segments.at(-1) ?? '';
  if (name.endsWith('.ts')) return 'segment';
  if (name.endsWith('.vtt')) return 'captions';
  if (segments.length <= 2) return 'master';
  return name === 'vod.m3u8' ? 'vod' : 'live';
}
