import crypto from 'node:crypto';
import type { StaffInput, StaffView } from '@chunfeng/shared/admin';
import { hashPassword } from '../auth/passwords';
import { DomainError } from '../domain/errors';
import type { JobStore, StaffAccount } from '../store/jobStore';
import type { Revocations } from './revocations';

const view = ({ passwordHash: _hash, ...rest }: StaffAccount): StaffView => rest;

/** The bureau's staff accounts. Only an admin manages them; the last admin cannot be removed. */
export class StaffAccounts {
  readonly #store: JobStore;
  readonly #revocations: Revocations | undefined;

  constructor({ store, revocations }: { store: JobStore; revocations?: Revocations }) {
    this.#store = store;
    this.#revocations = revocations;
  }

  /** A page of the accounts not removed, oldest first, after `after` (a `next` of this list). */
  async page({ after, limit }: { after: number | undefined; limit: number }): Promise<{ staff: StaffView[]; next: number | undefined }> {
    const { docs, next } = await this.#store.pageCatalog('staff', { after, limit, match: (s) => !s.disabled });
    return { staff: docs.map(view), next };
  }

  async create(input: StaffInput): Promise<StaffView> {
    // A removed account's user name may be given out again, as a new account.
    if (await this.byUsername(input.username)) throw new DomainError('CONFLICT', 'that user name is taken');
    const account: StaffAccount = {
      id: crypto.randomUUID(),
      username: input.username,
      displayName: input.displayName,
      passwordHash: await hashPassword(input.password),
      role: input.role,
      createdAt: new Date().toISOString(),
    };
    await this.#store.put('staff', account);
    return view(account);
  }

  /** Disables an account (kept for the record of who changed what); its sign-ins and connections stop at once. */
  async remove(id: string, by: { id: string }): Promise<void> {
    if (id === by.id) throw new DomainError('FORBIDDEN', 'you cannot remove your own account');
    const account = await this.#store.get('staff', id);
    if (!account || account.disabled) throw new DomainError('NOT_FOUND', 'no such staff account');
    await this.#store.put('staff', { ...account, disabled: true });
    // Its sign-ins fail their next check anyway; open connections are closed now.
    this.#revocations?.revoke({ kind: 'staff', id });
  }

  /** The enabled account with that user name, if any. */
  async byUsername(username: string): Promise<StaffAccount | undefined> {
    return (await this.#store.list('staff', { value: username })).find((s) => !s.disabled);
  }

  /** Whether a signed-in account still exists and is enabled, with its current role. */
  async active(id: string): Promise<StaffAccount | undefined> {
    const account = await this.#store.get('staff', id);
    return account && !account.disabled ? account : undefined;
  }
}
