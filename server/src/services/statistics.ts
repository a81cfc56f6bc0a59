import type { ApplicationBreakdown, CampaignStatistics, SessionStatistics, SessionSummary, ViewerSample } from '@chunfeng/shared/statistics';
import type { LiveSession } from '@chunfeng/shared/recruitment';
import { DomainError } from '../domain/errors';
import { KeyedQueue } from '../domain/keyedQueue';
import { appendSample, breakdownOf, emptyCounts, peak, sumCounts } from '../domain/statistics';
import type { JobStore } from '../store/jobStore';

/** At most this many samples per session (a day at 30 s); older ones thin out past it. */
const MAX_SAMPLES = 2880;

/**
 * The bureau's numbers: viewers over time (sampled while a session is live and kept in the job store)
 * and applications per vacancy, target group, source and status, per session and per campaign. The
 * application figures are the tallies the store keeps with every write (JobStore.applicationCounts):
 * a campaign's page reads each session's tallies, never its applications.
 */
export class Statistics {
  readonly #store: JobStore;
  readonly #now: () => Date;
  /** Writes of one session's series in order, so a slow write never lands after a newer one. */
  readonly #writes = new KeyedQueue();

  constructor({ store, now = () => new Date() }: { store: JobStore; now?: () => Date }) {
    this.#store = store;
    this.#now = now;
  }

  /** Records `count()` now and every `intervalMs` until the returned stop function runs (which records once more). */
  track(sessionId: string, count: () => number, { intervalMs, onError }: { intervalMs: number; onError: (err: unknown) => void }): () => void {
    // The series is read once (a session reopened after a restart goes on with its curve), then kept
    // here and written whole after each sample: no read per sample.
    let samples: ViewerSample[] | undefined;
    const sample = (): void => {
      const at = this.#now().toISOString();
      const viewers = count();
      this.#writes
        .run(sessionId, async () => {
          samples ??= (await this.#store.get('viewers', sessionId))?.samples ?? [];
          samples = appendSample(samples, { at, viewers }, MAX_SAMPLES);
          await this.#store.put('viewers', { id: sessionId, samples });
        })
        .catch(onError);
    };
    sample();
    const timer = setInterval(sample, intervalMs);
    timer.unref();
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      sample();
    };
  }

  /** Sessions whose samples are being written now. */
  held(): number {
    return this.#writes.size;
  }

  /** Resolves once every sample recorded so far is stored. */
  async flushed(): Promise<void> {
    await this.#writes.settled();
  }

  async session(sessionId: string): Promise<SessionStatistics> {
    const session = await this.#store.get('session', sessionId);
    if (!session) throw new DomainError('NOT_FOUND', 'no such session');
    const [series, counts, unique] = await Promise.all([this.#store.get('viewers', sessionId), this.#store.applicationCounts([sessionId]), this.#store.uniqueViewers([sessionId])]);
    const viewers = series?.samples ?? [];
    const applications = counts.get(sessionId) ?? emptyCounts();
    return {
      session: summary(session, peak(viewers), unique.together, applications.total),
      uniqueViewers: { count: unique.together, approximate: unique.approximate },
      viewers,
      applications: breakdownOf(applications, await this.#names(applications.byVacancy.keys())),
    };
  }

  async campaign(campaignId: string): Promise<CampaignStatistics> {
    return (await this.campaignDetail(campaignId)).statistics;
  }

  /**
   * The campaign's statistics (what `campaign` answers) and, from the same read of the tallies, each
   * session's own breakdown in the order of `statistics.sessions`: the campaign report is built from
   * this, so its figures are the statistics page's by construction.
   */
  async campaignDetail(campaignId: string): Promise<{ statistics: CampaignStatistics; sessions: LiveSession[]; perSession: ApplicationBreakdown[] }> {
    const campaign = await this.#store.get('campaign', campaignId);
    if (!campaign) throw new DomainError('NOT_FOUND', 'no such campaign');
    // The campaign's own sessions (its index), each of which the answer lists: read as it grows, not the province's.
    const sessions = await this.#store.list('session', { value: campaignId });
    const [counts, unique, peaks] = await Promise.all([
      this.#store.applicationCounts(sessions.map((s) => s.id)),
      this.#store.uniqueViewers(sessions.map((s) => s.id)),
      Promise.all(sessions.map(async (s) => peak((await this.#store.get('viewers', s.id))?.samples ?? []))),
    ]);
    const of = (id: string) => counts.get(id) ?? emptyCounts();
    const total = sumCounts(sessions.map((s) => of(s.id)));
    // Every session's vacancies are in the total's: one read of their names serves each breakdown.
    const names = await this.#names(total.byVacancy.keys());
    return {
      statistics: {
        campaign: { id: campaign.id, name: campaign.name, startsOn: campaign.startsOn, endsOn: campaign.endsOn },
        sessions: sessions.map((s, i) => summary(s, peaks[i]!, unique.perSession.get(s.id) ?? 0, of(s.id).total)),
        uniqueViewers: { count: unique.together, approximate: unique.approximate },
        applications: breakdownOf(total, names),
      },
      sessions,
      perSession: sessions.map((s) => breakdownOf(of(s.id), names)),
    };
  }

  /**
   * The title and employer of each vacancy the figures name, read by id (the stores keep these
   * documents in memory): as many as the breakdown lists, never every vacancy and employer of the
   * province, which the whole-kind reads before this did on every view.
   */
  async #names(vacancyIds: Iterable<string>): Promise<(vacancyId: string) => { title: string; employer: string }> {
    const ids = [...vacancyIds];
    const vacancies = await Promise.all(ids.map((id) => this.#store.get('vacancy', id)));
    const employerIds = [...new Set(vacancies.flatMap((v) => (v ? [v.employerId as string] : [])))];
    const employers = await Promise.all(employerIds.map((id) => this.#store.get('employer', id)));
    const employerName = new Map(employerIds.map((id, i) => [id, employers[i]?.name ?? '']));
    const byId = new Map(vacancies.flatMap((v) => (v ? [[v.id as string, { title: v.title, employer: employerName.get(v.employerId) ?? '' }] as const] : [])));
    return (id) => byId.get(id) ?? { title: id, employer: '' };
  }
}

function summary(s: LiveSession, peakViewers: number, uniqueViewers: number, applications: number): SessionSummary {
  return { id: s.id, title: s.title, status: s.status, scheduledAt: s.scheduledAt, peakViewers, uniqueViewers, applications };
}
