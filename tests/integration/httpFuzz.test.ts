import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { AppError } from '@chunfeng/shared/errors';
import { signInCookie } from '../harness/api';
import { hostileValues, nestedArraysJson } from '../harness/fuzz';
import { routesOf, type Route } from '../harness/routes';
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from '../harness/server';

const ErrorBody = z.object({ error: AppError });

interface Probe {
  label: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  /** The status this probe must get on every route that takes a body. */
  expect?: number;
  /** Megabytes: sent once per route, not for every variant. */
  heavy?: boolean;
}

const json = { 'content-type': 'application/json' };
const probes: Probe[] = [
  ...hostileValues().map((value, i) => ({ label: `hostile value #${i}`, headers: json, body: JSON.stringify(value ?? null) })),
  { label: 'broken JSON', headers: json, body: '{"name": ', expect: 400 },
  { label: 'not JSON at all', headers: json, body: 'hello', expect: 400 },
  { label: 'charset=unknown', headers: { 'content-type': 'application/json; charset=unknown' }, body: '{}', expect: 415 },
  { label: 'charset=latin1', headers: { 'content-type': 'application/json; charset=iso-8859-1' }, body: '{}', expect: 415 },
  // body-parser itself accepts any utf-*; the platform reads UTF-8 only, however the charset is spelled.
  { label: 'charset=utf-16 with a UTF-16LE body', headers: { 'content-type': 'application/json; charset=utf-16' }, body: new Uint8Array(Buffer.from('\ufeff{"name":"x"}', 'utf16le')), expect: 415 },
  { label: 'charset="UTF-16LE" quoted', headers: { 'content-type': 'application/json; charset="UTF-16LE"' }, body: new Uint8Array(Buffer.from('{}', 'utf16le')), expect: 415 },
  { label: 'charset=utf-32', headers: { 'content-type': 'application/json;charset=UTF-32' }, body: '{}', expect: 415 },
  { label: 'charset=utf-7', headers: { 'content-type': 'application/json; charset=utf-7' }, body: '{}', expect: 415 },
  { label: 'Content-Encoding: unknown', headers: { ...json, 'content-encoding': 'x-unknown' }, body: '{}', expect: 415 },
  { label: 'gzip that is not gzip', headers: { ...json, 'content-encoding': 'gzip' }, body: 'not gzip', expect: 400 },
  { label: 'a gzip bomb (10 MB of zeros)', headers: { ...json, 'content-encoding': 'gzip' }, body: new Uint8Array(zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20))), expect: 413, heavy: true },
  { label: 'a 10 MB body', headers: json, body: JSON.stringify({ name: 'x'.repeat(10 * 1024 * 1024) }), expect: 413, heavy: true },
  { label: 'a 1 MB string', headers: json, body: JSON.stringify({ name: 'x'.repeat(1024 * 1024) }), expect: 413, heavy: true },
  { label: '10,000-deep nesting', headers: json, body: nestedArraysJson(10_000) },
  { label: 'form-encoded', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&toString=x' },
  { label: 'no content type', headers: {}, body: '{"toString":"x"}' },
];

/** Fills a route's parameters: plausible, hostile, and badly percent-encoded. */
function pathsFor(route: Route): string[] {
  if (!route.path.includes(':')) return [route.path];
  return ['x', 'toString', '__proto__', '%E0%A4%A', '%00', 'y'.repeat(2000), '..%2F..%2Fetc'].map((v) => route.path.replace(/:[A-Za-z]+/g, v));
}

