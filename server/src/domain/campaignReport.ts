import type { CampaignReport, ReportGroupRow, ReportSession, StatusCounts } from '@chunfeng/shared/campaignReport';
import { TOP_VACANCIES } from '@chunfeng/shared/campaignReport';
import { ApplicationStatus, type Employer, type LiveSession, type Vacancy } from '@chunfeng/shared/recruitment';
import type { ApplicationBreakdown, CampaignStatistics } from '@chunfeng/shared/statistics';

export interface ReportInputs {
  bureau: string;
  /** The campaign's statistics, its session documents and each session's breakdown, in one order (Statistics.campaignDetail). */
  statistics: CampaignStatistics;
  sessions: readonly LiveSession[];
  perSession: readonly ApplicationBreakdown[];
  vacancies: readonly Vacancy[];
  employers: readonly Employer[];
  timeZone: string;
  now: Date;
  /** The distinct viewers of each day's sessions together, by the days of sessionsByDay. */
  uniqueViewersByDay: ReadonlyMap<string, number>;
}

/** The heading of sessions, vacancies and applications whose employer is not in the catalog (or that featured no vacancy). */
export const NONE = '';

function noStatuses(): StatusCounts {
  return Object.fromEntries(ApplicationStatus.options.map((s) => [s, 0])) as StatusCounts;
}

function statusCounts(byStatus: ApplicationBreakdown['byStatus']): StatusCounts {
  const counts = noStatuses();
  for (const { status, count } of byStatus) counts[status] += count;
  return counts;
}

function addStatuses(to: StatusCounts, from: StatusCounts): void {
  for (const s of ApplicationStatus.options) to[s] += from[s];
}

/** Status counts per group or vacancy, from one of the statistics' follow-up lists. */
function statusesBy<R extends { status: ApplicationStatus; count: number }>(rows: readonly R[], keyOf: (row: R) => string): Map<string, StatusCounts> {
  const by = new Map<string, StatusCounts>();
  for (const row of rows) {
    const key = keyOf(row);
    let counts = by.get(key);
    if (!counts) by.set(key, (counts = noStatuses()));
    counts[row.status] += row.count;
  }
  return by;
}

