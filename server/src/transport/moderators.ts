import type { ModeratorView } from '@chunfeng/shared/moderation';
import type { PeerId } from '@chunfeng/shared/ids';
import type { StageRole } from '@chunfeng/shared/stage';
import type { Tokens } from '../auth/tokens';
import { DomainError } from '../domain/errors';
import type { LiveStage, Place } from '../media/liveStage';
import { actorFor, sessionCookie } from './auth';
import { identityOf } from './identity';
import { joinedOf, type IoSocket } from './socketState';

/**
 * Who asks for something on a stage: their place, the connection holding it (on this node or, for a
 * viewer watching through another node, there: socket.io's rooms span the nodes), and who they are as
 * their own node verified it. Every stage action takes one, whichever path the request came by.
 */
export interface Asker {
  stage: LiveStage;
  peer: Place;
  /** The socket id holding the place, wherever it is connected. */
  connection: string;
  /** The asker's author id in this session (their device-token family, or their connection). */
  authorId: string;
  /** They sent a valid device token: they may chat, ask, vote and raise a hand. */
  device: boolean;
  /** The bureau staff member signed in on their browser, checked again at each call. */
  staff: () => Promise<ModeratorView | null>;
}

/** The asker behind a socket joined on this node's stage. */
export async function localAsker(socket: IoSocket, tokens: Tokens): Promise<Asker> {
  const { stage, peer } = joinedOf(socket);
  const identity = await identityOf(socket, tokens);
  return { stage, peer, connection: socket.id, authorId: identity.authorIdIn(stage.sessionId), device: identity.device, staff: () => staffOf(socket, tokens) };
}

/**
 * The moderator an asker speaks for, by their role on the stage and their credentials, never by what
 * they have done: the stage's host, or bureau staff signed in on this browser (checked again at each
 * call, so a removed account stops moderating). Co-hosts and viewers are not moderators.
 */
export async function moderatorOf({ stage, peer, staff }: Asker): Promise<ModeratorView | null> {
  if (peer.role === 'host') return { role: 'host', name: stage.roster.has(peer.id) ? stage.roster.get(peer.id).displayName : '' };
  return staff();
}

/** The bureau staff member signed in on a socket's browser, if any. */
export async function staffOf(socket: IoSocket, tokens: Tokens): Promise<ModeratorView | null> {
  const cookie = sessionCookie(socket.request.headers.cookie);
  if (!cookie) return null;
  const actor = await actorFor(cookie, tokens).catch(() => undefined);
  return actor?.kind === 'bureau' ? { role: actor.role, name: actor.name } : null;
}

/**
 * Before someone takes a place on a stage: a banned device family is refused (BANNED), unless it
 * comes as the host (its credential was checked) or as bureau staff — moderators are never banned.
 */
export async function assertAdmitted({ stage, role, authorId, staff }: { stage: LiveStage; role: StageRole; authorId: string; staff: () => Promise<ModeratorView | null> }): Promise<void> {
  if (role === 'host' || !stage.chat.moderation.isBanned(authorId)) return;
  if (await staff()) return;
  throw new DomainError('BANNED', 'you have been removed from this session');
}

/**
 * Once someone has their place: the stage learns whose device family the place is (so a ban reaches
 * it), and a moderator's author id is protected from mutes and bans for as long as the stage is
 * open, from the moment they join, whether or not they ever chat.
 */
export async function registerParticipant(asker: Asker): Promise<void> {
  asker.stage.identify(asker.peer.id, asker.authorId);
  if (await moderatorOf(asker)) asker.stage.chat.moderation.protect(asker.authorId);
}

/**
 * The author id an asker chats, asks, votes or raises a hand with. Anyone but a moderator needs a
 * device token (UNAUTHORIZED without one: watching needs none) and must not be banned (BANNED).
 */
export function participantId({ stage, authorId, device }: Asker, { moderator }: { moderator: boolean }): string {
  if (moderator) return authorId;
  if (!device) throw new DomainError('UNAUTHORIZED', 'this phone has no device token yet: reload the page to chat, ask, vote or raise a hand');
  stage.chat.moderation.assertMayTakePart(authorId);
  return authorId;
}

/**
 * Takes (or, with the resume key, takes back) a place on a stage for a connection on this node or
 * another: a banned family is refused first, and the place is registered under its author id.
 * `beforeNew` runs before a new place is made (a single-use link is spent there).
 */
export async function takePlace(stage: LiveStage, { role, displayName, resume, connection, authorId, device, staff, beforeNew }: {
  role: StageRole;
  displayName?: string | undefined;
  resume?: { peerId: PeerId; key: string } | undefined;
  connection: string;
  authorId: string;
  device: boolean;
  staff: () => Promise<ModeratorView | null>;
  beforeNew?: () => Promise<void>;
}): Promise<{ seat: { place: Place; resumeKey: string }; resumed: boolean }> {
  await assertAdmitted({ stage, role, authorId, staff });
  const resumed = resume ? stage.resume(resume.peerId, resume.key, connection, role) : undefined;
  // A host page back after a drop whose place another device took meanwhile is told so, not handed
  // the stage: only the person takes it back (no two tabs taking it from each other in turn).
  if (resume && !resumed && role === 'host' && stage.roster.onStage().some((p) => p.role === 'host')) {
    throw new DomainError('TAKEN_OVER', 'the host link is live on another device');
  }
  if (!resumed) await beforeNew?.();
  // A phone's reload is the same viewer, never counted twice, not even for a moment (a bare
  // connection's author id is that connection's alone).
  if (!resumed && device && role === 'viewer') stage.releaseAwayViewers(authorId);
  const seat = resumed ?? (await stage.join({ role, displayName: displayName ?? '', connection }));
  await registerParticipant({ stage, peer: seat.place, connection, authorId, device, staff });
  return { seat, resumed: Boolean(resumed) };
}
