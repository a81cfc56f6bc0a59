import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { io } from 'socket.io-client';
import type { Invite } from '@chunfeng/shared/admin';
import { bureauClient, signInCookie } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, requestOk } from '../harness/socketClient';

/** Whether a socket.io handshake with these headers is accepted (websocket, as a browser page opens it). */
async function handshake(url: string, headers: Record<string, string>): Promise<'connected' | 'refused'> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers });
  try {
    return await new Promise((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', () => resolve('refused'));
    });
  } finally {
    socket.close();
  }
}

describe('same-site requests: the bureau cookie works only from the platform’s own pages', () => {
  let server: TestServer;
  let cookie: string;
  let employerId: string;
  const PROXY = 'https://jobs.example.gov.cn';

  beforeAll(async () => {
    server = await startTestServer({ MEDIA_WORKERS: '1', ALLOWED_ORIGINS: PROXY });
    cookie = await signInCookie(server.url);
    const bureau = await bureauClient(server.url);
    employerId = (await bureau.post<{ employer: { id: string } }>('/employers', { name: '县机械厂', industry: '制造', district: '城关镇' })).body.employer.id;
  });
  afterAll(() => server.stop());

  /** Makes a fresh employer link, tries to withdraw it with the cookie and these headers, and says what happened. */
  const revokeWith = async (headers: Record<string, string>): Promise<{ status: number; revoked: boolean }> => {
    const bureau = await bureauClient(server.url);
    const link = (await bureau.post<{ invite: Invite }>(`/employers/${employerId}/invite`)).body.invite;
    const res = await fetch(`${server.url}/api/invites/${link.id}/revoke`, { method: 'POST', headers: { cookie, ...headers } });
    const after = (await bureau.get<{ invites: Invite[] }>('/invites')).body.invites.find((i) => i.id === link.id)!;
    return { status: res.status, revoked: after.revokedAt !== null };
  };

  test('a state-changing request with the cookie from another origin — another port of the same host — is refused and changes nothing', async () => {
    const otherPort = `http://127.0.0.1:${server.port + 1}`;
    expect(await revokeWith({ origin: otherPort })).toEqual({ status: 403, revoked: false });
    expect(await revokeWith({ origin: 'null' })).toEqual({ status: 403, revoked: false });
  });

  test('without an Origin, the cookie needs the browser’s Sec-Fetch-Site: same-origin on a POST', async () => {
    expect(await revokeWith({})).toEqual({ status: 403, revoked: false });
    expect(await revokeWith({ 'sec-fetch-site': 'same-site' })).toEqual({ status: 403, revoked: false });
    expect(await revokeWith({ 'sec-fetch-site': 'same-origin' })).toEqual({ status: 200, revoked: true });
  });

  test('the server’s own origin and a configured ALLOWED_ORIGINS origin are accepted', async () => {
    expect(await revokeWith({ origin: server.url })).toEqual({ status: 200, revoked: true });
    expect(await revokeWith({ origin: PROXY })).toEqual({ status: 200, revoked: true });
  });

  test('a read with the cookie from another origin is refused too; one without Origin (a navigation, a download) is not', async () => {
    const get = (headers: Record<string, string>) => fetch(`${server.url}/api/invites`, { headers: { cookie, ...headers } }).then((r) => r.status);
    expect(await get({ origin: `http://127.0.0.1:${server.port + 1}` })).toBe(403);
    expect(await get({ 'sec-fetch-site': 'same-site' })).toBe(403);
    expect(await get({})).toBe(200);
    expect(await get({ 'sec-fetch-site': 'none' })).toBe(200);
  });

  test('a socket.io handshake carrying the cookie from another origin is refused; from our own origin, or without the cookie, it connects', async () => {
    const other = `http://127.0.0.1:${server.port + 1}`;
    expect(await handshake(server.url, { cookie, origin: other })).toBe('refused');
    expect(await handshake(server.url, { cookie, origin: server.url })).toBe('connected');
    expect(await handshake(server.url, { cookie, origin: PROXY })).toBe('connected');
    expect(await handshake(server.url, { origin: other })).toBe('connected');
    // And from our own origin the cookie is the bureau's feed.
    const socket = await connect(server.url, { cookie });
    expect(await requestOk(socket, 'console:subscribe', {})).toEqual({ scope: 'bureau', employerId: null });
    socket.close();
  });
});
