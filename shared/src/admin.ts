import { z } from 'zod';

export const StaffRole = z.enum(['admin', 'staff']);
export type StaffRole = z.infer<typeof StaffRole>;

/** A bureau staff account as the admin creates it. The password is only ever sent, never shown back. */
export const StaffInput = z.object({
  username: z
    .string()
    .trim()
    .min(3)
    .max(32)
    .regex(/^[a-z0-9._-]+$/, 'lower-case letters, digits, dot, dash and underscore only'),
  displayName: z.string().trim().min(1).max(40),
  password: z.string().min(10, 'at least 10 characters').max(256),
  role: StaffRole.default('staff'),
});
export type StaffInput = z.infer<typeof StaffInput>;

/** What the console lists of a staff account (no password hash). */
export interface StaffView {
  id: string;
  username: string;
  displayName: string;
  role: StaffRole;
  createdAt: string;
}

/** Host and employer console links come from the bureau; co-host, interpreter and captioner invites from the studio. */
export const InviteKind = z.enum(['host', 'employer', 'cohost', 'interpreter', 'captioner']);
export type InviteKind = z.infer<typeof InviteKind>;

/** A link the bureau handed out (a host's studio link, an employer's console link), listed so it can be withdrawn. */
export interface Invite {
  /** The credential's jti. */
  id: string;
  kind: InviteKind;
  /** The session (host links) or the employer (console links) it opens. */
  subject: string;
  /** What the console shows: the session's title or the employer's name when issued. */
  label: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  /** Single-use (studio invites): the first person to join with it holds it; nobody else can use it. */
  singleUse?: boolean;
  /** When the first person joined with a single-use link. */
  usedAt?: string | null;
}
