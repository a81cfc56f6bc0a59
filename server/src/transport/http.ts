import fs from 'node:fs';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import type { Registry } from 'prom-client';

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; [detail: string]: unknown }>;
}

/** The HTTP side: health, metrics, and the built client (with history-API fallback). */
export function createHttpApp({ health, metrics, clientDist, api, onError }: {
  health: () => Promise<HealthReport>;
  metrics: Registry;
  clientDist: string;
  api: Router;
  onError: ErrorRequestHandler;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use('/api', api);

  app.get('/healthz', async (_req, res) => {
    const report = await health();
    res.status(report.ok ? 200 : 503).set('Cache-Control', 'no-store').json(report);
  });

  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.contentType).send(await metrics.metrics());
  });

  const index = path.join(clientDist, 'index.html');
  if (fs.existsSync(index)) {
    app.use('/assets', express.static(path.join(clientDist, 'assets'), { immutable: true, maxAge: '1y' }));
    app.use(express.static(clientDist, { index: false, maxAge: 0 }));
    app.get(/^\/(?!api\/|socket\.io\/|healthz|metrics).*/, (_req, res) => {
      res.set('Cache-Control', 'no-cache').sendFile(index);
    });
  }
  app.use(onError);
  return app;
}
