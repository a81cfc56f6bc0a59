import fs from 'node:fs/promises';
import path from 'node:path';
import express, { type Response, type Router } from 'express';
import { Counter, type Registry } from 'prom-client';
import { etagOf } from './cached';
import { HLS_NOT_FOUND_CACHE_CONTROL, HLS_REFUSED_CACHE_CONTROL, hlsCacheControl } from './hlsCache';
import { hlsFileKind, hlsPathAllowed, type HlsFileKind } from './hlsPaths';

const CONTENT_TYPES: Record<HlsFileKind, string> = {
  master: 'application/vnd.apple.mpegurl',
  live: 'application/vnd.apple.mpegurl',
  vod: 'application/vnd.apple.mpegurl',
  segment: 'video/mp2t',
  captions: 'text/vtt',
};

/**
 * `/hls`: the programme's playlists, segments and captions, shaped for a CDN or nginx in front
 * (deploy/nginx/): each file says how long it may be held (hlsCache.ts), playlists carry a content
 * ETag and Last-Modified and answer 304, a file not written yet is a 404 held for one second, and any
 * origin may read. Every request is counted in `chunfeng_hls_requests_total`, so the node's own load
 * behind a cache can be watched.
 */
export function hlsRoutes({ hlsDir, segmentSeconds, metrics, now = Date.now }: { hlsDir: string; segmentSeconds: number; metrics: Registry; now?: () => number }): Router {
  const requests = new Counter({
    name: 'chunfeng_hls_requests_total',
    help: 'requests the node answered under /hls, by file kind and status',
    labelNames: ['kind', 'status'],
    registers: [metrics],
  });
  const kindOf = (res: Response): HlsFileKind | 'refused' => (res.locals['hlsKind'] as HlsFileKind | undefined) ?? 'refused';
  const notFound = (res: Response, cacheControl: string): void => {
    res.status(404).set('Cache-Control', cacheControl).end();
  };

  const router = express.Router();
  router.use((req, res, next) => {
    res.on('finish', () => requests.inc({ kind: kindOf(res), status: String(res.statusCode) }));
    if (!hlsPathAllowed(req.path)) {
      notFound(res, HLS_REFUSED_CACHE_CONTROL);
      return;
    }
    res.locals['hlsKind'] = hlsFileKind(req.path);
    res.set('Access-Control-Allow-Origin', '*').set('Cross-Origin-Resource-Policy', 'cross-origin');
    next();
  });

  // Playlists are small and change every segment: read whole, tagged by their content.
  router.use(async (req, res, next) => {
    const kind = kindOf(res);
    if (kind !== 'master' && kind !== 'live' && kind !== 'vod') return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const file = path.join(hlsDir, decodeURIComponent(req.path));
    let text: Buffer;
    let mtimeMs: number;
    try {
      const handle = await fs.open(file, 'r');
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
        text = await handle.readFile();
        mtimeMs = stat.mtimeMs;
      } finally {
        await handle.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return notFound(res, HLS_NOT_FOUND_CACHE_CONTROL);
      return next(err);
    }
    const playlist = { endList: text.includes('#EXT-X-ENDLIST'), ageMs: now() - mtimeMs };
    res
      .set('Cache-Control', hlsCacheControl(kind, { segmentSeconds, playlist }))
      .set('Content-Type', CONTENT_TYPES[kind])
      .set('ETag', etagOf(text))
      .set('Last-Modified', new Date(mtimeMs).toUTCString());
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.send(text);
  });

  // Segments and captions: the static file server (ETag, Last-Modified, 304, ranges).
  router.use(
    express.static(hlsDir, {
      index: false,
      dotfiles: 'deny',
      redirect: false,
      setHeaders(res) {
        const kind = kindOf(res);
        if (kind === 'refused') return;
        res.setHeader('Cache-Control', hlsCacheControl(kind, { segmentSeconds }));
        res.setHeader('Content-Type', CONTENT_TYPES[kind]);
      },
    }),
  );
  router.use((_req, res) => notFound(res, HLS_NOT_FOUND_CACHE_CONTROL));
  return router;
}
