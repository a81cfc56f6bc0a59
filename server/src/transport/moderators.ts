import type { StageRole } from '@chunfeng/shared/stage';
import type { Tokens } from '../auth/tokens';
import { DomainError } from '../domain/errors';
import type { ModeratorView } from '../domain/moderation';
import type { LiveStage } from '../media/liveStage';
import { actorFor, sessionCookie } from './auth';
import { identityOf } from './identity';
import type { IoSocket, Joined } from './socketState';

/**
 * The moderator a socket speaks for, by its role on the stage and its credentials, never by what it
 * has done: the stage's host, or bureau staff signed in on this browser (checked again at each call,
 * so a removed account stops moderating). Co-hosts and viewers are not moderators.
 */
export async function moderatorOf(socket: IoSocket, { stage, peer }: Joined, tokens: Tokens): Promise<ModeratorView | null> {
  if (peer.role === 'host') return { role: 'host', name: stage.roster.has(peer.id) ? stage.roster.get(peer.id).displayName : '' };
  return staffOf(socket, tokens);
}

async function staffOf(socket: IoSocket, tokens: Tokens): Promise<ModeratorView | null> {
  const cookie = sessionCookie(socket.request.headers.cookie);
  if (!cookie) return null;
  const actor = await actorFor(cookie, tokens).catch(() => undefined);
  return actor?.kind === 'bureau' ? { role: actor.role, name: actor.name } : null;
}

/**
 * Before a socket takes a place on a stage: a banned device family is refused (BANNED), unless it
 * comes as the host (its credential was checked) or as bureau staff — moderators are never banned.
 */
export async function assertAdmitted(socket: IoSocket, stage: LiveStage, role: StageRole, tokens: Tokens): Promise<void> {
  const authorId = (await identityOf(socket, tokens)).authorIdIn(stage.sessionId);
  if (role === 'host' || !stage.chat.moderation.isBanned(authorId)) return;
  if (await staffOf(socket, tokens)) return;
  throw new DomainError('BANNED', 'you have been removed from this session');
}

/**
 * Once a socket has its place: the stage learns whose device family the place is (so a ban reaches
 * it), and a moderator's author id is protected from mutes and bans for as long as the stage is
 * open, from the moment they join, whether or not they ever chat.
 */
export async function registerParticipant(socket: IoSocket, joined: Joined, tokens: Tokens): Promise<void> {
  const authorId = (await identityOf(socket, tokens)).authorIdIn(joined.stage.sessionId);
  joined.stage.identify(joined.peer.id, authorId);
  if (await moderatorOf(socket, joined, tokens)) joined.stage.chat.moderation.protect(authorId);
}

/**
 * The author id a socket chats, asks, votes or raises a hand with. Anyone but a moderator needs a
 * device token (UNAUTHORIZED without one: watching needs none) and must not be banned (BANNED).
 */
export async function participantId(
  socket: IoSocket,
  joined: Joined,
  tokens: Tokens,
  { moderator }: { moderator: boolean },
): Promise<string> {
  const identity = await identityOf(socket, tokens);
  const authorId = identity.authorIdIn(joined.stage.sessionId);
  const { device } = identity;
  if (moderator) return authorId;
  if (!device) throw new DomainError('UNAUTHORIZED', 'this phone has no device token yet: reload the page to chat, ask, vote or raise a hand');
  joined.stage.chat.moderation.assertMayTakePart(authorId);
  return authorId;
}
