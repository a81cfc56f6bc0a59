const SERVED = /\.(m3u8|ts|vtt)$/;

/**
 * Whether a request path under /hls names a file viewers may fetch, judged after percent-decoding
 * (the static file server decodes before it opens the file, so `session%2ejson` is session.json):
 * `<session>/<file>` or `<session>/<rendition>/<file>`, playlists, segments and captions only, no
 * empty, dot or hidden segments and no separators hidden in a segment.
 */
export function hlsPathAllowed(requestPath: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return false;
  }
  if (!decoded.startsWith('/') || /[\\\0]/.test(decoded)) return false;
  const segments = decoded.slice(1).split('/');
  if (segments.length < 2 || segments.length > 3) return false;
  if (segments.some((s) => s.length === 0 || s.startsWith('.') || s.includes('%'))) return false;
  return SERVED.test(segments.at(-1) ?? '');
}
