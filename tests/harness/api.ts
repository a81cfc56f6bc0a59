import crypto from 'node:crypto';
import { CONSENT_VERSION, type Application, type ApplicationListPage } from '@chunfeng/shared/recruitment';
import { TEST_ADMIN_PASSWORD } from './server';

export interface ApiReply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/**
 * A small JSON client for the HTTP API, carrying a bearer token or a sign-in cookie when given one.
 * It says it comes from the server's own origin, as the platform's pages do (`origin` overrides).
 */
export function apiClient(baseUrl: string, token?: string, { cookie, origin = baseUrl }: { cookie?: string; origin?: string | null } = {}) {
  const headers = {
    ...(origin ? { origin } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(cookie ? { cookie } : {}),
  };
  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiReply<T>> => {
    const res = await fetch(`${baseUrl}/api${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  };
  return {
    get: <T = Record<string, unknown>>(path: string) => call<T>('GET', path),
    post: <T = Record<string, unknown>>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
    put: <T = Record<string, unknown>>(path: string, body: unknown) => call<T>('PUT', path, body),
    patch: <T = Record<string, unknown>>(path: string, body: unknown) => call<T>('PATCH', path, body),
    delete: <T = Record<string, unknown>>(path: string) => call<T>('DELETE', path),
    raw: (path: string) => fetch(`${baseUrl}/api${path}`, { headers }),
  };
}

/**
 * Every application the client may see under `query` (e.g. `vacancyId=…`), newest first: page after
 * page of GET /api/applications, each 100 long, until the list says there is no next page.
 */
export async function allApplications(client: ReturnType<typeof apiClient>, query = ''): Promise<Application[]> {
  const all: Application[] = [];
  for (let cursor: string | null = ''; cursor !== null; ) {
    const params = new URLSearchParams(query);
    params.set('limit', '100');
    if (cursor) params.set('cursor', cursor);
    const res = await client.get<ApplicationListPage>(`/applications?${params}`);
    if (res.status !== 200) throw new Error(`GET /api/applications?${params} answered ${res.status}: ${JSON.stringify(res.body)}`);
    all.push(...res.body.applications);
    cursor = res.body.next;
  }
  return all;
}

/** Signs in and returns the sign-in cookie (`cf_session=…`) the server set; the body carries no token. */
export async function signInCookie(baseUrl: string, username = 'admin', password = TEST_ADMIN_PASSWORD): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: baseUrl },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in as ${username} failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('cf_session='));
  if (!cookie) throw new Error('the sign-in set no cf_session cookie');
  return cookie.split(';')[0]!;
}

/** Signs in as the test bureau admin and returns a client carrying that session's cookie. */
export async function bureauClient(baseUrl: string, username = 'admin', password = TEST_ADMIN_PASSWORD) {
  return apiClient(baseUrl, undefined, { cookie: await signInCookie(baseUrl, username, password) });
}

/** A valid application body for a vacancy, with a fresh phone number and idempotency key. */
export const applyBody = (vacancyId: string, over: Record<string, unknown> = {}) => ({
  vacancyId,
  sessionId: 'demo',
  name: '王小明',
  phone: `139${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`,
  consent: { version: CONSENT_VERSION, accepted: true },
  source: 'live',
  idempotencyKey: crypto.randomUUID(),
  ...over,
});
