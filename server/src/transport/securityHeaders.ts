import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The browser-side hardening every response carries. The CSP allows no inline script or style
 * element: the client is built to files under /assets. What the app itself needs beyond 'self':
 * blob: media and workers (hls.js feeds the <video> through Media Source Extensions from a worker),
 * data:/blob: images (the stage poster, captured frames). WebSockets to this origin are 'self'.
 */
function helmetFor({ secure }: { secure: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'media-src': ["'self'", 'blob:'],
        'worker-src': ["'self'", 'blob:'],
        'connect-src': ["'self'"],
        'font-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        // Only behind HTTPS: on a plain-HTTP county intranet it would break every request.
        ...(secure ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    // Tokens ride in invite URLs: no page address leaves in a Referer.
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    xContentTypeOptions: true,
    // HSTS pins browsers to HTTPS for a year; only when the deployment says it is behind HTTPS.
    strictTransportSecurity: secure ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
}

/** What helmet does to every response: the headers it sets, and those it removes (X-Powered-By). */
export interface SecurityHeaderList {
  set: ReadonlyArray<readonly [string, string]>;
  removed: readonly string[];
}

/**
 * The security headers, worked out once: helmet's middleware, run against a response that only
 * records what it is told. They depend on the options alone (no nonce, nothing of the request), so
 * every response gets these same names and values.
 */
export function securityHeaderList({ secure }: { secure: boolean }): SecurityHeaderList {
  const set: Array<readonly [string, string]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: unknown) {
      if (typeof value !== 'string') throw new Error(`helmet set ${name} to a value that is not one string`);
      set.push([name, value]);
      return recorder;
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  let done = false;
  helmetFor({ secure })({} as never, recorder as never, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error('helmet refused its options');
    done = true;
  });
  if (!done) throw new Error('helmet did not finish at once: its headers cannot be worked out ahead');
  return { set: Object.freeze(set), removed: Object.freeze(removed) };
}

/**
 * Sets the security headers on every response: helmet's, worked out once (see securityHeaderList),
 * without its chain of a dozen middleware calls per request.
 */
export function securityHeaders({ secure }: { secure: boolean }): RequestHandler {
  const { set, removed } = securityHeaderList({ secure });
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}
