import type { ChatBadge, StageRole } from '@chunfeng/shared/stage';
import type { ChatMessage } from '../domain/chat';
import { DomainError } from '../domain/errors';
import type { ModeratorView } from '../domain/moderation';
import { spend } from '../domain/rateLimiter';
import type { Logger } from '../logger';
import type { LiveStage } from '../media/liveStage';
import type { RateLimiters } from '../store/rateLimiters';
import { moderatorOf, participantId, type Asker } from './moderators';
import type { IoServer } from './socketState';
import type { StageActions } from './stageActions';
import { hostChannel, stageChannel } from './stageSocket';

export const moderatorChannel = (sessionId: string): string => `stage-mod:${sessionId}`;

/**
 * The badge a message carries: from the sender's seat and sign-in, never from the name they typed,
 * so a viewer calling themselves 局长 still looks like a viewer.
 */
export function badgeOf(role: StageRole, by: ModeratorView | null): ChatBadge {
  if (role === 'host') return 'host';
  if (by) return 'staff';
  return role === 'viewer' ? null : 'cohost';
}

/** The asker's stage, their chat identity, and the moderator they speak for (the host, bureau staff) if any. */
async function chatIdentity(io: IoServer, asker: Asker): Promise<{ stage: LiveStage; authorId: string; by: ModeratorView | null }> {
  const by = await moderatorOf(asker);
  if (by) {
    asker.stage.chat.moderation.protect(asker.authorId);
    // Through the adapter: the asker's connection may be on another node.
    io.in(asker.connection).socketsJoin(moderatorChannel(asker.stage.sessionId));
  }
  return { stage: asker.stage, authorId: asker.authorId, by };
}

async function chatModerator(io: IoServer, asker: Asker): Promise<{ stage: LiveStage; by: ModeratorView }> {
  const { stage, by } = await chatIdentity(io, asker);
  if (!by) throw new DomainError('FORBIDDEN', 'only moderators can do that');
  return { stage, by };
}

function publish(io: IoServer, stage: LiveStage, message: ChatMessage): void {
  if (message.status === 'shown') io.to(stageChannel(stage.sessionId)).emit('chat:message', message);
  else if (message.status === 'held') io.to([hostChannel(stage.sessionId), moderatorChannel(stage.sessionId)]).emit('chat:heldMessage', message);
}

/** Chat and its moderation, for every joined client. Everything user-written travels as plain text. */
export function handleChatRequests(actions: StageActions, { io, logger, limiters }: {
  io: IoServer;
  logger: Logger;
  limiters: RateLimiters;
}): void {
  actions.on('chat:send', async (asker, { text, displayName }) => {
    const { stage, by } = await chatIdentity(io, asker);
    const authorId = participantId(asker, { moderator: by !== null });
    if (!by) await spend(limiters.chat, authorId, (seconds) => `too many messages: wait ${seconds} seconds`);
    const message = stage.chat.send({ authorId, displayName, text, moderator: by !== null, badge: badgeOf(asker.peer.role, by) });
    publish(io, stage, message);
    return { message };
  });

  actions.on('chat:history', async (asker) => {
    const { stage, authorId, by } = await chatIdentity(io, asker);
    return { messages: stage.chat.visible(), slowModeSeconds: stage.chat.slowModeSeconds, moderator: by !== null, you: authorId };
  });

  actions.on('chat:held', async (asker) => {
    const { stage } = await chatModerator(io, asker);
    return { messages: stage.chat.held() };
  });

  actions.on('chat:delete', async (asker, { messageId }) => {
    const { stage, by } = await chatModerator(io, asker);
    await stage.chat.delete(by, messageId);
    io.to(stageChannel(stage.sessionId)).emit('chat:deleted', { messageIds: [messageId] });
    return {};
  });

  actions.on('chat:approve', async (asker, { messageId }) => {
    const { stage, by } = await chatModerator(io, asker);
    publish(io, stage, await stage.chat.approve(by, messageId));
    return {};
  });

  actions.on('chat:mute', async (asker, { authorId: target, seconds }) => {
    const { stage, by } = await chatModerator(io, asker);
    await stage.chat.mute(by, target, seconds);
    logger.info({ connection: asker.connection, by: by.role, target, seconds }, 'chat: muted');
    return {};
  });

  actions.on('chat:ban', async (asker, { authorId: target }) => {
    const { stage, by } = await chatModerator(io, asker);
    const removed = await stage.chat.ban(by, target);
    stage.lowerHandsOf(target);
    logger.info({ connection: asker.connection, by: by.role, target }, 'chat: banned');
    if (removed.length > 0) io.to(stageChannel(stage.sessionId)).emit('chat:deleted', { messageIds: removed });
    return {};
  });

  actions.on('chat:slowMode', async (asker, { seconds }) => {
    const { stage, by } = await chatModerator(io, asker);
    await stage.chat.setSlowMode(by, seconds);
    io.to(stageChannel(stage.sessionId)).emit('chat:slowMode', { seconds });
    return {};
  });
}
