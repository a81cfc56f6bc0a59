import type { ApplicationRecord } from '../domain/applications';
import { DomainError } from '../domain/errors';
import type { ApplicationPageQuery, JobStore } from './jobStore';

/**
 * How many applications one page may read to find those matching what only the record holds
 * (status, dates, name): past that the page ends early and its `next` goes on from there, so a
 * search that matches nothing in a province's store costs one bounded read a page, not a full scan.
 */
export const PAGE_SCAN = 2000;

/** Whether the query matches on more than the indexed columns (vacancy, employer, session). */
export function pageNarrowed({ status, from, to, search }: ApplicationPageQuery): boolean {
  return Boolean(status || from || to || search);
}

/** A LIKE pattern matching `fragment` anywhere, with LIKE's own wildcards taken literally (escape `\`). */
export function likePattern(fragment: string): string {
  return `%${fragment.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Whether a record matches the query's narrowing (the same rules as the SQL of the embedded store). */
export function matchesPage(record: ApplicationRecord, { status, from, to, search }: ApplicationPageQuery): boolean {
  if (status && record.status !== status) return false;
  if (from && record.createdAt < from) return false;
  if (to && record.createdAt >= to) return false;
  if (search) {
    const needle = search.toLowerCase();
    if (!record.phone.toLowerCase().includes(needle) && !record.name.toLowerCase().includes(needle)) return false;
  }
  return true;
}

const POSITION: Record<JobStore['kind'], RegExp> = {
  // application_events.seq
  embedded: /^\d{1,15}$/,
  // a stream entry id
  redis: /^\d{1,15}-\d{1,15}$/,
};

/** A change-log position read back from a client: its shape checked for this store, or VALIDATION. */
export function changePosition(kind: JobStore['kind'], position: string): string {
  if (!POSITION[kind].test(position)) throw new DomainError('VALIDATION', 'this change cursor is not from this store; load the list again');
  return position;
}

/** Each id once, where it last appears: the order of the latest change to each. */
export function latestOrder(ids: readonly string[]): string[] {
  const last = new Map<string, number>();
  ids.forEach((id, i) => last.set(id, i));
  return [...last.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
}
