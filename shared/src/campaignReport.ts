import { z } from 'zod';
import type { ApplicationStatus, ApplySource, TargetGroup } from './recruitment';
import type { SessionSummary, VacancyCount } from './statistics';

/** The languages the report's workbook is written in (its headers and labels; names stay as entered). */
export const ReportLanguage = z.enum(['zh-CN', 'en']);
export type ReportLanguage = z.infer<typeof ReportLanguage>;

/** `GET /api/campaigns/:id/report` and `/report.xlsx`: anything else in the query is refused. */
export const CampaignReportQuery = z.strictObject({ lang: ReportLanguage.default('zh-CN') });

/** Applications of a set of sessions by where each one is now (new, contacted, … withdrawn). */
export type StatusCounts = Record<ApplicationStatus, number>;

/** One session as the report lists it: the statistics page's figures plus what it featured. */
export interface ReportSession extends SessionSummary {
  /** The local calendar day it was scheduled for (the bureau's time zone). */
  day: string;
  /** The industries and districts of the employers whose vacancies it featured. */
  sectors: string[];
  districts: string[];
  byStatus: StatusCounts;
}

/** Sessions, vacancies and applications under one heading (an industry, a district). */
export interface ReportGroupRow {
  name: string;
  sessions: number;
  employers: number;
  vacancies: number;
  applications: number;
  /** Those applications by where each is now (follow-up: contacted, interviewing, hired …). */
  byStatus: StatusCounts;
}

export interface ReportEmployerRow {
  employerId: string;
  name: string;
  industry: string;
  district: string;
  vacancies: number;
  /** Vacancies badged 爱心岗位 and 公益性岗位, counted apart (one with both badges counts in both). */
  love: number;
  publicWelfare: number;
  headcount: number;
  applications: number;
  byStatus: StatusCounts;
}

export interface ReportVacancyRow extends VacancyCount {
  district: string;
  love: boolean;
  publicWelfare: boolean;
}

/**
 * The campaign summary (活动总结). Built from the campaign statistics (the same tallies the statistics
 * pages read), so every application figure here equals the statistics API's.
 */
export interface CampaignReport {
  bureau: string;
  campaign: { id: string; name: string; startsOn: string; endsOn: string };
  generatedAt: string;
  totals: {
    sessions: number;
    /** Sessions that have ended (held); the rest are scheduled or live now. */
    sessionsHeld: number;
    /** The highest of the sessions' peak viewers, and their peaks added up. */
    peakViewers: number;
    sumOfPeaks: number;
    /** Distinct viewers of the campaign's sessions together (the statistics' uniqueViewers). */
    uniqueViewers: number;
    /** True on the Redis store, whose unique viewers are an estimate (±0.81%). */
    uniqueViewersApproximate: boolean;
    employers: number;
    vacancies: number;
    headcount: number;
    love: number;
    publicWelfare: number;
    applications: number;
    byStatus: StatusCounts;
  };
  /** Applications per priority group, each with where they are now (the statistics' byGroupAndStatus). */
  byTargetGroup: Array<{ group: TargetGroup | 'unspecified'; count: number; byStatus: StatusCounts }>;
  bySource: Array<{ source: ApplySource; count: number }>;
  sessions: ReportSession[];
  bySector: ReportGroupRow[];
  byDistrict: ReportGroupRow[];
  byEmployer: ReportEmployerRow[];
  /** The vacancies with the most applications, at most TOP_VACANCIES. */
  topVacancies: ReportVacancyRow[];
  /**
   * Per local day with a session: sessions, the day's highest peak, applications made in them, and
   * the distinct viewers of that day's sessions together (a viewer of two of them is one; an estimate
   * on Redis as the total is). The days' unique viewers add up to more than the campaign's when
   * someone watched on two days.
   */
  trend: Array<{ day: string; sessions: number; peakViewers: number; uniqueViewers: number; applications: number }>;
}

export const TOP_VACANCIES = 10;
