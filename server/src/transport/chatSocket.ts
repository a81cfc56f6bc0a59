import type { Tokens } from '../auth/tokens';
import type { ChatMessage } from '../domain/chat';
import { DomainError } from '../domain/errors';
import { spend } from '../domain/rateLimiter';
import type { Logger } from '../logger';
import type { LiveStage } from '../media/liveStage';
import type { RateLimiters } from '../store/rateLimiters';
import { identityOf } from './identity';
import { onRequest } from './requests';
import { hostChannel, stageChannel, type IoServer, type IoSocket, type Joined } from './stageSocket';

export const moderatorChannel = (sessionId: string): string => `stage-mod:${sessionId}`;

/** Chat and its moderation for one joined client. Everything user-written travels as plain text. */
export function handleChatRequests(socket: IoSocket, current: () => Joined, { io, tokens, log, limiters }: {
  io: IoServer;
  tokens: Tokens;
  log: Logger;
  limiters: RateLimiters;
}): void {
  /** The joined stage and this person's chat identity; hosts and bureau staff moderate. */
  async function me(): Promise<{ stage: LiveStage; authorId: string; moderator: boolean }> {
    const { stage, peer } = current();
    const { authorId, bureau } = await identityOf(socket, tokens);
    if ((peer.role === 'host' || bureau) && !stage.chat.isModerator(authorId)) {
      stage.chat.addModerator(authorId);
      await socket.join(moderatorChannel(stage.sessionId));
    }
    return { stage, authorId, moderator: stage.chat.isModerator(authorId) };
  }

  async function moderator(): Promise<{ stage: LiveStage; authorId: string }> {
    const who = await me();
    if (!who.moderator) throw new DomainError('FORBIDDEN', 'only moderators can do that');
    return who;
  }

  const publish = (stage: LiveStage, message: ChatMessage): void => {
    if (message.status === 'shown') io.to(stageChannel(stage.sessionId)).emit('chat:message', message);
    else if (message.status === 'held') io.to([hostChannel(stage.sessionId), moderatorChannel(stage.sessionId)]).emit('chat:heldMessage', message);
  };

  onRequest(socket, 'chat:send', async ({ text, displayName }) => {
    const { stage, authorId, moderator: isModerator } = await me();
    if (!isModerator) await spend(limiters.chat, authorId, (seconds) => `too many messages: wait ${seconds} seconds`);
    const message = stage.chat.send({ authorId, displayName, text });
    publish(stage, message);
    return { message };
  }, log);

  onRequest(socket, 'chat:history', async () => {
    const { stage, authorId, moderator: isModerator } = await me();
    return { messages: stage.chat.visible(), slowModeSeconds: stage.chat.slowModeSeconds, moderator: isModerator, you: authorId };
  }, log);

  onRequest(socket, 'chat:held', async () => {
    const { stage } = await moderator();
    return { messages: stage.chat.held() };
  }, log);

  onRequest(socket, 'chat:delete', async ({ messageId }) => {
    const { stage, authorId } = await moderator();
    stage.chat.delete(authorId, messageId);
    io.to(stageChannel(stage.sessionId)).emit('chat:deleted', { messageIds: [messageId] });
    return {};
  }, log);

  onRequest(socket, 'chat:approve', async ({ messageId }) => {
    const { stage, authorId } = await moderator();
    publish(stage, stage.chat.approve(authorId, messageId));
    return {};
  }, log);

  onRequest(socket, 'chat:mute', async ({ authorId: target, seconds }) => {
    const { stage, authorId } = await moderator();
    stage.chat.mute(authorId, target, seconds);
    log.info({ by: authorId, target, seconds }, 'chat: muted');
    return {};
  }, log);

  onRequest(socket, 'chat:ban', async ({ authorId: target }) => {
    const { stage, authorId } = await moderator();
    const removed = stage.chat.ban(authorId, target);
    log.info({ by: authorId, target }, 'chat: banned');
    if (removed.length > 0) io.to(stageChannel(stage.sessionId)).emit('chat:deleted', { messageIds: removed });
    return {};
  }, log);

  onRequest(socket, 'chat:slowMode', async ({ seconds }) => {
    const { stage, authorId } = await moderator();
    stage.chat.setSlowMode(authorId, seconds);
    io.to(stageChannel(stage.sessionId)).emit('chat:slowMode', { seconds });
    return {};
  }, log);
}
