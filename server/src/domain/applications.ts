import crypto from 'node:crypto';
import type { Application, ApplicationStatus, MyApplicationView, StatusChange } from '@chunfeng/shared/recruitment';
import { DomainError } from './errors';

/**
 * An application as stored: the follow-up view plus what only the applicant's own proofs are checked
 * against. The withdrawal secret (the idempotency key) is kept only as a hash.
 */
export interface ApplicationRecord extends Application {
  /** sha256 of the idempotency key (base64url). */
  keyHash: string;
  /** The anonymous device it came from, when the viewer's page had one. */
  deviceId: string | null;
}

/**
 * What a repeat apply under another key leaves behind (a phone that already applied to the vacancy,
 * from another sheet or by someone else typing that number): to the key's holder it looks like an
 * application of their own, status and all, while the stored application is neither shown nor
 * touched. Without it, looking the key up afterwards would tell whether the number had applied.
 */
export interface ApplicationReceipt {
  /** The key hash. */
  id: string;
  receiptId: string;
  vacancyId: string;
  status: 'new' | 'withdrawn';
  createdAt: string;
}

/** How the idempotency key (the applicant's withdrawal secret) is kept at rest. */
export function hashKey(idempotencyKey: string): string {
  // The one-shot form: a third of createHash's cost (no Hash object), the same digest.
  return crypto.hash('sha256', idempotencyKey, 'base64url');
}

/**
 * A record as written before keys were hashed ({ idempotencyKey }) in today's shape ({ keyHash }):
 * stores upgrade what they read, so nobody's application is lost in an upgrade.
 */
export function upgradeRecord(stored: ApplicationRecord & { idempotencyKey?: string }): ApplicationRecord {
  if (stored.idempotencyKey === undefined) return stored;
  const { idempotencyKey, ...rest } = stored;
  return { ...rest, keyHash: hashKey(idempotencyKey), deviceId: rest.deviceId ?? null };
}

/** What the bureau and the vacancy's employer see: no key hash, no device. */
export function followUpView(record: ApplicationRecord): Application {
  const { keyHash: _keyHash, deviceId: _deviceId, ...view } = record as ApplicationRecord & { idempotencyKey?: string };
  delete (view as { idempotencyKey?: string }).idempotencyKey;
  return view;
}

/** What the applicant sees of their own application. */
export function applicantView(record: Pick<ApplicationRecord, 'id' | 'vacancyId' | 'status' | 'createdAt'>): MyApplicationView {
  return { id: record.id, vacancyId: record.vacancyId, status: record.status, createdAt: record.createdAt };
}

/** Constant-time check of a presented key against the stored hash. */
export function keyMatches(record: Pick<ApplicationRecord, 'keyHash'>, idempotencyKey: string): boolean {
  const a = Buffer.from(record.keyHash);
  const b = Buffer.from(hashKey(idempotencyKey));
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * The follow-up pipeline: new → contacted → interviewing → hired / not suitable, forward only (a
 * step may be skipped), and withdrawn by the applicant at any point before a final outcome.
 */
const NEXT: Record<ApplicationStatus, readonly ApplicationStatus[]> = {
  new: ['contacted', 'interviewing', 'hired', 'not-suitable', 'withdrawn'],
  contacted: ['interviewing', 'hired', 'not-suitable', 'withdrawn'],
  interviewing: ['hired', 'not-suitable', 'withdrawn'],
  hired: [],
  'not-suitable': [],
  withdrawn: [],
};

export function canMove(from: ApplicationStatus, to: ApplicationStatus): boolean {
  return NEXT[from].includes(to);
}

/** Returns the application moved to `status` (or noted, at the status it has), with the change appended to its history. */
export function moveApplication<A extends Application>(
  application: A,
  { status, by, note, at }: { status: ApplicationStatus; by: string; note: string; at: string },
): A {
  if (status === application.status && status !== 'withdrawn') {
    // A note on its own: the status stays, the note is kept in the history with who wrote it and when.
    if (!note.trim()) throw new DomainError('VALIDATION', 'nothing to save: write a note, or choose the next status');
    return { ...application, history: [...application.history, { status, at, by, note }] };
  }
  if (!canMove(application.status, status)) {
    throw new DomainError('CONFLICT', `an application that is ${application.status} cannot become ${status}`);
  }
  const change: StatusChange = { status, at, by, note };
  return { ...application, status, history: [...application.history, change] };
}
