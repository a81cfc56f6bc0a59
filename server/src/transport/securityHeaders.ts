import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The browser-side hardening every response carries. The CSP allows no inline script or style
 * element: the client is built to files under /assets. What the app itself needs beyond 'self':
 * blob: media and workers (hls.js feeds the <video> through Media Source Extensions from a worker),
 * data:/blob: images (the stage poster, captured frames). WebSockets to this origin are 'self'.
 */
export function securityHeaders({ secure }: { secure: boolean }): RequestHandler {
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
