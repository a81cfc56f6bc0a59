import type { Application, ApplicationStatus, ApplySource, TargetGroup } from '@chunfeng/shared/recruitment';
import type { ApplicationBreakdown, ViewerSample } from '@chunfeng/shared/statistics';

type Named = { title: string; employer: string };

function tally<K extends string>(keys: Iterable<K>): Array<[K, number]> {
  const counts = new Map<K, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/**
 * Counts applications per vacancy, target group, source and status. Withdrawn applications still
 * count: they were made (the status breakdown shows how many were withdrawn).
 */
export function breakdown(applications: readonly Application[], names: (vacancyId: string) => Named): ApplicationBreakdown {
  return {
    total: applications.length,
    byVacancy: tally(applications.map((a) => a.vacancyId as string)).map(([vacancyId, count]) => ({ vacancyId, ...names(vacancyId), count })),
    byTargetGroup: tally(applications.map((a): TargetGroup | 'unspecified' => a.targetGroup ?? 'unspecified')).map(([group, count]) => ({ group, count })),
    bySource: tally(applications.map((a): ApplySource => a.source)).map(([source, count]) => ({ source, count })),
    byStatus: tally(applications.map((a): ApplicationStatus => a.status)).map(([status, count]) => ({ status, count })),
  };
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
