import type { Credential } from '../services/revocations';
import { credentialsIn } from './credentialRooms';
import { employerOfChannel } from './recruitmentSocket';
import type { IoSocket } from './socketState';

/**
 * Whether a socket that dropped may come back into the rooms it held (socket.io's connection-state
 * recovery), judged as a rejoin would be: every credential it held (sign-in, staff account, invite
 * link) still open, and an employer console's employer still registered. Audience rooms need nothing.
 */
export function recoveryGuard({ credentialOpen, employerExists }: {
  credentialOpen: (credential: Credential) => Promise<boolean>;
  employerExists: (employerId: string) => Promise<boolean>;
}): (rooms: readonly string[]) => Promise<boolean> {
  return async (rooms) => {
    const checks = credentialsIn(rooms).map(credentialOpen);
    for (const room of rooms) {
      const employerId = employerOfChannel(room);
      if (employerId !== undefined) checks.push(employerExists(employerId));
    }
    return (await Promise.all(checks)).every(Boolean);
  };
}

/**
 * A recovered socket, checked again once it is back in its rooms: a withdrawal that landed while it
 * was being restored (after the first check, before it rejoined its rooms here) still closes it.
 */
export async function recheckRecovered(socket: IoSocket, mayRecover: (rooms: readonly string[]) => Promise<boolean>): Promise<void> {
  if (!socket.recovered) return;
  if (!(await mayRecover([...socket.rooms]).catch(() => false))) socket.disconnect(true);
}
