import { ShareChannel, type Application, type ApplicationStatus, type ApplySource, type TargetGroup } from '@chunfeng/shared/recruitment';
import { z } from 'zod';
import type { ApplicationBreakdown, ViewerSample } from '@chunfeng/shared/statistics';

type Named = { title: string; employer: string };
type Counted = Pick<Application, 'vacancyId' | 'targetGroup' | 'source' | 'status' | 'channel'>;

/** One tally a store keeps per session: the applications whose `dimension` is `key` ('total' has the key ''). */
export type CountCell =
  | { dimension: 'total'; key: '' }
  | { dimension: 'vacancy'; key: string }
  | { dimension: 'targetGroup'; key: TargetGroup | 'unspecified' }
  | { dimension: 'source'; key: ApplySource }
  | { dimension: 'status'; key: ApplicationStatus }
  | { dimension: 'channel'; key: ShareChannel }
  /**
   * Follow-up by priority group and by vacancy (employer and district follow from the vacancy): the
   * applications of a group, or to a vacancy, that are now in a status. The key is the status, ':',
   * then the group or vacancy id (a status has no ':'; a vacancy id may).
   */
  | { dimension: 'groupStatus'; key: `${ApplicationStatus}:${TargetGroup | 'unspecified'}` }
  | { dimension: 'vacancyStatus'; key: `${ApplicationStatus}:${string}` }
  /**
   * Not an application's: a viewer who opened the viewer page through a share link (see
   * countVisit). Kept in the session's tallies beside the applications' so one read of a session's
   * tallies (one row range, one hash) answers both.
   */
  | { dimension: 'visit'; key: ShareChannel };
export type CountDimension = CountCell['dimension'];

/** A change to one session's tally, as a store applies it in the same write as the application. */
export type CountChange = CountCell & { sessionId: string; delta: number };

/** Exact tallies of a set of applications, by the dimensions the bureau reports. */
export interface ApplicationCounts {
  total: number;
  byVacancy: Map<string, number>;
  byTargetGroup: Map<TargetGroup | 'unspecified', number>;
  bySource: Map<ApplySource, number>;
  byStatus: Map<ApplicationStatus, number>;
  /** Applications per share channel (those that came by none are in no cell). */
  byChannel: Map<ShareChannel, number>;
  /** Viewers per share channel (see the 'visit' cell): no application makes these. */
  visits: Map<ShareChannel, number>;
  /** Applications per 'status:group' and 'status:vacancyId' (the follow-up cells). */
  byGroupStatus: Map<CellKey<'groupStatus'>, number>;
  byVacancyStatus: Map<CellKey<'vacancyStatus'>, number>;
}

type CellKey<D extends CountDimension> = Extract<CountCell, { dimension: D }>['key'];

/** A follow-up cell's key split into its status and the rest (a group or a vacancy id). */
export function splitStatusKey(key: string): [ApplicationStatus, string] {
  const colon = key.indexOf(':');
  return [key.slice(0, colon) as ApplicationStatus, key.slice(colon + 1)];
}

/**
 * The cells one application adds 1 to. Withdrawn applications still count: they were made (the
 * status cell says how many were withdrawn). Applicants who did not say their group are 'unspecified'.
 */
export function countCells(a: Counted): CountCell[] {
  const cells: CountCell[] = [
    { dimension: 'total', key: '' },
    { dimension: 'vacancy', key: a.vacancyId },
    { dimension: 'targetGroup', key: a.targetGroup ?? 'unspecified' },
    { dimension: 'source', key: a.source },
    { dimension: 'status', key: a.status },
    { dimension: 'groupStatus', key: `${a.status}:${a.targetGroup ?? 'unspecified'}` },
    { dimension: 'vacancyStatus', key: `${a.status}:${a.vacancyId}` },
  ];
  // Applications made before channels existed, or by no share link, have none: no cell to migrate.
  if (a.channel) cells.push({ dimension: 'channel', key: a.channel });
  return cells;
}

/**
 * What a session's tallies change by when `before` becomes `after` (undefined: not stored). Only
 * applications made in a session are counted, as the statistics are per session and per campaign;
 * a status move is its old status −1 and its new one +1.
 */
export function countChanges(before: (Counted & Pick<Application, 'sessionId'>) | undefined, after: (Counted & Pick<Application, 'sessionId'>) | undefined): CountChange[] {
  const changes = new Map<string, CountChange>();
  const add = (a: typeof before, delta: number): void => {
    if (!a?.sessionId) return;
    for (const cell of countCells(a)) {
      const id = JSON.stringify([a.sessionId, cell.dimension, cell.key]);
      const seen = changes.get(id);
      if (seen) seen.delta += delta;
      else changes.set(id, { ...cell, sessionId: a.sessionId, delta });
    }
  };
  add(before, -1);
  add(after, 1);
  return [...changes.values()].filter((c) => c.delta !== 0);
}

export function emptyCounts(): ApplicationCounts {
  return { total: 0, byVacancy: new Map(), byTargetGroup: new Map(), bySource: new Map(), byStatus: new Map(), byChannel: new Map(), visits: new Map(), byGroupStatus: new Map(), byVacancyStatus: new Map() };
}

