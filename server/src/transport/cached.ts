import crypto from 'node:crypto';
import type { Request, Response } from 'express';

/** Bytes built once and served from memory, with their strong validator. */
export interface CachedBody {
  body: Buffer;
  etag: string;
}

/**
 * The public session document: a CDN or the phone may keep it a few seconds (pins reach viewers over
 * socket.io meanwhile), then revalidates with its ETag.
 */
export const PUBLIC_DOCUMENT_MAX_AGE = 'public, max-age=5';

/** A strong ETag for these bytes. */
export function etagOf(body: Buffer): string {
  return `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Whether an If-None-Match header names this ETag (weak comparison, as RFC 9110 has for it). */
export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** Answers with the cached bytes, or 304 when the client (or a CDN) holds them already. */
export function sendCached(req: Request, res: Response, { body, etag }: CachedBody, cacheControl: string, type = 'application/json; charset=utf-8'): void {
  res.set({ ETag: etag, 'Cache-Control': cacheControl });
  if (matches(req.headers['if-none-match'], etag)) {
    res.status(304).end();
    return;
  }
  res.set('Content-Type', type).set('Content-Length', String(body.length));
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}
