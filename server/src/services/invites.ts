import crypto from 'node:crypto';
import type { Invite } from '@chunfeng/shared/admin';
import type { RevocationCheck, Tokens } from '../auth/tokens';
import { DomainError } from '../domain/errors';
import type { JobStore } from '../store/jobStore';
import type { StaffAccounts } from './staff';

const DAY = 24 * 3600;
const HOST_LINK_SECONDS = 2 * DAY;
const EMPLOYER_LINK_SECONDS = 7 * DAY;

export interface IssuedLink {
  invite: Invite;
  token: string;
  path: string;
}

/**
 * The links the bureau hands out — a host's studio link, an employer's console link — each recorded
 * under its credential's id, so the console can list them and withdraw one that went astray.
 */
export class Invites {
  readonly #store: JobStore;
  readonly #tokens: Tokens;
  readonly #now: () => Date;

  constructor({ store, tokens, now = () => new Date() }: { store: JobStore; tokens: Tokens; now?: () => Date }) {
    this.#store = store;
    this.#tokens = tokens;
    this.#now = now;
  }

  async hostLink(sessionId: string, by: { id: string; name: string }): Promise<IssuedLink> {
    const session = await this.#store.get('session', sessionId);
    if (!session) throw new DomainError('NOT_FOUND', 'no such session');
    const invite = await this.#record({ kind: 'host', subject: sessionId, label: session.title, by, ttlSeconds: HOST_LINK_SECONDS });
    const token = await this.#tokens.issue('stage', { sid: sessionId, role: 'host', sub: by.id }, { ttlSeconds: HOST_LINK_SECONDS, jti: invite.id });
    return { invite, token, path: `/host/${encodeURIComponent(sessionId)}?token=${token}` };
  }

  async employerLink(employerId: string, by: { id: string; name: string }): Promise<IssuedLink> {
    const employer = await this.#store.get('employer', employerId);
    if (!employer) throw new DomainError('NOT_FOUND', 'no such employer');
    const invite = await this.#record({ kind: 'employer', subject: employerId, label: employer.name, by, ttlSeconds: EMPLOYER_LINK_SECONDS });
    const sub = `rep-${crypto.randomUUID()}`;
    const token = await this.#tokens.issue('employer', { sub, eid: employerId }, { ttlSeconds: EMPLOYER_LINK_SECONDS, jti: invite.id });
    return { invite, token, path: `/employer?token=${token}` };
  }

  /** Every link handed out, newest first. */
  async list(): Promise<Invite[]> {
    return (await this.#store.list('invite')).reverse();
  }

  async revoke(id: string): Promise<Invite> {
    const invite = await this.#store.get('invite', id);
    if (!invite) throw new DomainError('NOT_FOUND', 'no such link');
    if (invite.revokedAt) return invite;
    const next = { ...invite, revokedAt: this.#now().toISOString() };
    await this.#store.put('invite', next);
    return next;
  }

  async #record({ kind, subject, label, by, ttlSeconds }: {
    kind: Invite['kind'];
    subject: string;
    label: string;
    by: { name: string };
    ttlSeconds: number;
  }): Promise<Invite> {
    const now = this.#now();
    const invite: Invite = {
      id: crypto.randomUUID(),
      kind,
      subject,
      label,
      createdBy: by.name,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
      revokedAt: null,
    };
    await this.#store.put('invite', invite);
    return invite;
  }
}

/**
 * What makes a valid-looking credential void: a removed staff account's sign-in, or an invite link
 * the bureau withdrew. Credentials without a record (co-host invites made in the studio) stand.
 */
export function revocationCheck({ store, staff }: { store: JobStore; staff: StaffAccounts }): RevocationCheck {
  return async (kind, { sub, jti }) => {
    if (kind === 'bureau') return !(await staff.active(sub));
    if ((kind === 'stage' || kind === 'employer') && jti) return Boolean((await store.get('invite', jti))?.revokedAt);
    return false;
  };
}
