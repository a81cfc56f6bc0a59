import { api } from './api';

const KEY = 'chunfeng.device';
/** A token this close to its expiry is renewed (in the same family, so its history goes with it). */
const RENEW_WITHIN_MS = 30 * 24 * 3600 * 1000;

let asking: Promise<string | undefined> | undefined;

/**
 * This phone's anonymous device token, issued by the server once and kept: no account, no personal
 * data, just a stable id for "my applications" on this device and for moderation. Chat, questions
 * and votes need it. Near its expiry the old token is presented to get a new one of the same family.
 * Concurrent callers share one request (each issuance counts against the network's limit).
 */
export function deviceToken(): Promise<string | undefined> {
  const stored = localStorage.getItem(KEY);
  if (stored && !expiringSoon(stored)) return Promise.resolve(stored);
  asking ??= api<{ token: string }>('/device', { method: 'POST', body: {}, device: stored ?? undefined })
    .then(
      ({ token }) => {
        localStorage.setItem(KEY, token);
        return token;
      },
      // Refused (the network's issuance limit) or unreachable: keep what there is; try again next time.
      () => stored ?? undefined,
    )
    .finally(() => {
      asking = undefined;
    });
  return asking;
}

/** The server no longer accepts the stored token (its secret changed): the next call asks for a new one. */
export function forgetDeviceToken(): void {
  localStorage.removeItem(KEY);
}

function expiringSoon(token: string): boolean {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof payload.exp === 'number' && payload.exp * 1000 - Date.now() < RENEW_WITHIN_MS;
  } catch {
    return true;
  }
}
