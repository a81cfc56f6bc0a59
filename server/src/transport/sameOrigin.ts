import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { DomainError } from '../domain/errors';
import { sessionCookie } from './auth';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Whether a request that carries the bureau cookie came from the platform's own pages. Browsers
 * attach a SameSite cookie to requests from any page of the same site — another port of the same
 * host included — so the cookie alone proves nothing. The origin must be the server's own (the Host
 * it was reached by) or one configured for a proxy in front (`ALLOWED_ORIGINS`). Without an Origin,
 * a browser's own `Sec-Fetch-Site` must say same-origin; a client that sends neither is not a
 * browser page and cannot be made to send the cookie by one.
 */
export function fromOwnOrigin(req: IncomingMessage, allowedOrigins: readonly string[], { unsafe }: { unsafe: boolean }): boolean {
  const origin = header(req, 'origin');
  const fetchSite = header(req, 'sec-fetch-site');
  if (origin && origin !== 'null') {
    if (allowedOrigins.includes(origin)) return true;
    try {
      return new URL(origin).host === header(req, 'host');
    } catch {
      return false;
    }
  }
  if (origin === 'null') return false;
  if (fetchSite) return fetchSite === 'same-origin' || (!unsafe && fetchSite === 'none');
  // No Origin, no Sec-Fetch-Site: not a browser page's request (curl, a server, the tests' client).
  return !unsafe;
}

/** Refuses cookie-authenticated API requests from other origins (state-changing ones need proof they are ours). */
export function sameOriginGuard(allowedOrigins: readonly string[]): RequestHandler {
  return (req, _res, next) => next(crossSiteRefusal(req, allowedOrigins));
}

/** Why sameOriginGuard refuses this request (a cookie-authenticated one from another site), or undefined. */
export function crossSiteRefusal(req: IncomingMessage, allowedOrigins: readonly string[]): DomainError | undefined {
  const cookieAuthenticated = !header(req, 'authorization') && sessionCookie(header(req, 'cookie')) !== undefined;
  if (cookieAuthenticated && !fromOwnOrigin(req, allowedOrigins, { unsafe: !SAFE_METHODS.has(req.method ?? 'GET') })) {
    return new DomainError('FORBIDDEN', 'this request did not come from this site');
  }
  return undefined;
}

/**
 * socket.io's `allowRequest`: a handshake carrying the bureau cookie must come from our own origin
 * (the console feed of names and phones rides on it); handshakes without the cookie are anyone's.
 */
export function handshakeAllowed(allowedOrigins: readonly string[]) {
  return (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void => {
    const cookie = sessionCookie(header(req, 'cookie'));
    callback(null, cookie === undefined || fromOwnOrigin(req, allowedOrigins, { unsafe: false }));
  };
}
