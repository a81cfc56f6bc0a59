import { z } from 'zod';
import { CampaignId, EmployerId, PolicyId, VacancyId, type ApplicationId } from './ids';

const text = (max: number) => z.string().trim().min(1).max(max);

/**
 * A person's name as a phone typed it, without what no name is written with: control characters and
 * invisible format characters (zero-width, bidi overrides and isolates). A right-to-left override
 * would show one applicant under another's name in the employer's console and the CSV export.
 */
const personName = (max: number) => z.string().transform((name) => name.replace(/[\p{Cc}\p{Cf}]/gu, '')).pipe(text(max));

const isoDate = z.iso.date();

export const CampaignInput = z
  .object({ name: text(120), startsOn: isoDate, endsOn: isoDate, description: z.string().trim().max(2000).default('') })
  .refine((c) => c.startsOn <= c.endsOn, { message: 'a campaign cannot end before it starts', path: ['endsOn'] });
export type CampaignInput = z.infer<typeof CampaignInput>;
export interface Campaign extends CampaignInput {
  id: CampaignId;
  createdAt: string;
}

export const SessionStatus = z.enum(['scheduled', 'live', 'ended']);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const LineupItem = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('vacancy'), id: VacancyId }),
  z.object({ kind: z.literal('policy'), id: PolicyId }),
]);
export type LineupItem = z.infer<typeof LineupItem>;

export const LiveSessionInput = z.object({
  campaignId: CampaignId,
  title: text(120),
  scheduledAt: z.iso.datetime({ offset: true }),
  lineup: z.array(LineupItem).max(100).default([]),
});
export type LiveSessionInput = z.infer<typeof LiveSessionInput>;
/** What the bureau may change of a session once created: its title and schedule. */
export const SessionPatch = LiveSessionInput.pick({ title: true, scheduledAt: true }).partial();
export type SessionPatch = z.infer<typeof SessionPatch>;
export interface LiveSession extends LiveSessionInput {
  id: string;
  status: SessionStatus;
  createdAt: string;
}

export const EmployerInput = z.object({
  name: text(120),
  industry: text(60),
  district: text(60),
  verified: z.boolean().default(false),
});
export type EmployerInput = z.infer<typeof EmployerInput>;
export interface Employer extends EmployerInput {
  id: EmployerId;
  createdAt: string;
}

export const PayUnit = z.enum(['month', 'day', 'hour', 'piece']);
export type PayUnit = z.infer<typeof PayUnit>;
export const Badge = z.enum(['love', 'public-welfare']);
export type Badge = z.infer<typeof Badge>;
export const TargetGroup = z.enum(['rural-worker', 'employment-difficulty', 'disabled', 'graduate']);
export type TargetGroup = z.infer<typeof TargetGroup>;
export const AccessibilityFact = z.enum(['wheelchair-accessible', 'sign-language-friendly', 'suitable-for-disabled', 'accessible-toilet']);
export type AccessibilityFact = z.infer<typeof AccessibilityFact>;
export const Education = z.enum(['none', 'junior-high', 'senior-high', 'vocational', 'college', 'bachelor']);

/** A vacancy as the bureau registers it. Pay range, hours and location are required: no card without them. */
export const VacancyInput = z
  .object({
    employerId: EmployerId,
    title: text(80),
    headcount: z.number().int().min(1).max(100_000),
    pay: z.object({ min: z.number().int().min(0).max(1_000_000), max: z.number().int().min(0).max(1_000_000), unit: PayUnit }),
    hours: text(120),
    location: text(160),
    insurance: z.array(text(40)).max(10).default([]),
    benefits: z.array(text(40)).max(20).default([]),
    requirements: z.string().trim().max(1000).default(''),
    education: Education.optional(),
    age: z.object({ min: z.number().int().min(16).max(80), max: z.number().int().min(16).max(80) }).optional(),
    badges: z.array(Badge).max(2).default([]),
    targetGroups: z.array(TargetGroup).max(4).default([]),
    accessibility: z.array(AccessibilityFact).max(4).default([]),
  })
  .refine((v) => v.pay.min <= v.pay.max, { message: 'the lowest pay cannot exceed the highest', path: ['pay', 'max'] })
  .refine((v) => !v.age || v.age.min <= v.age.max, { message: 'the youngest age cannot exceed the oldest', path: ['age', 'max'] });
export type VacancyInput = z.infer<typeof VacancyInput>;
export interface Vacancy extends VacancyInput {
  id: VacancyId;
  createdAt: string;
  /** Scam-guard rules its text breaks (contact details, money requests): for the bureau to check. */
  flags?: string[];
  /** The bureau checked the flags it had then and found the vacancy genuine. */
  review?: { by: string; at: string; rules: string[] };
}

/**
 * The flags no one has checked yet. A vacancy with any is held back from job seekers (not listed, not
 * pinned, no applications) until the bureau checks it; an edit that trips a new rule holds it again.
 */
