import fs from 'node:fs';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Express, type Request, type Router } from 'express';
import type { Registry } from 'prom-client';
import { etagOf, sendCached, type CachedBody } from './cached';
import { hlsRoutes } from './hlsRoutes';
import { securityHeaders } from './securityHeaders';

export interface HealthReport {
  ok: boolean;
  /** This node's id in the cluster. */
  node?: string;
  /** The dependencies that are down: 'redis' (or 'store'), 'media-workers', 'disk', 'hls-dir' (HLS_DIR not shared with every node). */
  down?: string[];
  checks: Record<string, { ok: boolean; [detail: string]: unknown }>;
}

/** The HTTP side: health, metrics, and the built client (with history-API fallback). */
export function createHttpApp({ health, metrics, clientDist, api, onError, hlsDir, hlsSegmentSeconds = 1, opsAllowed = () => Promise.resolve(false), secure = false, trustProxy = false }: {
  health: () => Promise<HealthReport>;
  metrics: Registry;
  clientDist: string;
  api: Router;
  onError: ErrorRequestHandler;
  hlsDir?: string | undefined;
  /** The configured segment length, which sets how long a live playlist may be cached. */
  hlsSegmentSeconds?: number;
  /** Whether a request may read /metrics and the /healthz details. */
  opsAllowed?: (req: Request) => Promise<boolean>;
  /** Served over HTTPS (SECURE_COOKIES): adds HSTS. */
  secure?: boolean;
  /** Who may name the client's address in X-Forwarded-For (express `trust proxy`); by default nobody. */
  trustProxy?: string | number | false;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy);
  app.use(securityHeaders({ secure }));
  app.use('/api', api);
  if (hlsDir) app.use('/hls', hlsRoutes({ hlsDir, segmentSeconds: hlsSegmentSeconds, metrics }));

  // Anyone may ask whether the node is up; paths, pids and workers are for the bureau and its scraper.
  app.get('/healthz', async (req, res) => {
    const report = await health();
    res.status(report.ok ? 200 : 503).set('Cache-Control', 'no-store').json((await opsAllowed(req)) ? report : { ok: report.ok });
  });

  app.get('/metrics', async (req, res) => {
    if (!(await opsAllowed(req))) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: { code: 'UNAUTHORIZED', message: 'sign in as bureau staff or send the metrics token' } });
      return;
    }
    res.set('Content-Type', metrics.contentType).set('Cache-Control', 'no-store').send(await metrics.metrics());
  });

  // The page shell is read once and served from memory: no disk read per page, and no path check
  // that refuses an install under a hidden directory (`send` rejects an absolute path with a dot
  // segment, e.g. ~/.cache/…). The static files below are served relative to their root, which
  // `send` does not check.
  const page = readPage(path.join(clientDist, 'index.html'));
  if (page) {
    app.use('/assets', express.static(path.join(clientDist, 'assets'), { immutable: true, maxAge: '1y' }));
    app.use(express.static(clientDist, { index: false, maxAge: 0 }));
    app.get(/^\/(?!api\/|assets\/|socket\.io\/|hls\/|healthz|metrics).*/, (req, res) => {
      sendCached(req, res, page, 'no-cache', 'text/html; charset=utf-8');
    });
  }
  app.use(onError);
  return app;
}

/** The built page shell, or undefined when the client is not built. */
function readPage(file: string): CachedBody | undefined {
  let body: Buffer;
  try {
    body = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  return { body, etag: etagOf(body) };
}
