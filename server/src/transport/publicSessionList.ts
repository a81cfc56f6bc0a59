import type { Campaign, LiveSession } from '@chunfeng/shared/recruitment';
import type { CurrentCampaign, PublicSessionItem, PublicSessionPage } from '@chunfeng/shared/catalogPages';
import { currentCampaign } from '../domain/campaigns';
import type { JobStore } from '../store/jobStore';
import { catalogCursor, readPhasedCursor } from './cursors';

/** The landing page's two phases, read one after the other: live and upcoming, then ended. */
const OPEN = 'session-open';
const PAST = 'session-past';
/** The past phase from its start: newest first, every position is below this one. */
const FROM_THE_TOP = Number.MAX_SAFE_INTEGER;

const isOpen = (s: LiveSession): boolean => s.status !== 'ended';
const isPast = (s: LiveSession): boolean => s.status === 'ended';

/**
 * One page of the landing page's sessions: the live and upcoming ones first, then the ended ones,
 * each phase newest created first (keyset on the store's creation order, bounded reads). Whether an
 * ended one has a replay comes from `hasReplay` (asynchronous, kept by a ReplayCheck). A session
 * that ends while someone pages may be listed in both phases; the page says so by its status, and
 * the client keeps one per id. The current campaign (whole kind: a bureau runs tens of campaigns a
 * year, not thousands) is read for the first page only.
 */
export async function publicSessionPage(
  store: JobStore,
  { cursor, limit, today, hasReplay }: { cursor: string | undefined; limit: number; today: string; hasReplay: ((sessionId: string) => Promise<boolean>) | undefined },
): Promise<PublicSessionPage> {
  const at = readPhasedCursor([OPEN, PAST], cursor) ?? { list: OPEN, after: undefined };
  const sessions: LiveSession[] = [];
  let next: string | null = null;
  let past: number | undefined = at.list === PAST ? at.after : FROM_THE_TOP;
  if (at.list === OPEN) {
    const open = await store.pageCatalog('session', { order: 'newest', after: at.after, limit, match: isOpen });
    sessions.push(...open.docs);
    if (open.next !== undefined) next = catalogCursor(OPEN, open.next);
    else if (sessions.length === limit) next = catalogCursor(PAST, FROM_THE_TOP);
    past = next === null ? FROM_THE_TOP : undefined;
  }
  if (past !== undefined) {
    const ended = await store.pageCatalog('session', { order: 'newest', after: past === FROM_THE_TOP ? undefined : past, limit: limit - sessions.length, match: isPast });
    sessions.push(...ended.docs);
    next = catalogCursor(PAST, ended.next);
  }
  const names = new Map<string, Promise<Campaign | undefined>>();
  for (const s of sessions) if (!names.has(s.campaignId)) names.set(s.campaignId, store.get('campaign', s.campaignId));
  const items = await Promise.all(
    sessions.map(
      async (s): Promise<PublicSessionItem> => ({
        id: s.id,
        title: s.title,
        status: s.status,
        scheduledAt: s.scheduledAt,
        campaignId: s.campaignId,
        campaign: (await names.get(s.campaignId))?.name ?? '',
        replay: s.status === 'ended' && hasReplay !== undefined && (await hasReplay(s.id)),
      }),
    ),
  );
  if (cursor !== undefined) return { sessions: items, next };
  const current = currentCampaign(await store.list('campaign'), today);
  const named: CurrentCampaign | null = current ? { id: current.id, name: current.name, startsOn: current.startsOn, endsOn: current.endsOn, description: current.description } : null;
  return { current: named, sessions: items, next };
}
