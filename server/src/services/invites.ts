import crypto from 'node:crypto';
import type { Invite } from '@chunfeng/shared/admin';
import type { InvitedRole } from '@chunfeng/shared/stage';
import type { RevocationCheck, Tokens } from '../auth/tokens';
import { DomainError } from '../domain/errors';
import { KeyedQueue } from '../domain/keyedQueue';
import type { JobStore, StoredInvite } from '../store/jobStore';
import type { Revocations } from './revocations';
import type { StaffAccounts } from './staff';

const DAY = 24 * 3600;
const HOST_LINK_SECONDS = 2 * DAY;
const EMPLOYER_LINK_SECONDS = 7 * DAY;
export const STAGE_INVITE_SECONDS = 6 * 3600;
const STAGE_KINDS: ReadonlySet<Invite['kind']> = new Set(['cohost', 'interpreter', 'captioner']);

const publicView = ({ holder: _holder, ...invite }: StoredInvite): Invite => invite;

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
  readonly #revocations: Revocations | undefined;
  /** Binding a single-use link is read-then-write: one at a time per link. */
  readonly #binding = new KeyedQueue();

  constructor({ store, tokens, revocations, now = () => new Date() }: { store: JobStore; tokens: Tokens; revocations?: Revocations; now?: () => Date }) {
    this.#store = store;
    this.#tokens = tokens;
    this.#revocations = revocations;
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

  /** A co-host, interpreter or captioner invite made by the host in the studio: recorded, single-use. */
  async stageLink(sessionId: string, role: InvitedRole, by: { id: string; name: string }): Promise<IssuedLink> {
    const session = await this.#store.get('session', sessionId);
    const invite = await this.#record({ kind: role, subject: sessionId, label: session?.title ?? sessionId, by, ttlSeconds: STAGE_INVITE_SECONDS, singleUse: true });
    const token = await this.#tokens.issue('stage', { sid: sessionId, role, sub: `invite-${invite.id}` }, { ttlSeconds: STAGE_INVITE_SECONDS, jti: invite.id });
    return { invite, token, path: `/join/${encodeURIComponent(sessionId)}?token=${token}` };
  }

  /**
   * Someone joins with a link: a single-use one is bound to the first holder (a salted hash of who
   * they are) and refused to anyone else with INVITE_USED. Links without a record or not single-use pass.
   */
  async use(id: string, holder: string): Promise<void> {
    await this.#binding.run(id, async () => {
      const invite = await this.#store.get('invite', id);
      if (!invite?.singleUse) return;
      const hashed = crypto.createHash('sha256').update(`invite-holder:${id}:${holder}`).digest('base64url');
      if (invite.holder === undefined) {
        await this.#store.put('invite', { ...invite, holder: hashed, usedAt: this.#now().toISOString() });
        return;
      }
      if (invite.holder !== hashed) throw new DomainError('INVITE_USED', 'this invite link has already been used by someone else; ask the host for a new one');
    });
  }

  /** A page of the links handed out, newest first, of one kind or all, after `after` (a `next` of this list). */
  async page({ kind, after, limit }: { kind?: Invite['kind'] | undefined; after: number | undefined; limit: number }): Promise<{ invites: Invite[]; next: number | undefined }> {
    const { docs, next } = await this.#store.pageCatalog('invite', { after, limit, order: 'newest', ...(kind && { match: (i) => i.kind === kind }) });
    return { invites: docs.map(publicView), next };
  }

  async revoke(id: string): Promise<Invite> {
    const invite = await this.#store.get('invite', id);
    if (!invite) throw new DomainError('NOT_FOUND', 'no such link');
    if (invite.revokedAt) return publicView(invite);
    const next = { ...invite, revokedAt: this.#now().toISOString() };
    await this.#store.put('invite', next);
    this.#revocations?.revoke({ kind: 'invite', id });
    return publicView(next);
  }

  /** The host withdraws an invite made in the studio for their own session. */
  async revokeStageLink(id: string, sessionId: string): Promise<Invite> {
    const invite = await this.#store.get('invite', id);
    if (!invite || !STAGE_KINDS.has(invite.kind) || invite.subject !== sessionId) throw new DomainError('NOT_FOUND', 'no such invite for this session');
    return this.revoke(id);
  }

  async #record({ kind, subject, label, by, ttlSeconds, singleUse = false }: {
    kind: Invite['kind'];
    subject: string;
    label: string;
    by: { name: string };
    ttlSeconds: number;
    singleUse?: boolean;
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
      ...(singleUse ? { singleUse, usedAt: null } : {}),
    };
    await this.#store.put('invite', invite);
    return invite;
  }
}

/**
 * What makes a valid-looking credential void: a bureau token whose sign-in was ended or whose account
 * was removed, or an invite link the bureau (or the host, for studio invites) withdrew. Stage
 * credentials without a record (issued by the server itself, e.g. the demo host link) stand.
 */
export function revocationCheck({ store, staff, signInActive }: {
  store: JobStore;
  staff: StaffAccounts;
  signInActive: (id: string | undefined, staffId: string) => Promise<boolean>;
}): RevocationCheck {
  return async (kind, { sub, jti }) => {
    if (kind === 'bureau') return !(await staff.active(sub)) || !(await signInActive(jti, sub));
    if ((kind === 'stage' || kind === 'employer') && jti) return Boolean((await store.get('invite', jti))?.revokedAt);
    return false;
  };
}
