import { z } from 'zod';
import { DomainError } from '../domain/errors';

/**
 * The cursors of the application and bureau lists, opaque to clients: base64url of a small JSON object. What
 * comes back is parsed with its schema; anything else is a VALIDATION error, never a crash or a
 * query with a made-up position.
 */
const PageCursor = z.strictObject({ before: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const CatalogCursor = z.strictObject({ list: z.string().min(1).max(20), after: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const ChangeCursor = z.strictObject({ after: z.string().min(1).max(64) });

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode<S extends z.ZodType>(schema: S, cursor: string, what: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new DomainError('VALIDATION', `this ${what} cursor is not one the server gave; load the list again`);
  return parsed.data;
}

/** The cursor of the page that starts below `before` (null: there is none). */
export function pageCursor(before: number | undefined): string | null {
  return before === undefined ? null : encode({ before });
}

export function readPageCursor(cursor: string | undefined): number | undefined {
  return cursor === undefined ? undefined : decode(PageCursor, cursor, 'page').before;
}

/** A position in the store's change log, as a client keeps it. */
export function changeCursor(position: string): string {
  return encode({ after: position });
}

export function readChangeCursor(cursor: string): string {
  return decode(ChangeCursor, cursor, 'change').after;
}

/** The cursor of a bureau list's next page (null: there is none), naming its list so it is not taken for another's. */
export function catalogCursor(list: string, after: number | undefined): string | null {
  return after === undefined ? null : encode({ list, after });
}

/** A bureau list's cursor read back: its position, or VALIDATION for one not given for this list. */
export function readCatalogCursor(list: string, cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const read = decode(CatalogCursor, cursor, 'page');
  if (read.list !== list) throw new DomainError('VALIDATION', `this page cursor is not one of the ${list} list; load the list again`);
  return read.after;
}

/** A cursor of a list read in phases (one list name each): which phase, and the position in it. */
export function readPhasedCursor<L extends string>(lists: readonly L[], cursor: string | undefined): { list: L; after: number } | undefined {
  if (cursor === undefined) return undefined;
  const read = decode(CatalogCursor, cursor, 'page');
  if (!(lists as readonly string[]).includes(read.list)) throw new DomainError('VALIDATION', 'this page cursor is not one of this list; load the list again');
  return { list: read.list as L, after: read.after };
}

const KeyCursor = z.strictObject({ list: z.string().min(1).max(20), at: z.string().min(1).max(40), id: z.string().min(1).max(64) });

/**
 * The cursor of a list ordered by a document's time and id (null: there is none): the next page
 * starts after that document wherever it now is, so a list rebuilt between two pages shifts nothing.
 */
export function keyCursor(list: string, key: { at: string; id: string } | undefined): string | null {
  return key === undefined ? null : encode({ list, ...key });
}

/** A keyed cursor read back, or VALIDATION for one not given for this list. */
export function readKeyCursor(list: string, cursor: string | undefined): { at: string; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const { list: named, at, id } = decode(KeyCursor, cursor, 'page');
  if (named !== list) throw new DomainError('VALIDATION', `this page cursor is not one of the ${list} list; load the list again`);
  return { at, id };
}