function localDay(iso: string, timeZone: string): string {
  // sv-SE writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** The sessions' ids by the local day each is scheduled for: the report's trend has a row a day. */
export function sessionsByDay(sessions: readonly LiveSession[], timeZone: string): Map<string, string[]> {
  const days = new Map<string, string[]>();
  for (const s of sessions) {
    const day = localDay(s.scheduledAt, timeZone);
    days.set(day, [...(days.get(day) ?? []), s.id]);
  }
  return days;
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The campaign summary from the campaign's statistics. Every application figure is one of the
 * statistics' own (a session's total, a vacancy's count, a status or group count) or a sum of them
 * grouped by the vacancy's employer, so the report cannot disagree with the statistics pages. What a
 * session "featured" is its lineup's vacancies and those applied to during it.
 */
export function campaignReport({ bureau, statistics, sessions, perSession, vacancies, employers, timeZone, now, uniqueViewersByDay }: ReportInputs): CampaignReport {
  const vacancyById = new Map(vacancies.map((v) => [v.id as string, v]));
  const employerById = new Map(employers.map((e) => [e.id as string, e]));
  const employerOf = (vacancyId: string): Employer | undefined => {
    const v = vacancyById.get(vacancyId);
    return v && employerById.get(v.employerId);
  };

  const featured = sessions.map((s, i) => new Set([...s.lineup.filter((item) => item.kind === 'vacancy').map((item) => item.id as string), ...(perSession[i]?.byVacancy ?? []).map((v) => v.vacancyId)]));
  const offered = new Set(featured.flatMap((ids) => [...ids]));
  const applicationsOf = new Map(statistics.applications.byVacancy.map((v) => [v.vacancyId, v.count]));
  const statusesOfVacancy = statusesBy(statistics.applications.byVacancyAndStatus, (r) => r.vacancyId);
  const statusesOfGroup = statusesBy(statistics.applications.byGroupAndStatus, (r) => r.group);
  // Applications to a vacancy no session featured cannot exist (each was made in a session), but a
  // vacancy is counted wherever its applications are, so the groups always add up to the total.
  for (const id of applicationsOf.keys()) offered.add(id);

  const reportSessions: ReportSession[] = statistics.sessions.map((summary, i) => {
    const owners = [...featured[i]!].map(employerOf);
    const distinct = (values: Array<string | undefined>): string[] => [...new Set(values.map((v) => v ?? NONE))].sort();
    return {
      ...summary,
      day: localDay(summary.scheduledAt, timeZone),
      sectors: owners.length ? distinct(owners.map((e) => e?.industry)) : [NONE],
      districts: owners.length ? distinct(owners.map((e) => e?.district)) : [NONE],
      byStatus: statusCounts(perSession[i]?.byStatus ?? []),
    };
  });

  const badges = (v: Vacancy | undefined) => ({ love: v?.badges.includes('love') ?? false, publicWelfare: v?.badges.includes('public-welfare') ?? false });

  const employerRows = new Map<string, CampaignReport['byEmployer'][number]>();
  for (const id of offered) {
    const v = vacancyById.get(id);
    const e = employerOf(id);
    const key = e?.id ?? NONE;
    const row = employerRows.get(key) ?? { employerId: key, name: e?.name ?? NONE, industry: e?.industry ?? NONE, district: e?.district ?? NONE, vacancies: 0, love: 0, publicWelfare: 0, headcount: 0, applications: 0, byStatus: noStatuses() };
    const b = badges(v);
    row.vacancies += 1;
    row.love += b.love ? 1 : 0;
    row.publicWelfare += b.publicWelfare ? 1 : 0;
    row.headcount += v?.headcount ?? 0;
    row.applications += applicationsOf.get(id) ?? 0;
    addStatuses(row.byStatus, statusesOfVacancy.get(id) ?? noStatuses());
    employerRows.set(key, row);
  }
  const byEmployer = [...employerRows.values()].sort((a, b) => b.applications - a.applications || byName(a, b));

  const grouped = (heading: (e: CampaignReport['byEmployer'][number]) => string, sessionHeadings: (s: ReportSession) => string[]): ReportGroupRow[] => {
    const rows = new Map<string, ReportGroupRow>();
    const row = (name: string): ReportGroupRow => {
      let r = rows.get(name);
      if (!r) rows.set(name, (r = { name, sessions: 0, employers: 0, vacancies: 0, applications: 0, byStatus: noStatuses() }));
      return r;
    };
    for (const s of reportSessions) for (const name of sessionHeadings(s)) row(name).sessions += 1;
    for (const e of byEmployer) {
      const r = row(heading(e));
      r.employers += e.employerId === NONE ? 0 : 1;
      r.vacancies += e.vacancies;
      r.applications += e.applications;
      addStatuses(r.byStatus, e.byStatus);
    }
    return [...rows.values()].sort((a, b) => b.applications - a.applications || b.sessions - a.sessions || byName(a, b));
  };

  const trend = new Map<string, CampaignReport['trend'][number]>();
  for (const s of reportSessions) {
    const t = trend.get(s.day) ?? { day: s.day, sessions: 0, peakViewers: 0, uniqueViewers: uniqueViewersByDay.get(s.day) ?? 0, applications: 0 };
    t.sessions += 1;
    t.peakViewers = Math.max(t.peakViewers, s.peakViewers);
    t.applications += s.applications;
    trend.set(s.day, t);
  }

  const offeredVacancies = [...offered].map((id) => vacancyById.get(id));
  return {
    bureau,
    campaign: statistics.campaign,
    generatedAt: now.toISOString(),
    totals: {
      sessions: reportSessions.length,
      sessionsHeld: reportSessions.filter((s) => s.status === 'ended').length,
      peakViewers: reportSessions.reduce((m, s) => Math.max(m, s.peakViewers), 0),
      sumOfPeaks: reportSessions.reduce((n, s) => n + s.peakViewers, 0),
      uniqueViewers: statistics.uniqueViewers.count,
      uniqueViewersApproximate: statistics.uniqueViewers.approximate,
      employers: byEmployer.filter((e) => e.employerId !== NONE).length,
      vacancies: offered.size,
      headcount: offeredVacancies.reduce((n, v) => n + (v?.headcount ?? 0), 0),
      love: offeredVacancies.filter((v) => badges(v).love).length,
      publicWelfare: offeredVacancies.filter((v) => badges(v).publicWelfare).length,
      applications: statistics.applications.total,
      byStatus: statusCounts(statistics.applications.byStatus),
    },
    byTargetGroup: statistics.applications.byTargetGroup.map((g) => ({ ...g, byStatus: statusesOfGroup.get(g.group) ?? noStatuses() })),
    bySource: statistics.applications.bySource,
    sessions: reportSessions,
    bySector: grouped((e) => e.industry, (s) => s.sectors),
    byDistrict: grouped((e) => e.district, (s) => s.districts),
    byEmployer,
    topVacancies: statistics.applications.byVacancy.slice(0, TOP_VACANCIES).map((v) => ({ ...v, district: employerOf(v.vacancyId)?.district ?? NONE, ...badges(vacancyById.get(v.vacancyId)) })),
    trend: [...trend.values()].sort((a, b) => (a.day < b.day ? -1 : 1)),
  };
}
