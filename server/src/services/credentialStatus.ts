import type { JobStore } from '../store/jobStore';
import type { Credential } from './revocations';
import type { StaffAccounts } from './staff';

/**
 * Whether a credential, known only by its id, is still open: a sign-in not ended or expired whose
 * account is enabled, an enabled staff account, an invite link neither withdrawn nor expired. For a
 * connection that comes back without presenting its token again (socket.io's state recovery).
 */
export function credentialStatus({ store, staff, now = () => new Date() }: {
  store: JobStore;
  staff: StaffAccounts;
  now?: () => Date;
}): (credential: Credential) => Promise<boolean> {
  const open = (record: { revokedAt: string | null; expiresAt: string } | undefined): boolean =>
    Boolean(record && !record.revokedAt && Date.parse(record.expiresAt) > now().getTime());
  return async ({ kind, id }) => {
    if (kind === 'staff') return Boolean(await staff.active(id));
    if (kind === 'invite') return open(await store.get('invite', id));
    const signIn = await store.get('signin', id);
    return open(signIn) && Boolean(await staff.active(signIn!.staffId));
  };
}
