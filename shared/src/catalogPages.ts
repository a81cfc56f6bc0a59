import { z } from 'zod';
import { InviteKind } from './admin';
import { SessionStatus } from './recruitment';

/** Documents a page of a bureau list holds unless asked for fewer (at most 100). */
export const CATALOG_PAGE_SIZE = 50;

const page = {
  /** The `next` of the page before. */
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(CATALOG_PAGE_SIZE),
};
/** A fragment of a name or title, matched anywhere, any case for Latin letters; blank is no narrowing. */
const fragment = z
  .string()
  .trim()
  .max(40)
  .optional()
  .transform((q) => q || undefined);
const id = z.string().min(1).max(64).optional();
const yesNo = z.enum(['yes', 'no']).optional();
/** Most ids one read may name (a page's worth: a console looks up the names a page shows). */
export const MAX_IDS = 100;
/** Ids, comma-separated (at most MAX_IDS, none blank): what a console looks up by id. */
const idList = z
  .string()
  .max(MAX_IDS * 65)
  .transform((text) => text.split(','))
  .pipe(z.array(z.string().trim().min(1).max(64)).min(1).max(MAX_IDS));
/** Whether `id` can be one of the `ids` asked (no comma, not blank, at most 64 characters): a console asks for no other. */
export const askableId = (id: string): boolean => !id.includes(',') && idList.safeParse(id).success;
/**
 * `ids`: only these documents (those not found, or not the asker's to see, left out; no `next`, and
 * no `cursor` with them);
 * `order`: `newest` first for a picker, where the latest campaign or employer is the likely one.
 */
const lookup = { ids: idList.optional(), order: z.enum(['oldest', 'newest']).optional() };
/** A read by ids has no pages: a cursor beside them is refused rather than ignored. */
const idsOrCursor = <Q extends { ids?: string[] | undefined; cursor?: string | undefined }>(query: Q): boolean => query.ids === undefined || query.cursor === undefined;
const noCursorWithIds = { path: ['cursor'], message: 'ids and a cursor cannot be asked together' };

/** GET /api/campaigns: oldest first, narrowed by a fragment of the name. */
export const CampaignListQuery = z.object({ ...page, ...lookup, q: fragment }).refine(idsOrCursor, noCursorWithIds);
/** GET /api/sessions: oldest first, narrowed by campaign, status and a fragment of the title. */
export const SessionListQuery = z.object({ ...page, ...lookup, campaignId: id, status: SessionStatus.optional(), q: fragment }).refine(idsOrCursor, noCursorWithIds);
/** GET /api/employers: oldest first, narrowed by a fragment of the name and whether the bureau verified them. */
export const EmployerListQuery = z.object({ ...page, ...lookup, q: fragment, verified: yesNo }).refine(idsOrCursor, noCursorWithIds);
/**
 * GET /api/vacancies: oldest first, narrowed by employer (an employer always sees only its own), a
 * fragment of the title, and `flagged=yes` (held by a scam-guard flag the bureau has not checked).
 */
export const VacancyListQuery = z.object({ ...page, ...lookup, employerId: id, q: fragment, flagged: yesNo }).refine(idsOrCursor, noCursorWithIds);
/** GET /api/policies: oldest first, narrowed by a fragment of the title. */
export const PolicyListQuery = z.object({ ...page, ...lookup, q: fragment }).refine(idsOrCursor, noCursorWithIds);
/**
 * GET /api/catalog/counts: how many vacancies each employer has (`of=vacancy`) or sessions each
 * campaign (`of=session`), for the ids of a page of the console's list; read from the store's index.
 */
export const CatalogCountsQuery = z.object({ of: z.enum(['vacancy', 'session']), ids: idList });
export type CatalogCounts = { counts: Record<string, number> };
/** GET /api/staff: the accounts not removed, oldest first. */
export const StaffListQuery = z.object(page);
/** GET /api/invites: newest first, narrowed by kind. */
export const InviteListQuery = z.object({ ...page, kind: InviteKind.optional() });

export type CampaignListQuery = z.input<typeof CampaignListQuery>;
export type SessionListQuery = z.input<typeof SessionListQuery>;
export type EmployerListQuery = z.input<typeof EmployerListQuery>;
export type VacancyListQuery = z.input<typeof VacancyListQuery>;

/** A page of a bureau list: the documents under the list's own name (`sessions`, `employers`…) and the cursor of the next page, or null at the end. */
export type CatalogListPage<Name extends string, T> = { [N in Name]: T[] } & { next: string | null };

/** GET /api/public/sessions: the landing page's sessions, a page at a time. */
export const PublicSessionListQuery = z.object(page);

/** A session as the landing page lists it (nothing personal). */
export interface PublicSessionItem {
  id: string;
  title: string;
  status: z.infer<typeof SessionStatus>;
  scheduledAt: string;
  campaignId: string;
  campaign: string;
  /** Ended with a finished recording to play back. */
  replay: boolean;
}

/** The campaign the landing page names as running today. */
export interface CurrentCampaign {
  id: string;
  name: string;
  startsOn: string;
  endsOn: string;
  description: string;
}

/**
 * A page of the landing page's sessions: live and upcoming ones first (newest created first), then
 * ended ones (the most recent first). `current` comes with the first page only.
 */
export interface PublicSessionPage {
  current?: CurrentCampaign | null;
  sessions: PublicSessionItem[];
  next: string | null;
}
