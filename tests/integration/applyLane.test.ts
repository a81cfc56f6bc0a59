// POST /api/applications in its plain form is answered by the apply lane, before express's router;
// anything unusual still goes through the API route. Both must answer alike: same status, body and
// headers, for an application, a retry, and every refusal (bad JSON, schema, cross-site cookie,
// rate limit).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import type { Tokens } from '../../server/src/auth/tokens';
import { createLogger } from '../../server/src/logger';
import type { ApplyDoor } from '../../server/src/transport/applyDoor';
import { applyLane, weakEtag } from '../../server/src/transport/applyLane';
import { securityHeaderList } from '../../server/src/transport/securityHeaders';
import { applyBody, bureauClient, signInCookie } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** Sends one raw request (node:http, so nothing adds or changes a header) and reads the whole answer. */
function send(url: string, path: string, headers: Record<string, string>, body: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), { method: 'POST', headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        // Node's own per-connection headers say nothing of who answered.
        const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...rest } = res.headers as Record<string, string>;
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: rest });
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe('the apply lane answers as the API route does', () => {
  let server: TestServer;
  let vacancies: Vacancy[];
  let cookie: string;

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', TRUST_PROXY: 'loopback', APPLY_LIMIT_PER_BLOCK: '6' });
    vacancies = (await (await bureauClient(server.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    cookie = await signInCookie(server.url);
  });
  afterAll(() => server.stop());

  /**
   * The same request through the lane (the plain path) and through express (a trailing slash, which
   * the lane leaves to the router), each with a body of its own from `body` (fresh keys, phones).
   */
  async function both(body: (side: 'lane' | 'route') => string | Buffer, headers: Record<string, string> = JSON_TYPE, from = '10.1.0.1'): Promise<{ lane: Answer; route: Answer }> {
    const lane = await send(server.url, '/api/applications', { ...headers, 'x-forwarded-for': from }, body('lane'));
    const route = await send(server.url, '/api/applications/', { ...headers, 'x-forwarded-for': from }, body('route'));
    return { lane, route };
  }

  test('an application: 202, the same receipt, the same headers (security, no-store, JSON, ETag)', async () => {
    const { lane, route } = await both(() => JSON.stringify(applyBody(vacancies[0]!.id)), JSON_TYPE, '10.1.1.1');
    expect(lane).toEqual(route);
    expect(lane.status).toBe(202);
    expect(JSON.parse(lane.body)).toEqual({ received: true });
    expect(lane.headers['cache-control']).toBe('no-store');
    expect(lane.headers['content-security-policy']).toContain("default-src 'self'");
    expect(lane.headers['etag']).toBe(weakEtag(lane.body));
  });

  test('a retry (the same key) through either door of HTTP is the same tap: one application', async () => {
    const body = JSON.stringify(applyBody(vacancies[1]!.id));
    const { lane, route } = await both(() => body, JSON_TYPE, '10.1.2.1');
    expect(lane).toEqual(route);
    expect(lane.status).toBe(202);
    const key = (JSON.parse(body) as { idempotencyKey: string }).idempotencyKey;
    const mine = await send(server.url, '/api/applications/mine', JSON_TYPE, JSON.stringify({ items: [{ idempotencyKey: key }] }));
    expect((JSON.parse(mine.body) as { applications: unknown[] }).applications).toHaveLength(1);
  });

  test('a BOM before the JSON, a charset spelled in capitals: read as express.json reads them', async () => {
    const { lane, route } = await both(() => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(applyBody(vacancies[2]!.id)))]), { 'content-type': 'application/json; charset="UTF-8"' }, '10.1.3.1');
    expect(lane).toEqual(route);
    expect(lane.status).toBe(202);
  });

  test.each([
    ['broken JSON', '{"name": '],
    ['not an object', '"hello"'],
    ['a number', '42'],
    ['an empty object', '{}'],
    ['a field of the wrong kind', () => JSON.stringify(applyBody(vacancies[0]!.id, { phone: 12 }))],
    ['consent not given', () => JSON.stringify(applyBody(vacancies[0]!.id, { consent: { version: 'x', accepted: false } }))],
    ['an unknown vacancy', () => JSON.stringify(applyBody('no-such-vacancy'))],
    ['too deep', '[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]'],
  ])('%s: the same refusal', async (_label, body) => {
    const { lane, route } = await both(() => (typeof body === 'string' ? body : body()), JSON_TYPE, '10.1.4.1');
    expect(lane).toEqual(route);
    expect(lane.status).toBeGreaterThanOrEqual(400);
    expect(lane.status).toBeLessThan(500);
  });

  test("a bureau cookie from another site: 403, as the API's same-origin guard refuses it", async () => {
    const headers = { ...JSON_TYPE, cookie, origin: 'http://evil.example' };
    const { lane, route } = await both(() => JSON.stringify(applyBody(vacancies[0]!.id)), headers, '10.1.5.1');
    expect(lane).toEqual(route);
    expect(lane.status).toBe(403);
    // From the server's own page, the cookie is no reason to refuse.
    const own = await both(() => JSON.stringify(applyBody(vacancies[0]!.id)), { ...JSON_TYPE, cookie, origin: server.url }, '10.1.5.2');
    expect(own.lane.status).toBe(202);
    expect(own.route.status).toBe(202);
  });

  test('past the ceiling of an address block: 429 through both, one budget between them', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { lane, route } = await both(() => JSON.stringify(applyBody(vacancies[i]!.id)), JSON_TYPE, '10.2.0.1');
      statuses.push(lane.status, route.status);
    }
    // The ceiling is 6 a minute for the block: both doors spent it.
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202]);
    const { lane, route } = await both(() => JSON.stringify(applyBody(vacancies[3]!.id)), JSON_TYPE, '10.2.0.1');
    expect(lane.status).toBe(429);
    expect(route.status).toBe(429);
    // The same answer but for the seconds to wait, which the message names (and the ETag hashes).
    const unwaited = (a: Answer) => ({ ...a, body: a.body.replace(/\d+ seconds/, 'N seconds'), headers: { ...a.headers, 'content-length': '', etag: '' } });
    expect(unwaited(lane)).toEqual(unwaited(route));
    expect(JSON.parse(lane.body)).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });
});

