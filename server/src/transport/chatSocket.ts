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
import { onRequest } from './requests';
import { hostChannel, stageChannel, type IoServer, type IoSocket, type Joined } from './stageSocket';

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
async function chatIdentity(socket: IoSocket, current: () => Joined, tokens: Tokens): Promise<{ stage: LiveStage; authorId: string; by: ModeratorView | null }> {
  const joined = current();
  const authorId = (await identityOf(socket, tokens)).authorIdIn(joined.stage.sessionId);
  const by = await moderatorOf(socket, joined, tokens);
  if (by) {
    joined.stage.chat.moderation.protect(authorId);
    await socket.join(moderatorChannel(joined.stage.sessionId));
  }
  return { stage: joined.stage, authorId, by };
}

async function chatModerator(socket: IoSocket, current: () => Joined, tokens: Tokens): Promise<{ stage: LiveStage; by: ModeratorView }> {
  const { stage, by } = await chatIdentity(socket, current, tokens);
  if (!by) throw new DomainError('FORBIDDEN', 'only moderators can do that');
  return { stage, by };
}

function publish(io: IoServer, stage: LiveStage, message: ChatMessage): void {
  if (message.status === 'shown') io.to(stageChannel(stage.sessionId)).emit('chat:message', message);
  else if (message.status === 'held') io.to([hostChannel(stage.sessionId), moderatorChannel(stage.sessionId)]).emit('chat:heldMessage', message);
}

/**
 * Chat and its moderation for one joined client. Everything user-written travels as plain text.
 * (The helpers above sit outside: a named function made per connection costs a viewer more memory.)
 */
export function handleChatRequests(socket: IoSocket, current: () => Joined, { io, tokens, log, limiters }: {
  io: IoServer;
  tokens: Tokens;
  log: Logger;
  limiters: RateLimiters;
}): void {
  onRequest(socket, 'chat:send', async ({ text, displayName }) => {
    const { stage, by } = await chatIdentity(socket, current, tokens);
    const authorId = await participantId(socket, current(), tokens, { moderator: by !== null });
    if (!by) await spend(limiters.chat, authorId, (seconds) => `too many messages: wait ${seconds} seconds`);
    const message = stage.chat.send({ authorId, displayName, text, moderator: by !== null, badge: badgeOf(current().peer.role, by) });
    publish(io, stage, message);
    return { message };
  }, log);

  onRequest(socket, 'chat:history', async () => {
    const { stage, authorId, by } = await chatIdentity(socket, current, tokens);
    return { messages: stage.chat.visible(), slowModeSeconds: stage.chat.slowModeSeconds, moderator: by !== null, you: authorId };
  }, log);

  onRequest(socket, 'chat:held', async () => {
    const { stage } = await chatModerator(socket, current, tokens);
    return { messages: stage.chat.held() };
  }, log);

  onRequest(socket, 'chat:delete', async ({ messageId }) => {
    const { stage, by } = await chatModerator(socket, current, tokens);
    await stage.chat.delete(by, messageId);
    io.to(stageChannel(stage.sessionId)).emit('chat:deleted', { messageIds: [messageId] });
    return {};
  }, log);

  onRequest(socket, 'chat:approve', async ({ messageId }) => {
    const { stage, by } = await chatModerator(socket, current, tokens);
    publish(io, stage, await stage.chat.approve(by, messageId));
    return {};
  }, log);

  onRequest(socket, 'chat:mute', async ({ authorId: target, seconds }) => {
    const { stage, by } = await chatModerator(socket, current, tokens);
    await stage.chat.mute(by, target, seconds);
    log.info({ by: by.role, target, seconds }, 'chat: muted');
    return {};
  }, log);

  onRequest(socket, 'chat:ban', async ({ authorId: target }) => {
    const { stage, by } = await chatModerator(socket, current, tokens);
    const removed = await stage.chat.ban(by, target);
    stage.lowerHandsOf(target);
    log.info({ by: by.role, target }, 'chat: banned');
    if (removed.length > 0) io.to(stageChannel(stage.sessionId)).emit('chat:deleted', { messageIds: removed });
    return {};
  }, log);

  onRequest(socket, 'chat:slowMode', async ({ seconds }) => {
    const { stage, by } = await chatModerator(socket, current, tokens);
    await stage.chat.setSlowMode(by, seconds);
    io.to(stageChannel(stage.sessionId)).emit('chat:slowMode', { seconds });
    return {};
  }, log);
}
