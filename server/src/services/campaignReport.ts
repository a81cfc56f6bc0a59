import type { CampaignReport } from '@chunfeng/shared/campaignReport';
import { campaignReport } from '../domain/campaignReport';
import type { JobStore } from '../store/jobStore';
import type { Statistics } from './statistics';

/**
 * The campaign summary (活动总结) the bureau files: the campaign statistics (one read of the
 * sessions' tallies, never an application) with the catalog's employers and vacancies beside them.
 */
export class CampaignReports {
  readonly #statistics: Statistics;
  readonly #store: JobStore;
  readonly #bureau: string;
  readonly #timeZone: string;
  readonly #now: () => Date;

  constructor({ statistics, store, bureau, timeZone, now = () => new Date() }: { statistics: Statistics; store: JobStore; bureau: string; timeZone: string; now?: () => Date }) {
    this.#statistics = statistics;
    this.#store = store;
    this.#bureau = bureau;
    this.#timeZone = timeZone;
    this.#now = now;
  }

  /** Throws NOT_FOUND for a campaign that does not exist. */
  async report(campaignId: string): Promise<CampaignReport> {
    const { statistics, sessions, perSession } = await this.#statistics.campaignDetail(campaignId);
    const [vacancies, employers] = await Promise.all([this.#store.list('vacancy'), this.#store.list('employer')]);
    return campaignReport({ bureau: this.#bureau, statistics, sessions, perSession, vacancies, employers, timeZone: this.#timeZone, now: this.#now() });
  }
}
