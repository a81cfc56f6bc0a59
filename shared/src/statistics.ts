import type { ApplicationStatus, ApplySource, SessionStatus, ShareChannel, TargetGroup } from './recruitment';

/** How many people were watching a live session at one moment (WebRTC and HLS viewers alike). */
export interface ViewerSample {
  at: string;
  viewers: number;
}

export interface VacancyCount {
  vacancyId: string;
  title: string;
  employer: string;
  count: number;
}

/** Applications counted the ways the bureau reports them. Every list is sorted, largest first. */
export interface ApplicationBreakdown {
  total: number;
  byVacancy: VacancyCount[];
  /** Applicants who did not say which group they belong to count as 'unspecified'. */
  byTargetGroup: Array<{ group: TargetGroup | 'unspecified'; count: number }>;
  bySource: Array<{ source: ApplySource; count: number }>;
  byStatus: Array<{ status: ApplicationStatus; count: number }>;
  /**
   * What each share link's channel brought, every channel listed (zeros too): the viewers who opened
   * the viewer page through it (each browser once per session) and the applications they made.
   * Applications that came by no channel are the rest of `total`.
   */
  byChannel: Array<{ channel: ShareChannel; viewers: number; applications: number }>;
  /**
   * Follow-up: the applications of each priority group, and to each vacancy, by where each is now
   * (largest first; a pair with none is not listed). Each list adds up to `total`.
   */
  byGroupAndStatus: Array<{ group: TargetGroup | 'unspecified'; status: ApplicationStatus; count: number }>;
  byVacancyAndStatus: Array<{ vacancyId: string; status: ApplicationStatus; count: number }>;
}

export interface SessionSummary {
  id: string;
  title: string;
  status: SessionStatus;
  scheduledAt: string;
  peakViewers: number;
  /** Distinct browsers (device-token families) that joined as viewers; see UniqueViewerTotal. */
  uniqueViewers: number;
  applications: number;
}

/**
 * Distinct viewers of a session or of a campaign's sessions together (a viewer of two sessions is
 * one). `approximate` on the Redis store, which estimates them (HyperLogLog, standard error 0.81%);
 * exact on the embedded store.
 */
export interface UniqueViewerTotal {
  count: number;
  approximate: boolean;
}

export interface SessionStatistics {
  session: SessionSummary;
  uniqueViewers: UniqueViewerTotal;
  viewers: ViewerSample[];
  applications: ApplicationBreakdown;
}

export interface CampaignStatistics {
  campaign: { id: string; name: string; startsOn: string; endsOn: string };
  sessions: SessionSummary[];
  uniqueViewers: UniqueViewerTotal;
  applications: ApplicationBreakdown;
}
