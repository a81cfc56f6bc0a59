import type { Invites } from '../services/invites';
import { hostOf } from './recruitmentSocket';
import type { RequestRoutes } from './requests';

/** The host's invites from the studio: each recorded in the bureau's registry, withdrawable, single-use. */
export function handleStageInvites(routes: RequestRoutes, { invites }: { invites: Invites }): void {
  routes.on('stage:invite', async (socket, { role }) => {
    const { stage, peer } = hostOf(socket);
    const name = stage.roster.get(peer.id).displayName || 'host';
    const { invite, token, path } = await invites.stageLink(stage.sessionId, role, { id: peer.id, name });
    return { inviteId: invite.id, token, path, expiresAt: invite.expiresAt };
  });

  routes.on('stage:inviteRevoke', async (socket, { inviteId }) => {
    const { stage } = hostOf(socket);
    await invites.revokeStageLink(inviteId, stage.sessionId);
    return {};
  });
}
