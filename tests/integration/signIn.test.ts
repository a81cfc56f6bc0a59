import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StaffView } from '@chunfeng/shared/admin';
import { apiClient, bureauClient, signInCookie } from '../harness/api';
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from '../harness/server';

interface ErrorBody {
  error: { code: string; message: string; retryAfterSeconds?: number };
}

const login = (url: string, username: string, password: string) =>
  fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ username, password }) });

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

  test('five wrong passwords for one user name: the next attempt, even with the right password, is RATE_LIMITED with how long to wait; other users are not affected', async () => {
    const bureau = await bureauClient(server.url);
    await bureau.post<{ staff: StaffView }>('/staff', { username: 'sun.li', displayName: '孙丽', password: 'sun-li-password', role: 'staff' });
    for (let i = 0; i < 5; i++) expect((await login(server.url, 'sun.li', `wrong-${i}`)).status).toBe(401);
    const refused = await login(server.url, 'sun.li', 'sun-li-password');
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as ErrorBody;
    expect(body.error.code).toBe('RATE_LIMITED');
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(14 * 60);
    expect(wait).toBeLessThanOrEqual(15 * 60);
    expect(body.error.retryAfterSeconds).toBe(wait);
    expect((await login(server.url, 'admin', TEST_ADMIN_PASSWORD)).status).toBe(200);
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
    // Its own server: its 17 refusals would use up most of this address's allowance.
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

  test('twenty wrong passwords from one address (any user names) stop sign-ins from it for a while', async () => {
    // Its own server: the count is per address, and every test here signs in from 127.0.0.1.
    const fresh = await startTestServer({ MEDIA_WORKERS: '1' });
    try {
      for (let i = 0; i < 20; i++) expect((await login(fresh.url, `guess-${i}`, 'x')).status).toBe(401);
      const refused = await login(fresh.url, 'admin', TEST_ADMIN_PASSWORD);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as ErrorBody).error.code).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await fresh.stop();
    }
  });
});