export function openFlags(v: Pick<Vacancy, 'flags' | 'review'>): string[] {
  return (v.flags ?? []).filter((rule) => !v.review?.rules.includes(rule));
}
/** What a viewer's card shows: the vacancy and its employer's public facts. */
export interface VacancyCard extends Vacancy {
  employer: Pick<Employer, 'id' | 'name' | 'industry' | 'district' | 'verified'>;
  /** Answered questions about this vacancy, most asked-for first. */
  faq: Array<{ question: string; answer: string | null; onStage: boolean }>;
}

/**
 * A service hotline or office number as people dial it: digits with spaces or dashes between them,
 * an optional leading + (12333, 0571-8765 4321, +86 571 8765 4321). The viewer page links it as tel:.
 */
export const ServicePhone = z
  .string()
  .trim()
  .regex(/^\+?\d(?:[\d -]{0,22}\d)?$/, { message: 'digits, spaces and dashes only', abort: true })
  .refine((p) => p.replace(/\D/g, '').length >= 3, { message: 'at least 3 digits' });

/** The digits (and a leading +) a tel: link dials. */
export const telHref = (phone: string): string => `tel:${phone.replace(/[^\d+]/g, '')}`;

/**
 * A policy or service card. Besides its summary it may carry the claim procedure (申领流程) as
 * numbered steps, the documents to bring, where to go and a phone to call: all optional, so cards made
 * before they existed stay valid, and all bounded (a card is read on a phone, pinned over the video).
 */
export const PolicyInput = z.object({
  title: text(80),
  text: text(1000),
  howToApply: text(500),
  steps: z.array(text(200)).max(12).optional(),
  documents: z.array(text(80)).max(12).optional(),
  office: text(200).optional(),
  phone: ServicePhone.optional(),
});
export type PolicyInput = z.infer<typeof PolicyInput>;
export interface PolicyCard extends PolicyInput {
  id: PolicyId;
  createdAt: string;
}

/**
 * What a session has pinned now, with the pin board's sequence number: every pin-board change (a
 * pin, an unpin, moving to the next vacancy) raises it, so a client keeps what it has unless it is
 * told something newer.
 */
export interface PinsNow {
  seq: number;
  vacancy: VacancyCard | null;
  policy: PolicyCard | null;
}

export interface PinEvent {
  sessionId: string;
  kind: 'vacancy' | 'policy';
  itemId: string;
  pinnedAt: string;
  unpinnedAt: string | null;
}

/** Mainland China mobile numbers: 11 digits starting 13–19. Spaces and dashes are tolerated. */
export const MainlandMobile = z
  .string()
  .transform((s) => s.replace(/[\s-]/g, '').replace(/^\+?86/, ''))
  .pipe(z.string().regex(/^1[3-9]\d{9}$/, 'enter an 11-digit mainland mobile number'));

export const CONSENT_VERSION = '2026-11-v1';

/** Where an application was made: the live page, a replay, a session's vacancy list, or the campaign's job zone (/jobs). */
export const ApplySource = z.enum(['live', 'replay', 'list', 'zone']);
export type ApplySource = z.infer<typeof ApplySource>;

/**
 * Where a viewer came from: the `ch` of a share link (送岗). The poster's QR code carries `poster`, the
 * links copied for a WeChat group or a text message `wechat` and `sms`, the bureau's own site `site`.
 */
export const ShareChannel = z.enum(['wechat', 'sms', 'poster', 'site']);
export type ShareChannel = z.infer<typeof ShareChannel>;

export const ApplyInput = z.object({
  vacancyId: VacancyId,
  sessionId: z.string().min(1).max(64).optional(),
  name: personName(40),
  phone: MainlandMobile,
  targetGroup: TargetGroup.optional(),
  consent: z.object({ version: z.string().min(1).max(32), accepted: z.literal(true) }),
  source: ApplySource,
  /** The share link the viewer arrived by, when they came by one. */
  channel: ShareChannel.optional(),
  /** Chosen by the client once per intended application: retries and double taps reuse it. */
  idempotencyKey: z.string().min(8).max(128),
  /** The one-time code texted to the phone, where the bureau requires one (APPLY_VERIFY=sms). */
  code: z.string().regex(/^\d{6}$/, 'the 6-digit code from the text message').optional(),
});
export type ApplyInput = z.infer<typeof ApplyInput>;

export const ApplicationStatus = z.enum(['new', 'contacted', 'interviewing', 'hired', 'not-suitable', 'withdrawn']);
export type ApplicationStatus = z.infer<typeof ApplicationStatus>;

export interface StatusChange {
  status: ApplicationStatus;
  at: string;
  by: string;
  note: string;
}

/**
 * An application as the bureau and the vacancy's employer see it: the applicant's name and phone
 * for the follow-up, never the withdrawal secret (idempotency key) or the device it came from.
 */
export interface Application {
  id: ApplicationId;
  vacancyId: VacancyId;
  employerId: EmployerId;
  sessionId: string | null;
  name: string;
  phone: string;
  targetGroup: TargetGroup | null;
  consent: { version: string; at: string };
  source: ApplySource;
  /** The share link the applicant arrived by; absent when they came another way (and on applications made before channels). */
  channel?: ShareChannel;
  status: ApplicationStatus;
  history: StatusChange[];
  createdAt: string;
}

