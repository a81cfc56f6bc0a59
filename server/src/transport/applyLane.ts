import crypto from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';
import { APPLY_RECEIPT, ApplyInput } from '@chunfeng/shared/recruitment';
import type { Tokens } from '../auth/tokens';
import type { Logger } from '../logger';
import type { ApplyDoor } from './applyDoor';
import { errorReply, parse } from './httpErrors';
import { crossSiteRefusal } from './sameOrigin';
import { securityHeaderList } from './securityHeaders';

/** The largest JSON body the API reads (express.json's `limit` in api.ts, and this lane's). */
export const JSON_BODY_LIMIT = 64 * 1024;

/** The Content-Types this lane reads: JSON, in UTF-8 if a charset is named at all. */
const PLAIN_JSON = /^application\/json[ \t]*(?:;[ \t]*charset[ \t]*=[ \t]*(?:utf-8|"utf-8")[ \t]*)?$/i;

/** The weak ETag express's res.json gives a body (the `etag` package, `weak: true`). */
export function weakEtag(body: string): string {
  const bytes = Buffer.byteLength(body);
  if (bytes === 0) return 'W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"';
  return `W/"${bytes.toString(16)}-${crypto.createHash('sha1').update(body, 'utf8').digest('base64').slice(0, 27)}"`;
}

/** Whether the lane takes this request: an application as the viewer page sends it, nothing unusual. */
function plainApplication(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || req.url !== '/api/applications') return false;
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) return false;
  const type = headers['content-type'];
  if (type === undefined || !PLAIN_JSON.test(type)) return false;
  const length = Number(headers['content-length']);
  return Number.isInteger(length) && length > 0 && length <= JSON_BODY_LIMIT;
}

/** The body as body-parser's JSON parser reads it (UTF-8, a BOM dropped, strict: an object or array). */
function parseJson(bytes: Buffer): unknown {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  const first = /^[ \t\n\r]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw unreadable();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw unreadable();
  }
}

/** A body that is not JSON, as body-parser reports it (answered as errorReply answers its errors). */
const unreadable = (): Error => Object.assign(new Error('the request body is not valid JSON'), { status: 400, expose: true });

/** The whole body of a request whose length the lane checked; undefined if the client went away. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', () => resolve(undefined));
    req.once('aborted', () => resolve(undefined));
  });
}

/**
 * POST /api/applications, the one request every applicant sends (often many at once, when a host pins
 * a vacancy), answered before express (its request set-up, router, body parser and res.json): the same checks and the
 * same answers as the API route (which still answers anything unusual: another encoding, a chunked or
 * oversized body, another Content-Type, another path spelling), at a fraction of their CPU per request.
 * In order, as there: the security headers, the cross-site refusal of a bureau cookie, the body read
 * as express.json reads it (64 kB, UTF-8), `Cache-Control: no-store`, the device token, the body
 * validated with ApplyInput, and the apply door, whose 202 comes once the application is on disk.
 * Returns whether it took the request; one it did not take is express's.
 */
export function applyLane({ door, tokens, allowedOrigins, secure, addressOf, logger }: {
  door: ApplyDoor;
  tokens: Tokens;
  /** The client's address as express's `req.ip` names it (clientAddress, under the app's `trust proxy`). */
  addressOf: (req: IncomingMessage) => string | undefined;
  /** As the API's sameOriginGuard has them. */
  allowedOrigins: readonly string[];
  /** As the app's securityHeaders has it (HSTS). */
  secure: boolean;
  logger: Logger;
}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const security = securityHeaderList({ secure });
  const securityFlat = security.set.flat();
  const receiptBody = JSON.stringify(APPLY_RECEIPT);
  const accepted: OutgoingHttpHeader[] = [
    ...securityFlat,
    'Cache-Control', 'no-store',
    'Content-Type', 'application/json; charset=utf-8',
    'Content-Length', String(Buffer.byteLength(receiptBody)),
    'ETag', weakEtag(receiptBody),
  ];

  const fail = (res: ServerResponse, error: unknown, noStore: boolean): void => {
    const reply = errorReply(error, logger, { method: 'POST', path: '/applications' });
    const body = JSON.stringify(reply.body);
    res.writeHead(reply.status, [
      ...securityFlat,
      ...(noStore ? ['Cache-Control', 'no-store'] : []),
      ...(reply.retryAfterSeconds !== undefined ? ['Retry-After', String(reply.retryAfterSeconds)] : []),
      'Content-Type', 'application/json; charset=utf-8',
      'Content-Length', String(Buffer.byteLength(body)),
      'ETag', weakEtag(body),
    ]);
    res.end(body);
  };

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const name of security.removed) res.removeHeader(name);
    const refusal = crossSiteRefusal(req, allowedOrigins);
    if (refusal) return fail(res, refusal, false);
    const bytes = await readBody(req);
    if (!bytes) return;
    let body: unknown;
    try {
      body = parseJson(bytes);
    } catch (error) {
      return fail(res, error, false);
    }
    try {
      const deviceToken = req.headers['x-device-token'];
      const device = typeof deviceToken === 'string' && deviceToken ? await tokens.verify('device', deviceToken).catch(() => undefined) : undefined;
      const input = parse(ApplyInput, body);
      await door.apply(input, { deviceId: device?.sub, address: addressOf(req) });
    } catch (error) {
      return fail(res, error, true);
    }
    res.writeHead(202, accepted);
    res.end(receiptBody);
  };

  return (req, res) => {
    if (!plainApplication(req)) return false;
    answer(req, res).catch((error: unknown) => {
      logger.error({ err: error, method: req.method, path: '/applications' }, 'request failed unexpectedly');
      if (!res.headersSent) fail(res, error, true);
      else res.destroy();
    });
    return true;
  };
}
