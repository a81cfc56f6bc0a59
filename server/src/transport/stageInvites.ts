import type { Logger } from '../logger';
import type { Invites } from '../services/invites';
import { hostOf } from './recruitmentSocket';
import { onRequest } from './requests';
import type { IoSocket, Joined } from './stageSocket';

/** The host's invites from the studio: each recorded in the bureau's registry, withdrawable, single-use. */
export function handleStageInvites(socket: IoSocket, current: () => Joined, { invites, log }: { invites: Invites; log: Logger }): void {
  onRequest(socket, 'stage:invite', async ({ role }) => {
    const { stage, peer } = hostOf(current);
    const name = stage.roster.get(peer.id).displayName || 'host';
    const { invite, token, path } = await invites.stageLink(stage.sessionId, role, { id: peer.id, name });
    return { inviteId: invite.id, token, path, expiresAt: invite.expiresAt };
  }, log);

  onRequest(socket, 'stage:inviteRevoke', async ({ inviteId }) => {
    const { stage } = hostOf(current);
    await invites.revokeStageLink(inviteId, stage.sessionId);
    return {};
  }, log);
}