describe('what the apply lane takes, and what it leaves to express', () => {
  let url: string;
  let close: () => Promise<void>;
  const applied: unknown[] = [];

  beforeAll(async () => {
    const door = { apply: (input: unknown) => (applied.push(input), Promise.resolve({ received: true })) } as unknown as ApplyDoor;
    const tokens = { verify: () => Promise.reject(new Error('no tokens here')) } as unknown as Tokens;
    const lane = applyLane({ door, tokens, allowedOrigins: [], secure: false, addressOf: (req) => req.socket.remoteAddress, logger: createLogger({ level: 'silent', pretty: false }) });
    const server = http.createServer((req, res) => {
      if (!lane(req, res)) res.writeHead(299).end('express');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(() => close());

  const body = JSON.stringify(applyBody('v1'));

  test('the plain form: JSON in UTF-8 (the charset named or not), a length, at most 64 kB', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"']) {
      expect((await send(url, '/api/applications', { 'content-type': type }, body)).status, type).toBe(202);
    }
    expect(applied).toHaveLength(3);
  });

  test.each([
    ['another path spelling', '/api/applications/', JSON_TYPE, body],
    ['a query string', '/api/applications?x=1', JSON_TYPE, body],
    ['another charset', '/api/applications', { 'content-type': 'application/json; charset=utf-16' }, body],
    ['another Content-Type', '/api/applications', { 'content-type': 'text/plain' }, body],
    ['a Content-Encoding', '/api/applications', { ...JSON_TYPE, 'content-encoding': 'identity' }, body],
    ['no body', '/api/applications', JSON_TYPE, ''],
    ['over 64 kB', '/api/applications', JSON_TYPE, JSON.stringify({ name: 'x'.repeat(64 * 1024) })],
  ])('%s: left to express', async (_label, path, headers, payload) => {
    expect((await send(url, path, headers, payload)).status).toBe(299);
  });

  test('its answers carry the security headers helmet would set', async () => {
    const answer = await send(url, '/api/applications', JSON_TYPE, body);
    for (const [name, value] of securityHeaderList({ secure: false }).set) expect(answer.headers[name.toLowerCase()], name).toBe(value);
  });
});
