import type { CampaignReport } from '@chunfeng/shared/campaignReport';
import type { LiveSession } from '@chunfeng/shared/recruitment';
import type { SessionSummary } from '@chunfeng/shared/statistics';
import { campaignReport, sessionsByDay } from '../domain/campaignReport';
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
    const [vacancies, employers, uniqueViewersByDay] = await Promise.all([this.#store.list('vacancy'), this.#store.list('employer'), this.#uniqueViewersByDay(sessions, statistics.sessions)]);
    return campaignReport({ bureau: this.#bureau, statistics, sessions, perSession, vacancies, employers, timeZone: this.#timeZone, now: this.#now(), uniqueViewersByDay });
  }

  /**
   * Each day's distinct viewers: a day of one session has that session's (already read); a day of
   * several asks the store for the union of theirs (SQLite: COUNT(DISTINCT) over their rows; Redis:
   * one PFCOUNT of their HyperLogLogs). No per-day record is kept: a session belongs to one day.
   */
  async #uniqueViewersByDay(sessions: readonly LiveSession[], summaries: readonly SessionSummary[]): Promise<Map<string, number>> {
    const perSession = new Map(summaries.map((s) => [s.id, s.uniqueViewers]));
    const days = [...sessionsByDay(sessions, this.#timeZone)];
    const counts = await Promise.all(days.map(async ([, ids]) => (ids.length === 1 ? (perSession.get(ids[0]!) ?? 0) : (await this.#store.uniqueViewers(ids)).together)));
    return new Map(days.map(([day], i) => [day, counts[i]!]));
  }
}
