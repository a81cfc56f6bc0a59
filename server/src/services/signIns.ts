import crypto from 'node:crypto';
import type { Tokens } from '../auth/tokens';
import type { JobStore, SignIn, StaffAccount } from '../store/jobStore';
import type { Revocations } from './revocations';

export const SIGN_IN_SECONDS = 12 * 3600;

/**
 * Bureau sign-ins as records in the store: the cookie's token names one by its jti, and the token is
 * honoured only while that record is open — signing out ends it everywhere at once.
 */
export class SignIns {
  readonly #store: JobStore;
  readonly #tokens: Tokens;
  readonly #revocations: Revocations | undefined;
  readonly #now: () => Date;

  constructor({ store, tokens, revocations, now = () => new Date() }: { store: JobStore; tokens: Tokens; revocations?: Revocations; now?: () => Date }) {
    this.#store = store;
    this.#tokens = tokens;
    this.#revocations = revocations;
    this.#now = now;
  }

  /** Opens a sign-in for the account and returns its token (for the cookie only). */
  async start(account: StaffAccount): Promise<{ token: string; signIn: SignIn }> {
    const now = this.#now();
    const signIn: SignIn = {
      id: crypto.randomUUID(),
      staffId: account.id,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + SIGN_IN_SECONDS * 1000).toISOString(),
      revokedAt: null,
    };
    await this.#store.put('signin', signIn);
    const token = await this.#tokens.issue('bureau', { sub: account.id, role: account.role, name: account.displayName }, { ttlSeconds: SIGN_IN_SECONDS, jti: signIn.id });
    return { token, signIn };
  }

  /** Ends a sign-in (sign-out); its sockets are told to go. Ending one already ended does nothing. */
  async end(id: string): Promise<void> {
    const signIn = await this.#store.get('signin', id);
    if (!signIn) return;
    if (!signIn.revokedAt) await this.#store.put('signin', { ...signIn, revokedAt: this.#now().toISOString() });
    this.#revocations?.revoke({ kind: 'signin', id });
  }

  /** Whether the sign-in is open: recorded for that account, not ended, not expired. */
  async active(id: string | undefined, staffId: string): Promise<boolean> {
    if (!id) return false;
    const signIn = await this.#store.get('signin', id);
    return Boolean(signIn && signIn.staffId === staffId && !signIn.revokedAt && Date.parse(signIn.expiresAt) > this.#now().getTime());
  }
}
