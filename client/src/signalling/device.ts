import { api } from './api';

const KEY = 'chunfeng.device';

/**
 * This phone's anonymous device token, issued by the server once and kept: no account, no personal
 * data, just a stable id for "my applications" on this device and for moderation.
 */
export async function deviceToken(): Promise<string | undefined> {
  const stored = localStorage.getItem(KEY);
  if (stored) return stored;
  try {
    const { token } = await api<{ token: string }>('/device', { method: 'POST', body: {} });
    localStorage.setItem(KEY, token);
    return token;
  } catch {
    return undefined;
  }
}
