import { z } from 'zod';
import type { CurrentCampaign } from './catalogPages';
import { AccessibilityFact, Badge, TargetGroup, type SessionStatus, type VacancyCard } from './recruitment';

/** Vacancies a page of the job zone holds unless asked for fewer: small pages for weak networks. */
export const JOB_ZONE_PAGE_SIZE = 20;

/** The monthly pay floors the zone (and a session's vacancy list) offer to narrow by. */
export const PAY_FLOORS = [3000, 4000, 5000, 6000, 8000] as const;
/** Roughly what a day or hour rate comes to in a month (22 working days of 8 hours). */
const PER_MONTH = { month: 1, day: 22, hour: 22 * 8 } as const;

/**
 * Can the vacancy pay at least `floor` a month? Piece rates depend on output, so they always stay
 * listed: a job seeker filtering by pay still sees them and judges for themselves.
 */
export function paysAtLeast(pay: VacancyCard['pay'], floor: number): boolean {
  return pay.unit === 'piece' || pay.max * PER_MONTH[pay.unit] >= floor;
}

/** A query parameter given once or repeated (`?badge=love&badge=public-welfare`), as a list. */
const repeated = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess((v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v]), z.array(item).max(max));
/** A district or sector name as the bureau wrote it; blank is no narrowing. */
const name = z
  .string()
  .trim()
  .max(60)
  .optional()
  .transform((s) => s || undefined);

/**
 * GET /api/public/jobs: the current campaign's vacancies, narrowed by the employer's district and
 * sector, a monthly pay floor, badges, a target group and accessibility facts (a vacancy must have
 * every badge and fact asked for). The same names are the /jobs page's query, so a filtered board
 * is a link anyone can share.
 */
export const JobZoneQuery = z.object({
  district: name,
  sector: name,
  pay: z.coerce.number().int().min(0).max(1_000_000).optional(),
  badge: repeated(Badge, Badge.options.length),
  group: TargetGroup.optional(),
  access: repeated(AccessibilityFact, AccessibilityFact.options.length),
  /** The `next` of the page before. */
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(JOB_ZONE_PAGE_SIZE),
});
export type JobZoneQuery = z.input<typeof JobZoneQuery>;
export type JobZoneFilter = Omit<z.output<typeof JobZoneQuery>, 'cursor' | 'limit'>;

/**
 * The session a vacancy of the zone leads to: the live one, else the next to start, else the most
 * recent that ended (with `replay` when its recording can be played, opening at the vacancy's
 * chapter).
 */
export interface ZoneSession {
  id: string;
  title: string;
  status: SessionStatus;
  scheduledAt: string;
  replay: boolean;
}

/** A vacancy as the zone lists it: the public card without its FAQ, and its session. Nothing personal. */
export interface ZoneVacancy extends Omit<VacancyCard, 'faq'> {
  session: ZoneSession;
}

/** One page of the zone. `campaign`, `districts` and `sectors` (what the filters offer) come with the first page only. */
export interface JobZonePage {
  campaign?: CurrentCampaign | null;
  districts?: string[];
  sectors?: string[];
  /** How many vacancies match the filter, over every page. */
  total: number;
  vacancies: ZoneVacancy[];
  /** The cursor of the next page, or null at the end. */
  next: string | null;
}
