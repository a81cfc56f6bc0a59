import crypto from 'node:crypto';
import { CONSENT_VERSION } from '@chunfeng/shared/recruitment';
import { TEST_ADMIN_PASSWORD } from './server';

export interface ApiReply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** A small JSON client for the HTTP API, carrying a bearer token when given one. */
export function apiClient(baseUrl: string, token?: string) {
  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiReply<T>> => {
    const res = await fetch(`${baseUrl}/api${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
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
    raw: (path: string) => fetch(`${baseUrl}/api${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }),
  };
}

/** Signs in as the test bureau admin and returns a client carrying that session. */
export async function bureauClient(baseUrl: string) {
  const res = await apiClient(baseUrl).post<{ token: string }>('/auth/login', { username: 'admin', password: TEST_ADMIN_PASSWORD });
  if (res.status !== 200) throw new Error(`bureau login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return apiClient(baseUrl, res.body.token);
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
