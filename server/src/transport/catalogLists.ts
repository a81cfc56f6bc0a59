import type { Router } from 'express';
import {
  CampaignListQuery,
  CatalogCountsQuery,
  EmployerListQuery,
  InviteListQuery,
  PolicyListQuery,
  SessionListQuery,
  StaffListQuery,
  VacancyListQuery,
} from '@chunfeng/shared/catalogPages';
import { openFlags } from '@chunfeng/shared/recruitment';
import type { Tokens } from '../auth/tokens';
import type { Invites } from '../services/invites';
import type { RecruitmentService } from '../services/recruitment';
import type { StaffAccounts } from '../services/staff';
import { catalogIndex, type CatalogKind, type CatalogKinds, type CatalogPageQuery } from '../store/jobStore';
import { authenticate, requireAdmin, requireBureau } from './auth';
import { catalogCursor, readCatalogCursor } from './cursors';
import { parse } from './httpErrors';

/** Whether `text` holds `fragment` (any case for Latin letters), as the applicant search matches. */
const holds = (text: string, fragment: string): boolean => text.toLowerCase().includes(fragment.toLowerCase());

/** Every condition given, or none (no matching: the page reads only what it returns). */
function allOf<T>(conditions: Array<((doc: T) => boolean) | false | undefined>): ((doc: T) => boolean) | undefined {
  const given = conditions.filter((c): c is (doc: T) => boolean => typeof c === 'function');
  return given.length === 0 ? undefined : (doc) => given.every((c) => c(doc));
}

/**
 * The bureau's lists, a keyset page at a time (`limit`, 50 unless asked, at most 100; `cursor`, the
 * `next` of the page before; a cursor the server did not give for that list is a typed 400). Each
 * answers under its old name (`campaigns`, `sessions`…) with `next`. Narrowing by an indexed field
 * (a session's campaign, a vacancy's employer) reads only that field's documents; the rest is
 * matched within the store's bounded scan, so a page may be short and still have a `next`.
 */
export function catalogListRoutes(api: Router, { service, tokens, staff, invites }: { service: RecruitmentService; tokens: Tokens; staff: StaffAccounts; invites: Invites }): void {
  const store = service.store;
  /**
   * A page in creation order (`order` newest or oldest first), or, when `ids` are given, just those
   * documents in the order asked, each read by id and held to the same narrowing (no `next`).
   */
  async function page<K extends CatalogKind>(
    kind: K,
    { cursor, ids }: { cursor: string | undefined; ids: string[] | undefined },
    query: Omit<CatalogPageQuery<K>, 'after'>,
  ): Promise<{ docs: Array<CatalogKinds[K]>; next: string | null }> {
    if (ids !== undefined) {
      const found: Array<CatalogKinds[K] | undefined> = await Promise.all([...new Set(ids)].map((id): Promise<CatalogKinds[K] | undefined> => store.get(kind, id)));
      const field = catalogIndex[kind];
      const inWhere = (doc: CatalogKinds[K]): boolean => query.where === undefined || (field !== undefined && String(doc[field]) === query.where.value);
      return { docs: found.filter((doc): doc is CatalogKinds[K] => doc !== undefined && inWhere(doc) && (query.match?.(doc) ?? true)), next: null };
    }
    const { docs, next } = await store.pageCatalog(kind, { ...query, after: readCatalogCursor(kind, cursor) });
    return { docs, next: catalogCursor(kind, next) };
  }

  api.get('/campaigns', async (req, res) => {
    await requireBureau(req, tokens);
    const { cursor, ids, order, limit, q } = parse(CampaignListQuery, req.query);
    const { docs, next } = await page('campaign', { cursor, ids }, { limit, order, match: allOf([q !== undefined && ((c) => holds(c.name, q))]) });
    res.json({ campaigns: docs, next });
  });
  api.get('/sessions', async (req, res) => {
    await requireBureau(req, tokens);
    const { cursor, ids, order, limit, campaignId, status, q } = parse(SessionListQuery, req.query);
    const match = allOf<CatalogKinds['session']>([status !== undefined && ((s) => s.status === status), q !== undefined && ((s) => holds(s.title, q))]);
    const { docs, next } = await page('session', { cursor, ids }, { limit, order, match, ...(campaignId && { where: { value: campaignId } }) });
    res.json({ sessions: docs, next });
  });
  api.get('/employers', async (req, res) => {
    await requireBureau(req, tokens);
    const { cursor, ids, order, limit, q, verified } = parse(EmployerListQuery, req.query);
    const match = allOf<CatalogKinds['employer']>([q !== undefined && ((e) => holds(e.name, q)), verified !== undefined && ((e) => e.verified === (verified === 'yes'))]);
    const { docs, next } = await page('employer', { cursor, ids }, { limit, order, match });
    res.json({ employers: docs, next });
  });
  // An employer's console sees its own vacancies whatever it asks for; the bureau any employer's, or all.
  api.get('/vacancies', async (req, res) => {
    const actor = await authenticate(req, tokens);
    const { cursor, ids, order, limit, q, flagged, ...asked } = parse(VacancyListQuery, req.query);
    const employerId = actor.kind === 'employer' ? actor.employerId : asked.employerId;
    const match = allOf<CatalogKinds['vacancy']>([q !== undefined && ((v) => holds(v.title, q)), flagged !== undefined && ((v) => openFlags(v).length > 0 === (flagged === 'yes'))]);
    const { docs, next } = await page('vacancy', { cursor, ids }, { limit, order, match, ...(employerId && { where: { value: employerId } }) });
    res.json({ vacancies: docs, next });
  });
  api.get('/policies', async (req, res) => {
    await requireBureau(req, tokens);
    const { cursor, ids, order, limit, q } = parse(PolicyListQuery, req.query);
    const { docs, next } = await page('policy', { cursor, ids }, { limit, order, match: allOf([q !== undefined && ((p) => holds(p.title, q))]) });
    res.json({ policies: docs, next });
  });
  api.get('/catalog/counts', async (req, res) => {
    await requireBureau(req, tokens);
    const { of, ids } = parse(CatalogCountsQuery, req.query);
    const counts = await store.countIndexed(of, [...new Set(ids)]);
    res.json({ counts: Object.fromEntries(counts) });
  });
  api.get('/invites', async (req, res) => {
    await requireBureau(req, tokens);
    const { cursor, limit, kind } = parse(InviteListQuery, req.query);
    const found = await invites.page({ kind, limit, after: readCatalogCursor('invite', cursor) });
    // The server's clock says which links have expired (a console's clock may be off).
    res.json({ invites: found.invites, next: catalogCursor('invite', found.next), now: new Date().toISOString() });
  });
  api.get('/staff', async (req, res) => {
    await requireAdmin(req, tokens);
    const { cursor, limit } = parse(StaffListQuery, req.query);
    const found = await staff.page({ limit, after: readCatalogCursor('staff', cursor) });
    res.json({ staff: found.staff, next: catalogCursor('staff', found.next) });
  });
}
