import type { ChatBadge, StageRole } from '@chunfeng/shared/stage';
import type { Tokens } from '../auth/tokens';
import type { ChatMessage } from '../domain/chat';
import { DomainError } from '../domain/errors';
import type { ModeratorView } from '../domain/moderation';
import { spend } from '../domain/rateLimiter';
import type { Logger } from '../logger';
import type { LiveStage } from '../media/liveStage';
import type { RateLimiters } from '../store/rateLimiters';
import { identityOf } from './identity';
import { moderatorOf, participantId } from './moderators';
import type { RequestRoutes } from './requests';
import { joinedOf, type IoServer, type IoSocket } from './socketState';
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

/** The joined stage, this person's chat identity, and the moderator they speak for (the host, bureau staff) if any. */
async function chatIdentity(socket: IoSocket, tokens: Tokens): Promise<{ stage: LiveStage; authorId: string; by: ModeratorView | null }> {
  const joined = joinedOf(socket);
  const authorId = (await identityOf(socket, tokens)).authorIdIn(joined.stage.sessionId);
  const by = await moderatorOf(socket, joined, tokens);
  if (by) {
    joined.stage.chat.moderation.protect(authorId);
    await socket.join(moderatorChannel(joined.stage.sessionId));
  }
  return { stage: joined.stage, authorId, by };
}

async function chatModerator(socket: IoSocket, tokens: Tokens): Promise<{ stage: LiveStage; by: ModeratorView }> {
  const { stage, by } = await chatIdentity(socket, tokens);
  if (!by) throw new DomainError('FORBIDDEN', 'only moderators can do that');
  return { stage, by };
}

function publish(io: IoServer, stage: LiveStage, message: ChatMessage): void {
  if (message.status === 'shown') io.to(stageChannel(stage.sessionId)).emit('chat:message', message);
  else if (message.status === 'held') io.to([hostChannel(stage.sessionId), moderatorChannel(stage.sessionId)]).emit('chat:heldMessage', message);
}

/** Chat and its moderation, for every joined client. Everything user-written travels as plain text. */
export function handleChatRequests(routes: RequestRoutes, { io, tokens, logger, limiters }: {
  io: IoServer;
  tokens: Tokens;
  logger: Logger;
  limiters: RateLimiters;
}): void {
  routes.on('chat:send', async (socket, { text, displayName }) => {
    const { stage, by } = await chatIdentity(socket, tokens);
    const authorId = await participantId(socket, joinedOf(socket), tokens, { moderator: by !== null });
    if (!by) await spend(limiters.chat, authorId, (seconds) => `too many messages: wait ${seconds} seconds`);
    const message = stage.chat.send({ authorId, displayName, text, moderator: by !== null, badge: badgeOf(joinedOf(socket).peer.role, by) });
    publish(io, stage, message);
    return { message };
  });

  routes.on('chat:history', async (socket) => {
    const { stage, authorId, by } = await chatIdentity(socket, tokens);
    return { messages: stage.chat.visible(), slowModeSeconds: stage.chat.slowModeSeconds, moderator: by !== null, you: authorId };
  });

  routes.on('chat:held', async (socket) => {
    const { stage } = await chatModerator(socket, tokens);
    return { messages: stage.chat.held() };
  });

  routes.on('chat:delete', async (socket, { messageId }) => {
    const { stage, by } = await chatModerator(socket, tokens);
    await stage.chat.delete(by, messageId);
    io.to(stageChannel(stage.sessionId)).emit('chat:deleted', { messageIds: [messageId] });
    return {};
  });

  routes.on('chat:approve', async (socket, { messageId }) => {
    const { stage, by } = await chatModerator(socket, tokens);
    publish(io, stage, await stage.chat.approve(by, messageId));
    return {};
  });

  routes.on('chat:mute', async (socket, { authorId: target, seconds }) => {
    const { stage, by } = await chatModerator(socket, tokens);
    await stage.chat.mute(by, target, seconds);
    logger.info({ socket: socket.id, by: by.role, target, seconds }, 'chat: muted');
    return {};
  });

  routes.on('chat:ban', async (socket, { authorId: target }) => {
    const { stage, by } = await chatModerator(socket, tokens);
    const removed = await stage.chat.ban(by, target);
    stage.lowerHandsOf(target);
    logger.info({ socket: socket.id, by: by.role, target }, 'chat: banned');
    if (removed.length > 0) io.to(stageChannel(stage.sessionId)).emit('chat:deleted', { messageIds: removed });
    return {};
  });

  routes.on('chat:slowMode', async (socket, { seconds }) => {
    const { stage, by } = await chatModerator(socket, tokens);
    await stage.chat.setSlowMode(by, seconds);
    io.to(stageChannel(stage.sessionId)).emit('chat:slowMode', { seconds });
    return {};
  });
}