describe('no HTTP request gets a 500', () => {
  let server: TestServer;
  let routes: Route[];
  let bureauToken: string;

  beforeAll(async () => {
    server = await startTestServer({ MEDIA_WORKERS: '1', DEMO_DATA: 'true' });
    routes = routesOf(server);
    // The sign-in's token travels only in its cookie; the fuzz sends it back as a bearer token.
    bureauToken = (await signInCookie(server.url, 'admin', TEST_ADMIN_PASSWORD)).slice('cf_session='.length);
  });
  afterAll(() => server.stop());

  test('the routes are read from the express router (the API and the platform routes)', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(expect.arrayContaining(['POST /api/applications', 'PUT /api/sessions/:id/lineup', 'GET /healthz', 'GET /metrics']));
    expect(routes.length).toBeGreaterThan(30);
  });

  async function send(route: Route, path: string, probe: Probe, auth: string | undefined, failures: string[]): Promise<void> {
    const res = await fetch(`${server.url}${path}`, {
      method: route.method,
      headers: { ...probe.headers, ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      ...(route.method === 'GET' || route.method === 'HEAD' ? {} : { body: probe.body }),
    });
    const text = await res.text();
    const where = `${route.method} ${path.slice(0, 60)} ${auth ? 'bureau' : 'anonymous'} ${probe.label} → ${res.status} ${text.slice(0, 120)}`;
    let body: unknown;
    try {
      body = JSON.parse(text || '{}');
    } catch {
      body = text;
    }
    if (res.status >= 500 && !(path === '/healthz' && res.status === 503)) failures.push(where);
    else if (res.status >= 400 && !ErrorBody.safeParse(body).success) failures.push(`untyped: ${where}`);
    // The body is read (and refused) before any route runs, so these statuses hold on every route
    // that takes a body, signed in or not.
    else if (probe.expect && path.startsWith('/api') && route.method !== 'GET' && res.status !== probe.expect) failures.push(`expected ${probe.expect}: ${where}`);
  }

  test('every route, signed out and as the bureau, answers every bad body, charset and encoding with a typed 4xx (or its success), never 5xx', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const route of routes) {
      const [plain, ...hostilePaths] = pathsFor(route);
      for (const auth of [undefined, bureauToken]) {
        // The big bodies once per route, the rest side by side.
        const heavy = auth === undefined ? probes.filter((p) => p.heavy) : [];
        for (const probe of heavy) await send(route, plain ?? route.path, probe, auth, failures);
        await Promise.all(probes.filter((p) => !p.heavy).map((probe) => send(route, plain ?? route.path, probe, auth, failures)));
        sent += heavy.length + probes.filter((p) => !p.heavy).length;
        await Promise.all(hostilePaths.map((path) => send(route, path, probes[0] as Probe, auth, failures)));
        sent += hostilePaths.length;
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(2000);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // Over 2,000 requests, one after another per route: about 10 s alone, several times that beside
    // another file on a busy 2-core machine. Nothing here is a timing claim.
  }, 120_000);

  test('a JSON body in UTF-8 is read however its charset is spelled (any case, quoted or not, or none)', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json;charset="Utf-8"', 'Application/JSON; Charset="utf-8"']) {
      const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': type, origin: server.url }, body: JSON.stringify({ username: 'nobody-charset', password: 'x' }) });
      // Read, parsed and checked: a wrong password, not an unreadable body.
      expect(res.status, type).toBe(401);
    }
  });

  test('query strings with repeated, bracketed and badly encoded keys are refused as VALIDATION or ignored, never 500', async () => {
    const bureau = { authorization: `Bearer ${bureauToken}` };
    for (const query of ['status[toString]=x', 'status=a&status=b', 'sessionId=%E0%A4%A', 'employerId=' + 'x'.repeat(5000), '__proto__[x]=1', 'toString=x&valueOf=y']) {
      for (const path of ['/api/applications', '/api/applications.csv', '/api/vacancies']) {
        const res = await fetch(`${server.url}${path}?${query}`, { headers: bureau });
        expect(res.status, `${path}?${query.slice(0, 40)}`).toBeLessThan(500);
        if (res.status >= 400) expect(ErrorBody.safeParse(await res.json()).success).toBe(true);
      }
    }
  });

  test("the bureau lists' paging and narrowing parameters: every hostile value is a typed 400 or a page, never 500", async () => {
    const bureau = { authorization: `Bearer ${bureauToken}` };
    const lists: Record<string, string[]> = {
      '/api/campaigns': ['q'],
      '/api/sessions': ['campaignId', 'status', 'q'],
      '/api/employers': ['q', 'verified'],
      '/api/vacancies': ['employerId', 'q'],
      '/api/policies': ['q'],
      '/api/invites': ['kind'],
      '/api/staff': [],
      '/api/public/sessions': [],
      '/api/public/jobs': ['district', 'sector', 'pay', 'badge', 'group', 'access'],
    };
    const cursorOf = (value: unknown) => encodeURIComponent(Buffer.from(JSON.stringify(value)).toString('base64url'));
    const values = ['', '%00', '%E0%A4%A', 'x'.repeat(5000), '__proto__', '-1', '1e309', 'NaN', '%25_%5C', encodeURIComponent('黄河%_')];
    const failures: string[] = [];
    let sent = 0;
    await Promise.all(
      Object.entries(lists).map(async ([path, params]) => {
        const queries = [
          ...['cursor', 'limit', ...params].flatMap((param) => [...values.map((v) => `${param}=${v}`), `${param}[toString]=x`, `${param}=a&${param}=b`]),
          `cursor=${cursorOf({ list: 'staff', after: 1 })}`,
          `cursor=${cursorOf({ list: 'session', after: Number.MAX_SAFE_INTEGER + 2 })}`,
          `cursor=${cursorOf({ list: 'employer', after: 0.5 })}`,
          `cursor=${cursorOf(null)}`,
          `cursor=${cursorOf([1])}`,
          'limit=100&cursor=',
        ];
        for (const query of queries) {
          const res = await fetch(`${server.url}${path}?${query}`, { headers: bureau });
          sent += 1;
          const where = `${path}?${query.slice(0, 50)} → ${res.status}`;
          if (res.status >= 500) failures.push(where);
          else if (res.status >= 400 && !ErrorBody.safeParse(await res.json()).success) failures.push(`untyped: ${where}`);
          else if (res.status === 200 && !z.object({ next: z.string().nullable() }).safeParse(await res.json()).success) failures.push(`no next: ${where}`);
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(300);
  }, 120_000);
});
