import type { Campaign } from '@chunfeng/shared/recruitment';

/**
 * The campaign the public landing page leads with: the one running today (the latest to start, if
 * several overlap); else the next to start; else the last to have ended. `today` is yyyy-mm-dd.
 */
export function currentCampaign<C extends Pick<Campaign, 'startsOn' | 'endsOn'>>(campaigns: readonly C[], today: string): C | undefined {
  const byStart = [...campaigns].sort((a, b) => (a.startsOn < b.startsOn ? -1 : a.startsOn > b.startsOn ? 1 : 0));
  const running = byStart.filter((c) => c.startsOn <= today && today <= c.endsOn);
  if (running.length > 0) return running.at(-1);
  const next = byStart.find((c) => c.startsOn > today);
  if (next) return next;
  return [...byStart].sort((a, b) => (a.endsOn < b.endsOn ? -1 : 1)).at(-1);
}
