import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StaffView } from '@chunfeng/shared/admin';
import { apiClient, bureauClient, signInCookie } from '../harness/api';
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from '../harness/server';

interface ErrorBody {
  error: { code: string; message: string; retryAfterSeconds?: number };
}

const login = (url: string, username: string, password: string) =>
  fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ username, password }) });

/** POST /api/auth/login from a chosen local address (anything in 127/8 reaches the server on Linux), with the browser's cookies if given. */
function loginFrom(url: string, localAddress: string, username: string, password: string, cookie?: string): Promise<{ status: number; retryAfter: string | undefined; body: ErrorBody; setCookie: string[] }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, path: '/api/auth/login', method: 'POST', localAddress, headers: { 'content-type': 'application/json', origin: url, ...(cookie ? { cookie } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: JSON.parse(text) as ErrorBody, setCookie: res.headers['set-cookie'] ?? [] }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ username, password }));
  });
}

describe('bureau sign-in', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ MEDIA_WORKERS: '1' });
  });
  afterAll(() => server.stop());

  test('the sign-in answer carries no token: only the httpOnly, SameSite=Strict cookie does', async () => {
    const res = await login(server.url, 'admin', TEST_ADMIN_PASSWORD);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['staff']);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('cf_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(JSON.stringify(body)).not.toContain(cookie.split(';')[0]!.slice('cf_session='.length));
  });

  test('five wrong passwords for one user name from one address block: the next attempt from that block, even with the right password, is RATE_LIMITED with how long to wait; other users are not affected', async () => {
    const bureau = await bureauClient(server.url);
    await bureau.post<{ staff: StaffView }>('/staff', { username: 'sun.li', displayName: '孙丽', password: 'sun-li-password', role: 'staff' });
    for (let i = 0; i < 5; i++) expect((await loginFrom(server.url, `127.0.5.${i + 1}`, 'sun.li', `wrong-${i}`)).status).toBe(401);
    // Another address in the same /24 is the same block.
    const refused = await loginFrom(server.url, '127.0.5.200', 'sun.li', 'sun-li-password');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    const wait = Number(refused.retryAfter);
    expect(wait).toBeGreaterThan(14 * 60);
    expect(wait).toBeLessThanOrEqual(15 * 60);
    expect(refused.body.error.retryAfterSeconds).toBe(wait);
    expect((await loginFrom(server.url, '127.0.5.9', 'admin', TEST_ADMIN_PASSWORD)).status).toBe(200);
  });

  test('five wrong passwords for a user name from one address block (the admin, folded to any case) do not keep the right password out from another block', async () => {
    for (let i = 0; i < 5; i++) expect((await loginFrom(server.url, '127.0.6.1', i % 2 ? 'ADMIN' : 'admin', `wrong-${i}`)).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await loginFrom(server.url, '127.0.6.1', 'admin', TEST_ADMIN_PASSWORD)).status).toBe(429);
    for (let i = 0; i < 3; i++) expect((await loginFrom(server.url, '127.0.7.1', 'admin', TEST_ADMIN_PASSWORD)).status).toBe(200);
    // The attacker's further guesses are refused before the password is checked and cost the admin nothing.
    expect((await loginFrom(server.url, '127.0.6.2', 'admin', 'wrong')).status).toBe(429);
    expect((await loginFrom(server.url, '127.0.7.1', 'admin', TEST_ADMIN_PASSWORD)).status).toBe(200);
  });

  test('a right password resets that user name’s count', async () => {
    const bureau = await bureauClient(server.url);
    await bureau.post('/staff', { username: 'qian.hu', displayName: '钱虎', password: 'qian-hu-password', role: 'staff' });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) expect((await login(server.url, 'qian.hu', 'wrong')).status).toBe(401);
      expect((await login(server.url, 'qian.hu', 'qian-hu-password')).status).toBe(200);
    }
  });

  test('an unknown user name takes as long to refuse as a known one with a wrong password (scrypt runs either way)', async () => {
    // Its own server: no other test's counts or load in the way of the timings.
    const fresh = await startTestServer({ MEDIA_WORKERS: '1' });
    const time = async (username: string): Promise<number> => {
      const t0 = performance.now();
      expect((await login(fresh.url, username, 'not-the-password')).status).toBe(401);
      return performance.now() - t0;
    };
    await time('nobody-warmup');
    const known: number[] = [];
    const unknown: number[] = [];
    // Under the per-user limit: a fresh user name each time for the unknown ones, two rounds of
    // at most four for the admin (a success in between resets the count).
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) {
        known.push(await time('admin'));
        unknown.push(await time(`nobody-${round}-${i}`));
      }
      expect((await login(fresh.url, 'admin', TEST_ADMIN_PASSWORD)).status).toBe(200);
    }
    await fresh.stop();
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`[measure] refused sign-in: known user ${median(known).toFixed(1)} ms, unknown user ${median(unknown).toFixed(1)} ms (medians of 8)`);
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.6);
    expect(median(unknown)).toBeLessThan(median(known) * 1.6);
  });

  test('signing out ends the sign-in: the same cookie is refused afterwards, another sign-in goes on', async () => {
    const cookie = await signInCookie(server.url);
    const other = apiClient(server.url, undefined, { cookie: await signInCookie(server.url) });
    const client = apiClient(server.url, undefined, { cookie });
    expect((await client.get('/auth/me')).status).toBe(200);
    expect((await client.post('/auth/logout')).status).toBe(200);
    expect((await client.get('/auth/me')).status).toBe(401);
    expect((await other.get('/auth/me')).status).toBe(200);
  });

  test('a hundred wrong passwords from one address block (any user names, any address in the /24) stop sign-ins from that block for a while; other blocks go on', async () => {
    // Its own server: the count is per block and lasts a day.
    const fresh = await startTestServer({ MEDIA_WORKERS: '1' });
    try {
      for (let batch = 0; batch < 10; batch++) {
        // Ten at a time from ten addresses of one /24: hopping addresses inside a block gains nothing.
        const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => loginFrom(fresh.url, `127.0.8.${batch * 10 + i + 1}`, `guess-${batch}-${i}`, 'x')));
        expect(replies.map((r) => r.status)).toEqual(Array<number>(10).fill(401));
      }
      const refused = await loginFrom(fresh.url, '127.0.8.250', 'admin', TEST_ADMIN_PASSWORD);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('RATE_LIMITED');
      const wait = Number(refused.retryAfter);
      expect(wait).toBeGreaterThan(23 * 3600);
      expect(wait).toBeLessThanOrEqual(24 * 3600);
      expect((await loginFrom(fresh.url, '127.0.9.1', 'admin', TEST_ADMIN_PASSWORD)).status).toBe(200);
    } finally {
      await fresh.stop();
    }
  }, 120_000); // a hundred scrypt hashes on two shared cores

  test("guesses from ten blocks that reach the admin's ceiling (50 an hour) keep a stranger out, never a browser that signed in as admin before; that browser's own guesses are limited on their own", async () => {
    const fresh = await startTestServer({ MEDIA_WORKERS: '1' });
    try {
      // The bureau's own computer signed in before: it keeps the known-browser cookie (httpOnly, SameSite=Strict, sign-in routes only).
      const first = await loginFrom(fresh.url, '127.0.30.1', 'admin', TEST_ADMIN_PASSWORD);
      expect(first.status).toBe(200);
      const known = first.setCookie.find((c) => c.startsWith('cf_known='));
      expect(known).toMatch(/HttpOnly/i);
      expect(known).toMatch(/SameSite=Strict/i);
      expect(known).toMatch(/Path=\/api\/auth/);
      const cookie = known!.split(';')[0]!;
      // Five wrong passwords from each of ten blocks: within each block's own budget, fifty for the user name.
      for (let block = 0; block < 10; block++) {
        const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => loginFrom(fresh.url, `127.0.${40 + block}.${i + 1}`, 'admin', 'guess')));
        expect(replies.map((r) => r.status)).toEqual(Array<number>(5).fill(401));
      }
      const stranger = await loginFrom(fresh.url, '127.0.60.1', 'Admin', TEST_ADMIN_PASSWORD);
      expect(stranger.status).toBe(429);
      expect(stranger.body.error.code).toBe('RATE_LIMITED');
      // A cookie of another user name, or a forged one, makes nobody known.
      expect((await loginFrom(fresh.url, '127.0.61.1', 'admin', TEST_ADMIN_PASSWORD, 'cf_known=forged')).status).toBe(429);
      expect((await loginFrom(fresh.url, '127.0.62.1', 'admin', TEST_ADMIN_PASSWORD, cookie)).status).toBe(200);
      // Its own budget: five wrong passwords with the cookie, and the next attempt from it waits, right password or not.
      for (let i = 0; i < 5; i++) expect((await loginFrom(fresh.url, '127.0.62.1', 'admin', 'guess', cookie)).status).toBe(401);
      const spent = await loginFrom(fresh.url, '127.0.62.1', 'admin', TEST_ADMIN_PASSWORD, cookie);
      expect(spent.status).toBe(429);
      expect(Number(spent.retryAfter)).toBeGreaterThan(14 * 60);
    } finally {
      await fresh.stop();
    }
  }, 120_000);
});
