import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ApiError } from '../../client/src/signalling/api';
import { RequestError, type ConnectionState, type Signalling } from '../../client/src/signalling/signalling';
import { SOCKET_ACK_MS, submitApplication, type ApplicationBody } from '../../client/src/features/viewer/submitApplication';

const body = {
  vacancyId: 'v1',
  sessionId: 'demo',
  name: '王小明',
  phone: '13900000001',
  consent: { version: '2026-01', accepted: true },
  source: 'live',
  idempotencyKey: 'key-0123456789',
} as ApplicationBody;

/** A stored device token far from its expiry (the page would not ask for a new one). */
const DEVICE = `h.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 365 * 86400 })).toString('base64url')}.s`;

/** The page's socket as the sheet sees it: a state, and a request that answers as told. */
function socket(state: ConnectionState, answer: () => Promise<unknown>): Signalling & { sent: unknown[]; timeouts: number[] } {
  const sent: unknown[] = [];
  const timeouts: number[] = [];
  return {
    state,
    sent,
    timeouts,
    request: (name: string, input: unknown, { timeoutMs }: { timeoutMs: number }) => {
      sent.push([name, input]);
      timeouts.push(timeoutMs);
      return answer();
    },
  } as unknown as Signalling & { sent: unknown[]; timeouts: number[] };
}

describe('submitApplication: the socket first, HTTP when it is not there, one key', () => {
  const posted: Array<{ url: string; body: unknown; device: string | null }> = [];
  let httpAnswer: () => Response = () => new Response('{"received":true}', { status: 202 });

  beforeEach(() => {
    posted.length = 0;
    httpAnswer = () => new Response('{"received":true}', { status: 202 });
    vi.stubGlobal('localStorage', { getItem: () => DEVICE, setItem: () => undefined, removeItem: () => undefined });
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      posted.push({ url, body: JSON.parse(init.body as string), device: new Headers(init.headers).get('x-device-token') });
      return Promise.resolve(httpAnswer());
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  test('connected: sent over the socket with a timeout of a few seconds, no HTTP request', async () => {
    const s = socket('connected', () => Promise.resolve({ received: true }));
    expect(await submitApplication(body, { signalling: s })).toEqual({ received: true });
    expect(s.sent).toEqual([['application:submit', body]]);
    expect(s.timeouts).toEqual([SOCKET_ACK_MS]);
    expect(posted).toEqual([]);
  });

  test('a refusal over the socket is the answer: an ApiError with its code, issues and wait, and no HTTP request', async () => {
    const s = socket('connected', () => Promise.reject(new RequestError('UNAVAILABLE', 'store away', { retryAfterSeconds: 2 })));
    const refused = await submitApplication(body, { signalling: s }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', retryAfterSeconds: 2 });
    const invalid = await submitApplication(body, { signalling: socket('connected', () => Promise.reject(new RequestError('VALIDATION', 'bad', { issues: [{ path: 'phone', message: 'x' }] }))) }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: 'VALIDATION', issues: [{ path: 'phone', message: 'x' }] });
    expect(posted).toEqual([]);
  });

  test('no answer over the socket: the same body (same key) over HTTP, with the device token', async () => {
    const s = socket('connected', () => Promise.reject(new RequestError('UNAVAILABLE', 'no answer', { answered: false })));
    expect(await submitApplication(body, { signalling: s })).toEqual({ received: true });
    expect(posted).toEqual([{ url: '/api/applications', body, device: DEVICE }]);
  });

  test('not connected (reconnecting, or no socket at all): straight to HTTP; its refusals keep their wait', async () => {
    const s = socket('reconnecting', () => Promise.reject(new Error('must not be called')));
    expect(await submitApplication(body, { signalling: s })).toEqual({ received: true });
    expect(s.sent).toEqual([]);
    httpAnswer = () => new Response('{"error":{"code":"UNAVAILABLE","message":"x","retryAfterSeconds":2}}', { status: 503, headers: { 'retry-after': '2' } });
    expect(await submitApplication(body).catch((e: unknown) => e)).toMatchObject({ code: 'UNAVAILABLE', retryAfterSeconds: 2 });
    expect(posted.map((p) => p.body)).toEqual([body, body]);
  });
});
