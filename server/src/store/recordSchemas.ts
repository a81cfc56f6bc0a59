import { z } from 'zod';
import { ApplicationId, CampaignId, EmployerId, PolicyId, VacancyId } from '@chunfeng/shared/ids';
import { InviteKind, StaffRole } from '@chunfeng/shared/admin';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import { AccessibilityFact, ApplicationStatus, ApplySource, Badge, ShareChannel, Education, LineupItem, PayUnit, SessionStatus, TargetGroup, type PinEvent } from '@chunfeng/shared/recruitment';
import type { Caption } from '@chunfeng/shared/stage';
import type { ApplicationRecord } from '../domain/applications';
import type { StoredQuestion } from '../domain/questions';
import type { CountCell } from '../domain/statistics';
import type { ApplicationEvent, CatalogKind, CatalogKinds } from './jobStore';
import { StoreError } from './storeError';

// What a stored record must look like to be handed to the domain. These check shape and types, not
// the input limits (lengths, trims, ranges): those were applied when the record was written and may
// change between releases without making old records unreadable. Objects are loose, so a field a
// newer release added survives a read and a write back by this one.
const at = z.string();
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

const Campaign = z.looseObject({ id: CampaignId, name: z.string(), startsOn: z.string(), endsOn: z.string(), description: z.string(), createdAt: at });
const LiveSession = z.looseObject({ id: z.string(), campaignId: CampaignId, title: z.string(), scheduledAt: at, lineup: z.array(LineupItem), status: SessionStatus, createdAt: at });
const Employer = z.looseObject({ id: EmployerId, name: z.string(), industry: z.string(), district: z.string(), verified: z.boolean(), createdAt: at });
const Vacancy = z.looseObject({
  id: VacancyId,
  employerId: EmployerId,
  title: z.string(),
  headcount: z.number(),
  pay: z.looseObject({ min: z.number(), max: z.number(), unit: PayUnit }),
  hours: z.string(),
  location: z.string(),
  insurance: z.array(z.string()),
  benefits: z.array(z.string()),
  requirements: z.string(),
  education: Education.optional(),
  age: z.looseObject({ min: z.number(), max: z.number() }).optional(),
  badges: z.array(Badge),
  targetGroups: z.array(TargetGroup),
  accessibility: z.array(AccessibilityFact),
  createdAt: at,
  flags: z.array(z.string()).optional(),
  review: z.looseObject({ by: z.string(), at, rules: z.array(z.string()) }).optional(),
});
// Steps, documents, office and phone came later: a card stored before them has none.
const PolicyCard = z.looseObject({
  id: PolicyId,
  title: z.string(),
  text: z.string(),
  howToApply: z.string(),
  steps: z.array(z.string()).optional(),
  documents: z.array(z.string()).optional(),
  office: z.string().optional(),
  phone: z.string().optional(),
  createdAt: at,
});
const StaffAccount = z.looseObject({ id: z.string(), username: z.string(), displayName: z.string(), passwordHash: z.string(), role: StaffRole, createdAt: at, disabled: z.boolean().optional() });
const ViewerSeries = z.looseObject({ id: z.string(), samples: z.array(z.looseObject({ at, viewers: z.number() })) });
const StoredInvite = z.looseObject({
  id: z.string(),
  kind: InviteKind,
  subject: z.string(),
  label: z.string(),
  createdBy: z.string(),
  createdAt: at,
  expiresAt: at,
  revokedAt: nullable(at),
  singleUse: z.boolean().optional(),
  usedAt: nullable(at).optional(),
  holder: z.string().optional(),
});
const ApplicationReceipt = z.looseObject({ id: z.string(), receiptId: z.string(), vacancyId: z.string(), status: z.enum(['new', 'withdrawn']), createdAt: at });
const PhoneCode = z.looseObject({ id: z.string(), codeHash: z.string(), sentAt: at, expiresAt: at, attempts: z.number(), used: z.boolean() });
const SignIn = z.looseObject({ id: z.string(), staffId: z.string(), createdAt: at, expiresAt: at, revokedAt: nullable(at) });

/** Each catalog kind's record schema; a kind without one is a compile error. */
const catalogSchemas = {
  campaign: Campaign,
  session: LiveSession,
  employer: Employer,
  vacancy: Vacancy,
  policy: PolicyCard,
  staff: StaffAccount,
  viewers: ViewerSeries,
  invite: StoredInvite,
  receipt: ApplicationReceipt,
  phoneCode: PhoneCode,
  signin: SignIn,
} satisfies { [K in CatalogKind]: z.ZodType<CatalogKinds[K]> };

/** The schema of one kind (the `satisfies` above checks each; TypeScript cannot follow K through the lookup). */
export function catalogSchema<K extends CatalogKind>(kind: K): z.ZodType<CatalogKinds[K]> {
  return catalogSchemas[kind] as unknown as z.ZodType<CatalogKinds[K]>;
}

