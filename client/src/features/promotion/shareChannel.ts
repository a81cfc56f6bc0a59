import { ShareChannel } from '@chunfeng/shared/recruitment';
import { api, ApiError } from '../../signalling/api';

const channelKey = (sessionId: string) => `chunfeng.channel.${sessionId}`;
const visitKey = (sessionId: string) => `chunfeng.visited.${sessionId}`;

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function forget(key: string): void {
  try {
    localStorage.removeItem(key);
  } catch {
    // Storage is unusable: nothing was kept to take back.
  }
}

function store(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private mode or a full storage: the channel is only not remembered.
  }
}

/**
 * The share channel this browser came to the session by: the link's `?ch=` (kept, so an application
 * made after a reload or from the replay still carries it), else the one kept from an earlier visit.
 * Anything that is not a channel is ignored, never an error.
 */
export function arrivedChannel(sessionId: string, search = location.search): ShareChannel | undefined {
  const fromLink = ShareChannel.safeParse(new URLSearchParams(search).get('ch'));
  if (fromLink.success) {
    store(channelKey(sessionId), fromLink.data);
    return fromLink.data;
  }
  const kept = ShareChannel.safeParse(stored(channelKey(sessionId)));
  return kept.success ? kept.data : undefined;
}

/**
 * Tells the server once per browser and session that a viewer came by this channel (the statistics'
 * viewers per channel): a reload or a second tab counts nobody again. The visit is marked before the
 * request leaves, so a reload while it is in flight (which cancels it in the page, though the server
 * may well have counted it) does not count the viewer twice. Only a refusal from the server (rate
 * limited, store away) takes the mark back, to be tried again on the next load; with no answer at all
 * the viewer may go uncounted, never counted twice.
 */
export async function reportVisit(sessionId: string, channel: ShareChannel): Promise<void> {
  const key = visitKey(sessionId);
  if (stored(key)) return;
  store(key, channel);
  try {
    await api(`/public/sessions/${encodeURIComponent(sessionId)}/visit`, { method: 'POST', body: { channel } });
  } catch (error) {
    if (error instanceof ApiError && error.status > 0) forget(key);
    throw error;
  }
}