/** A list page's size: 50 unless asked, at most 100. */
export const APPLICATION_PAGE_SIZE = 50;

/**
 * GET /api/applications: one page of applicants, newest first. Narrowed by vacancy, employer or
 * session, by status, by when they applied (`from` inclusive, `to` exclusive) and by a fragment of
 * the name or phone (`q`); `cursor` is the `next` of the page before.
 */
export const ApplicationListQuery = z.object({
  sessionId: z.string().max(64).optional(),
  vacancyId: z.string().max(64).optional(),
  employerId: z.string().max(64).optional(),
  status: ApplicationStatus.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  q: z
    .string()
    .trim()
    .max(40)
    .optional()
    .transform((q) => q || undefined),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(APPLICATION_PAGE_SIZE),
});
export type ApplicationListQuery = z.input<typeof ApplicationListQuery>;

export interface ApplicationListPage {
  applications: Application[];
  /** The cursor of the next page, or null at the end. */
  next: string | null;
  /**
   * Where to ask GET /api/applications/changes from, taken before this page was read; on the first
   * page only (null on the pages after it: the first page's cursor already covers them).
   */
  changes: string | null;
}

/** GET /api/applications/changes: what was created or changed since a `changes` cursor. */
export const ApplicationChangesQuery = z.object({
  since: z.string().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export interface ApplicationChangesPage {
  /** Each changed application as it is now, in the order of their latest change. */
  applications: Application[];
  /** Ask from here next time. */
  changes: string;
  /** More changes follow: ask again at once. */
  more: boolean;
}

export const StatusChangeInput = z.object({ status: ApplicationStatus.exclude(['withdrawn']), note: z.string().trim().max(500).default('') });

/**
 * The answer to an apply: the same for a new application, a retry of the same sheet, and a repeat
 * under another key for a phone that applied before, so it tells nobody what is stored. The
 * applicant finds their application with the key only they hold (POST /api/applications/mine).
 */
export interface ApplyReceipt {
  received: true;
}

export const APPLY_RECEIPT: ApplyReceipt = Object.freeze({ received: true });

/** What the applicant sees of their own application, found by the key only their phone holds. */
export interface MyApplicationView {
  id: string;
  vacancyId: string;
  status: ApplicationStatus;
  createdAt: string;
}

/** The most applications one page follows live (its newest; older ones are looked up when it loads). */
export const FOLLOW_MAX = 20;

/**
 * The viewer page asks to hear when its own applications move (an employer contacts, interviews,
 * hires): each named by its id and proved by the key only this phone holds.
 */
export const ApplicationsFollowInput = z.strictObject({
  items: z.array(z.strictObject({ id: z.string().min(1).max(64), idempotencyKey: z.string().min(8).max(128) })).max(FOLLOW_MAX),
});
/** The applications now followed, as they stand (any not proved by its key is simply left out). */
export interface ApplicationsFollowing {
  applications: Array<{ id: string; status: ApplicationStatus }>;
}

export const ApplyVerifyInput = z.strictObject({ phone: MainlandMobile });
/** The code is on its way (the same answer whatever the phone did before). */
export interface ApplyVerifySent {
  sent: true;
  expiresInSeconds: number;
}

export const VacancyPinInput = z.object({ vacancyId: VacancyId });
export const PolicyPinInput = z.object({ policyId: PolicyId });
export const CardEventInput = z.object({ vacancyId: VacancyId, step: z.enum(['shown', 'opened']) });
/** Bureau consoles authenticate with their sign-in cookie; employer consoles with their invite token. */
export const ConsoleSubscribeInput = z.strictObject({ token: z.string().max(2048).optional() });

export interface FunnelCountsView {
  shown: number;
  opened: number;
  applied: number;
}
export interface VacancyFunnelView extends FunnelCountsView {
  vacancyId: string;
  perMinute: Array<FunnelCountsView & { minute: string }>;
}

/**
 * A viewer's question as one receiver sees it: tagged with the vacancy pinned when it was asked
 * (null: a general one), its vote count, and whether this receiver asked it or voted for it. Who
 * asked and who voted is never sent.
 */
export interface Question {
  id: string;
  sessionId: string;
  vacancyId: string | null;
  text: string;
  askedAt: string;
  votes: number;
  /** This receiver asked it. */
  mine: boolean;
  /** This receiver voted for it. */
  youVoted: boolean;
  answer: { text: string | null; onStage: boolean; by: string; at: string } | null;
}

export const QuestionAskInput = z.strictObject({ text: z.string().trim().min(2).max(300) });
export const QuestionIdInput = z.strictObject({ questionId: z.string().min(1).max(64) });
export const QuestionAnswerInput = z
  .strictObject({ questionId: z.string().min(1).max(64), text: z.string().trim().max(500).optional(), onStage: z.boolean().default(false) })
  .refine((a) => a.onStage || (a.text?.length ?? 0) > 0, { message: 'answer in text, or mark it answered on stage', path: ['text'] });
/** A session's questions; an employer console may leave the session out to get all of its open ones. */
export const QuestionListInput = z.strictObject({ sessionId: z.string().min(1).max(64).optional() });
