import { SessionModeration } from '../domain/moderation';
import type { JobStore } from '../store/jobStore';

/** Loads a session's moderation from its stored log, writing each new action back to the store. */
export function sessionModerationLoader(store: JobStore): (sessionId: string) => Promise<SessionModeration> {
  return async (sessionId) =>
    new SessionModeration({ sessionId, entries: await store.listModeration(sessionId), append: (entry) => store.appendModeration(entry) });
}