function bump<K>(map: Map<K, number>, key: K, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

/** Adds `n` applications in `cell` to `counts` (changed in place). */
export function addCell(counts: ApplicationCounts, cell: CountCell, n: number): void {
  switch (cell.dimension) {
    case 'total':
      counts.total += n;
      return;
    case 'vacancy':
      return bump(counts.byVacancy, cell.key, n);
    case 'targetGroup':
      return bump(counts.byTargetGroup, cell.key, n);
    case 'source':
      return bump(counts.bySource, cell.key, n);
    case 'status':
      return bump(counts.byStatus, cell.key, n);
    case 'channel':
      return bump(counts.byChannel, cell.key, n);
    case 'visit':
      return bump(counts.visits, cell.key, n);
    case 'groupStatus':
      return bump(counts.byGroupStatus, cell.key, n);
    case 'vacancyStatus':
      return bump(counts.byVacancyStatus, cell.key, n);
  }
}

/** Tallies the applications themselves (what the stores' kept counts must always equal). */
export function countApplications(applications: readonly Counted[]): ApplicationCounts {
  const counts = emptyCounts();
  for (const a of applications) for (const cell of countCells(a)) addCell(counts, cell, 1);
  return counts;
}

/** The counts of several sessions together (a campaign). */
export function sumCounts(parts: Iterable<ApplicationCounts>): ApplicationCounts {
  const sum = emptyCounts();
  for (const part of parts) {
    sum.total += part.total;
    for (const [k, n] of part.byVacancy) bump(sum.byVacancy, k, n);
    for (const [k, n] of part.byTargetGroup) bump(sum.byTargetGroup, k, n);
    for (const [k, n] of part.bySource) bump(sum.bySource, k, n);
    for (const [k, n] of part.byStatus) bump(sum.byStatus, k, n);
    for (const [k, n] of part.byChannel) bump(sum.byChannel, k, n);
    for (const [k, n] of part.visits) bump(sum.visits, k, n);
    for (const [k, n] of part.byGroupStatus) bump(sum.byGroupStatus, k, n);
    for (const [k, n] of part.byVacancyStatus) bump(sum.byVacancyStatus, k, n);
  }
  return sum;
}

/** Largest first, ties by key; a tally that fell to zero (every one moved on) is not listed. */
function ranked<K extends string>(counts: ReadonlyMap<K, number>): Array<[K, number]> {
  return [...counts].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** Counts as the bureau reads them: each list sorted largest first, vacancies with their names. */
export function breakdownOf(counts: ApplicationCounts, names: (vacancyId: string) => Named): ApplicationBreakdown {
  return {
    total: counts.total,
    byVacancy: ranked(counts.byVacancy).map(([vacancyId, count]) => ({ vacancyId, ...names(vacancyId), count })),
    byTargetGroup: ranked(counts.byTargetGroup).map(([group, count]) => ({ group, count })),
    bySource: ranked(counts.bySource).map(([source, count]) => ({ source, count })),
    byStatus: ranked(counts.byStatus).map(([status, count]) => ({ status, count })),
    // Every channel, in a fixed order, so the bureau sees the ones that brought nobody too.
    byChannel: ShareChannel.options.map((channel) => ({ channel, viewers: counts.visits.get(channel) ?? 0, applications: counts.byChannel.get(channel) ?? 0 })),
    byGroupAndStatus: ranked(counts.byGroupStatus).map(([key, count]) => {
      const [status, group] = splitStatusKey(key);
      return { group: group as TargetGroup | 'unspecified', status, count };
    }),
    byVacancyAndStatus: ranked(counts.byVacancyStatus).map(([key, count]) => {
      const [status, vacancyId] = splitStatusKey(key);
      return { vacancyId, status, count };
    }),
  };
}

/**
 * Counts applications per vacancy, target group, source and status. Withdrawn applications still
 * count: they were made (the status breakdown shows how many were withdrawn).
 */
export function breakdown(applications: readonly Counted[], names: (vacancyId: string) => Named): ApplicationBreakdown {
  return breakdownOf(countApplications(applications), names);
}

/**
 * A viewer series that keeps growing with a long session: past `max` samples, every other old sample
 * is dropped, so the curve keeps its shape and the document stays small.
 */
export function appendSample(series: readonly ViewerSample[], sample: ViewerSample, max: number): ViewerSample[] {
  const next = [...series, sample];
  if (next.length <= max) return next;
  const keepRecent = Math.floor(max / 2);
  const old = next.slice(0, next.length - keepRecent).filter((_, i) => i % 2 === 0);
  return [...old, ...next.slice(next.length - keepRecent)];
}

export function peak(series: readonly ViewerSample[]): number {
  return series.reduce((m, s) => Math.max(m, s.viewers), 0);
}

/**
 * An opaque viewer id as the stores keep it (AuthorIds.viewerOf: 32 hex characters, never a phone,
 * name or address). Checked before every write, so nothing longer or of another shape is stored.
 */
export const ViewerKey = z.string().regex(/^[0-9a-f]{32}$/);
