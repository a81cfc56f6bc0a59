import { addCell, emptyCounts, type ApplicationCounts, type CountCell } from '../domain/statistics';
import { CountCellRecord, readRecord } from './recordSchemas';
import { StoreError } from './storeError';

/** Sessions read per query (an IN list, a pipeline of HGETALLs): bounded however large the campaign. */
export const COUNT_CHUNK = 500;

/** A kept tally read back: which session, which cell, how many. */
export interface StoredCount {
  sessionId: string;
  cell: CountCell;
  count: number;
}

/** A tally as a field of a session's Redis hash: `<dimension>:<key>` (no dimension has a ':'; a key may). */
export function countField(cell: Pick<CountCell, 'dimension' | 'key'>): string {
  return `${cell.dimension}:${cell.key}`;
}

/** A Redis hash field and value read back, checked: a field or number that is not one this store writes is corrupt. */
export function parseCountField(field: string, value: string, where: string): { cell: CountCell; count: number } {
  const colon = field.indexOf(':');
  if (colon < 0) throw new StoreError('corrupt', `${where} has a field that is not a tally`);
  const cell = readRecord(CountCellRecord, { dimension: field.slice(0, colon), key: field.slice(colon + 1) }, where);
  return { cell, count: readCount(value, where) };
}

/** A stored count (a SQLite integer, a Redis integer reply in text) checked to be a whole number. */
export function readCount(value: unknown, where: string): number {
  const n = typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new StoreError('corrupt', `${where} holds a count that is not a whole number`);
  return n;
}

/** The answer of `applicationCounts`: every session asked for, each with its cells added up. */
export function countsOf(sessionIds: Iterable<string>, stored: Iterable<StoredCount>): Map<string, ApplicationCounts> {
  const counts = new Map<string, ApplicationCounts>();
  for (const id of sessionIds) if (!counts.has(id)) counts.set(id, emptyCounts());
  for (const { sessionId, cell, count } of stored) {
    const of = counts.get(sessionId);
    if (of) addCell(of, cell, count);
  }
  return counts;
}

/** The ids in chunks of COUNT_CHUNK, each once. */
export function countChunks(sessionIds: readonly string[]): string[][] {
  const unique = [...new Set(sessionIds)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += COUNT_CHUNK) chunks.push(unique.slice(i, i + COUNT_CHUNK));
  return chunks;
}