/** A question's own record (its votes counted beside it, see StoredQuestion). */
export const QuestionRecordSchema: z.ZodType<StoredQuestion> = z.looseObject({
  id: z.string(),
  sessionId: z.string(),
  vacancyId: nullable(z.string()),
  text: z.string(),
  askedBy: z.string(),
  askedAt: at,
  votes: z.number().int().nonnegative(),
  answer: nullable(z.looseObject({ text: nullable(z.string()), onStage: z.boolean(), by: z.string(), at })),
});

/** A question's row: its record (JSON, without the count) and the votes counted beside it. */
export function questionRow(body: string, votes: unknown, where: string): StoredQuestion {
  return readRecord(QuestionRecordSchema, { ...readRecord(z.looseObject({}), body, where), votes }, where);
}

/** A question document as the releases before question tables kept it (the migrations read these). */
export const QuestionDocumentRecord = z.looseObject({
  id: z.string(),
  sessionId: z.string(),
  vacancyId: nullable(z.string()),
  text: z.string(),
  askedBy: z.string(),
  askedAt: at,
  voters: z.array(z.string()),
  answer: nullable(z.looseObject({ text: nullable(z.string()), onStage: z.boolean(), by: z.string(), at })),
});

export const PinEventRecord: z.ZodType<PinEvent> = z.looseObject({ sessionId: z.string(), kind: z.enum(['vacancy', 'policy']), itemId: z.string(), pinnedAt: at, unpinnedAt: nullable(at) });

export const ApplicationRecordSchema: z.ZodType<ApplicationRecord> = z.looseObject({
  id: ApplicationId,
  vacancyId: VacancyId,
  employerId: EmployerId,
  sessionId: nullable(z.string()),
  name: z.string(),
  phone: z.string(),
  targetGroup: nullable(TargetGroup),
  consent: z.looseObject({ version: z.string(), at }),
  source: ApplySource,
  // Applications stored before share channels have none.
  channel: ShareChannel.optional(),
  status: ApplicationStatus,
  history: z.array(z.looseObject({ status: ApplicationStatus, at, by: z.string(), note: z.string() })),
  createdAt: at,
  keyHash: z.string(),
  deviceId: nullable(z.string()),
});

export const ApplicationEventRecord: z.ZodType<ApplicationEvent> = z.looseObject({ applicationId: z.string(), type: z.enum(['created', 'status']), at, status: ApplicationStatus });

export const ModerationRecord: z.ZodType<ModerationEntry> = z.looseObject({
  id: z.string(),
  sessionId: z.string(),
  at,
  action: z.enum(['delete', 'approve', 'mute', 'ban', 'slow-mode']),
  by: z.looseObject({ role: z.enum(['host', 'admin', 'staff']), name: z.string() }),
  target: nullable(z.string()),
  messageId: nullable(z.string()),
  seconds: nullable(z.number()),
});

export const CaptionRecord: z.ZodType<Caption> = z.object({ seq: z.number().int(), text: z.string(), at });

/**
 * Parses one stored record: JSON text (or a row's columns) checked against its schema. A record that
 * is not JSON or does not match is a StoreError (corrupt) naming where it is and what is wrong with
 * it — never its content, which may be someone's name and phone.
 */
export function readRecord<T>(schema: z.ZodType<T>, stored: string | object, where: string): T {
  let value: unknown;
  if (typeof stored === 'string') {
    try {
      value = JSON.parse(stored);
    } catch {
      throw new StoreError('corrupt', `${where} is not valid JSON`);
    }
  } else {
    value = stored;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : 'the record';
  throw new StoreError('corrupt', `${where} does not match its schema: ${field}: ${issue?.message ?? 'invalid'}`);
}

/** One kept tally of a session's applications, as a store reads it back. */
export const CountCellRecord: z.ZodType<CountCell> = z.discriminatedUnion('dimension', [
  z.object({ dimension: z.literal('total'), key: z.literal('') }),
  z.object({ dimension: z.literal('vacancy'), key: z.string() }),
  z.object({ dimension: z.literal('targetGroup'), key: z.union([TargetGroup, z.literal('unspecified')]) }),
  z.object({ dimension: z.literal('source'), key: ApplySource }),
  z.object({ dimension: z.literal('status'), key: ApplicationStatus }),
  z.object({ dimension: z.literal('channel'), key: ShareChannel }),
  z.object({ dimension: z.literal('visit'), key: ShareChannel }),
  z.object({ dimension: z.literal('groupStatus'), key: z.custom<`${ApplicationStatus}:${TargetGroup | 'unspecified'}`>((k) => typeof k === 'string' && statusKeyOf(k, (rest) => rest === 'unspecified' || TargetGroup.safeParse(rest).success)) }),
  z.object({ dimension: z.literal('vacancyStatus'), key: z.custom<`${ApplicationStatus}:${string}`>((k) => typeof k === 'string' && statusKeyOf(k, (rest) => rest.length > 0)) }),
]);

/** A follow-up cell's key: a status, ':', then what `rest` accepts. */
function statusKeyOf(key: string, rest: (r: string) => boolean): boolean {
  const colon = key.indexOf(':');
  return colon > 0 && ApplicationStatus.safeParse(key.slice(0, colon)).success && rest(key.slice(colon + 1));
}
