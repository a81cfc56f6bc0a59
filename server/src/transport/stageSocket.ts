import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@chunfeng/shared/events';
import type { StageJoinInput } from '@chunfeng/shared/stage';
import type { AuthorIds } from '../auth/authorIds';
import type { StageTokens, Tokens } from '../auth/tokens';
import { Coalescer } from '../domain/coalescer';
import { DomainError } from '../domain/errors';
import { KeyedQueue } from '../domain/keyedQueue';
import { spend } from '../domain/rateLimiter';
import { mayCaption, requiresCredential } from '../domain/stagePolicy';
import type { Logger } from '../logger';
import type { LiveStage, Place } from '../media/liveStage';
import type { StageDirectory } from '../media/stageDirectory';
import type { Invites } from '../services/invites';
import type { RecruitmentService } from '../services/recruitment';
import type { RateLimiters } from '../store/rateLimiters';
import { handleChatRequests } from './chatSocket';
import { holdCredentials } from './credentialRooms';
import { attachAuthorIds, identityOf } from './identity';
import { LobbyMembership } from './lobby';
import { handleMediaRequests } from './mediaRequests';
import { assertAdmitted, participantId, registerParticipant } from './moderators';
import { handleRecruitmentRequests } from './recruitmentSocket';
import { onRequest, safeListener } from './requests';
import { RosterRelay } from './rosterRelay';
import { handleStageInvites } from './stageInvites';
import { handleWatchRequests } from './watchRequests';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export const stageChannel = (sessionId: string): string => `stage:${sessionId}`;
export const hostChannel = (sessionId: string): string => `stage-host:${sessionId}`;
/** The sockets of one anonymous author (a device family) in one session: to tell them of their own questions and votes. */
export const authorChannel = (sessionId: string, authorId: string): string => `author:${sessionId}:${authorId}`;

/** What a socket has joined, if anything. */
export interface Joined {
  stage: LiveStage;
  /** The person's place; its `media` is set only while they are on WebRTC. */
  peer: Place;
}

/** Relays a stage's events to the people in it. Called once per stage, when it opens. */
export function broadcastStage(io: IoServer, stage: LiveStage): void {
  const { room, sessionId } = stage;
  const channel = stageChannel(sessionId);
  room.on('producerAdded', (info) => io.to(channel).emit('producer:added', info));
  room.on('producerClosed', (event) => io.to(channel).emit('producer:closed', event));
  room.on('producerUpdated', (event) => io.to(channel).emit('producer:updated', event));
  room.on('speakerChanged', (peerId) => io.to(channel).emit('speaker:changed', { peerId }));
  // A person's own events go to the connection holding their place (its own room): no room per viewer.
  // (Never `io.to([])`: no room at all is everyone.)
  room.on('peerMoved', (peer) => {
    const connection = stage.connectionOf(peer.id);
    if (connection) io.to(connection).emit('media:moved', { routerRtpCapabilities: room.rtpCapabilities, producers: room.producers() });
  });
  // Hands raised and lowered in a flood reach the host merged: at most once a second, the latest list.
  const hands = new Coalescer({ send: () => io.to(hostChannel(sessionId)).emit('stage:hands', { hands: stage.roster.hands() }) });
  stage.on('handsChanged', () => hands.changed());
  stage.on('roleChanged', ({ peerId, role }) => {
    const connection = stage.connectionOf(peerId);
    if (connection) io.to(connection).emit('stage:roleChanged', { role });
  });

  // With a thousand viewers arriving, one roster message per arrival to each of them would be a
  // million messages: the latest roster is sent merged, the viewer count alone less often.
  const roster = new RosterRelay({ read: () => stage.rosterView(), send: (view) => io.to(channel).emit('stage:roster', view) });
  stage.on('rosterChanged', (view) => roster.changed(view));
  room.once('close', (reason) => {
    roster.close();
    hands.close();
    io.to(channel).emit('stage:ended', { reason });
    io.in(channel).socketsLeave([channel, hostChannel(sessionId)]);
  });
}

/** The stage requests of one connected client. */
export function handleStageSocket(socket: IoSocket, { io, directory, tokens, invites, logger, service, access, authors, limiters, hlsUrl = () => null }: {
  io: IoServer;
  /** Keyed author ids for chat and questions. */
  authors: AuthorIds;
  directory: StageDirectory;
  tokens: StageTokens;
  invites: Invites;
  logger: Logger;
  service: RecruitmentService;
  access: Tokens;
  limiters: RateLimiters;
  /** The session's HLS playlist URL once it can be played, if the server makes HLS. */
  hlsUrl?: (sessionId: string) => string | null;
}): void {
  let joined: Joined | undefined;
  const lobby = new LobbyMembership(socket);
  const log = logger.child({ socket: socket.id });
  attachAuthorIds(socket, authors);

  const current = (): Joined => {
    if (!joined || joined.stage.closed || joined.peer.closed) throw new DomainError('NOT_JOINED', 'join the session first');
    return joined;
  };

  /** A credentialed role's link, checked on every join and every resume; its id when it has a record. */
  async function credentialFor(input: StageJoinInput): Promise<{ jti: string | undefined } | undefined> {
    if (!requiresCredential(input.role)) return undefined;
    if (!input.token) throw new DomainError('UNAUTHORIZED', 'this role needs an invite link');
    const { claims, jti } = await tokens.inspect(input.token);
    if (claims.sid !== input.sessionId || claims.role !== input.role) {
      throw new DomainError('FORBIDDEN', 'this link is for another session or role');
    }
    return { jti };
  }

  /** Who holds a single-use link: this phone's device token when it has one, else this connection. */
  async function holder(): Promise<string> {
    const device = (socket.handshake.auth as { device?: unknown }).device;
    const claims = typeof device === 'string' ? await access.verify('device', device).catch(() => undefined) : undefined;
    return claims ? `device:${claims.sub}` : `connection:${socket.id}`;
  }

  async function stageFor(input: StageJoinInput): Promise<LiveStage> {
    // An open stage is a session that has not ended (ending it closes the stage). Without one, a
    // session the host ended stays ended: nobody reopens it, and viewers are told so rather than
    // waiting for it. Only a session the bureau registered ever gets a stage.
    const open = directory.get(input.sessionId);
    if (open) return open;
    // Whoever is told "not live yet" waits in the lobby and hears when it goes live: no polling.
    await lobby.enter(input.sessionId);
    const status = await service.sessionStatus(input.sessionId);
    if (status === undefined) throw new DomainError('NOT_FOUND', 'there is no such session');
    if (status === 'ended') throw new DomainError('SESSION_ENDED', 'this session has ended');
    if (input.role === 'host') return directory.open(input.sessionId);
    return directory.get(input.sessionId) ?? Promise.reject(new DomainError('SESSION_NOT_LIVE', 'this session is not live yet'));
  }

  onRequest(socket, 'stage:join', async (input) => {
    if (joined && !joined.stage.closed && !joined.peer.closed) throw new DomainError('CONFLICT', 'already joined');
    const credential = await credentialFor(input);
    const stage = await stageFor(input).catch(async (error: unknown) => {
      if (!(error instanceof DomainError && error.code === 'SESSION_NOT_LIVE')) await lobby.leave();
      throw error;
    });
    await lobby.leave();
    await assertAdmitted(socket, stage, input.role, access);
    const resumed = input.resume ? stage.resume(input.resume.peerId, input.resume.key, socket.id, input.role) : undefined;
    // A single-use link is bound to the first person in; their own resume is them again.
    if (!resumed && credential?.jti) await invites.use(credential.jti, await holder());
    const seat = resumed ?? (await stage.join({ role: input.role, displayName: input.displayName ?? '', connection: socket.id }));
    const peer = seat.place;
    joined = { stage, peer };
    const authorId = (await identityOf(socket, access)).authorIdIn(stage.sessionId);
    await socket.join([stageChannel(stage.sessionId), authorChannel(stage.sessionId, authorId)]);
    if (peer.role === 'host') await socket.join(hostChannel(stage.sessionId));
    await registerParticipant(socket, joined, access);
    const jti = credential?.jti;
    if (jti && input.token) {
      const token = input.token;
      await holdCredentials(socket, [{ kind: 'invite', id: jti }], () =>
        tokens.verify(token).then(
          () => true,
          () => false,
        ),
      );
    }
    // One line per viewer would be thousands a minute when a crowd arrives: theirs are debug-level.
    log[peer.role === 'viewer' ? 'debug' : 'info']({ sessionId: stage.sessionId, role: peer.role, peerId: peer.id, resumed: Boolean(resumed) }, 'joined stage');
    // Read last: a pin made while this socket joined reaches it as an event or in here, never neither.
    const pins = await service.pinsNow(stage.sessionId);
    const common = {
      peerId: peer.id,
      role: peer.role,
      resumeKey: seat.resumeKey,
      resumed: Boolean(resumed),
      roster: stage.rosterView(),
      hlsUrl: hlsUrl(stage.sessionId),
      interactive: peer.role !== 'viewer' || stage.interactive.has(peer.id) || stage.interactive.free,
      pins,
    };
    // A viewer on HLS is sent no router capabilities or producer list: a few bytes, not kilobytes.
    return peer.media
      ? { ...common, mode: 'webrtc' as const, routerRtpCapabilities: stage.room.rtpCapabilities, producers: stage.room.producers() }
      : { ...common, mode: 'hls' as const };
  }, log);

  onRequest(socket, 'caption:send', ({ text }) => {
    const { stage, peer } = current();
    if (!mayCaption(peer.role)) throw new DomainError('FORBIDDEN', 'only the captioner sends captions');
    const caption = stage.addCaption(text);
    io.to(stageChannel(stage.sessionId)).emit('caption', caption);
    return { seq: caption.seq };
  }, log);

  onRequest(socket, 'caption:history', () => ({ captions: current().stage.captions(50) }), log);

  onRequest(socket, 'program:spotlight', ({ peerId, followSpeaker }) => {
    const { stage, peer } = current();
    stage.setSpotlight(peer.id, { peerId, followSpeaker });
    return {};
  }, log);

  onRequest(socket, 'stage:leave', async () => {
    const { stage, peer } = current();
    joined = undefined;
    stage.leave(peer.id);
    const authorId = (await identityOf(socket, access)).authorIdIn(stage.sessionId);
    for (const channel of [stageChannel(stage.sessionId), hostChannel(stage.sessionId), authorChannel(stage.sessionId, authorId)]) {
      await socket.leave(channel);
    }
    return {};
  }, log);

  onRequest(socket, 'stage:end', () => {
    const { stage, peer } = current();
    stage.end(peer.id);
    return {};
  }, log);

  onRequest(socket, 'stage:promote', ({ peerId }) => {
    const { stage, peer } = current();
    stage.promote(peer.id, peerId);
    return {};
  }, log);

  onRequest(socket, 'stage:remove', ({ peerId }) => {
    const { stage, peer } = current();
    stage.removeFromStage(peer.id, peerId);
    return {};
  }, log);

  // Raising checks for a ban first and lowering does not, so without a queue a quick raise-then-lower
  // could be applied lower-then-raise and leave the hand up.
  // Made on the first raise: most viewers never raise a hand, and an idle viewer should cost little.
  let hands: KeyedQueue | undefined;
  onRequest(socket, 'hand:raise', ({ raised }) => (hands ??= new KeyedQueue()).run('hand', async () => {
    const { stage, peer } = current();
    // A hand needs a device token like chat and questions: without one the identity is this
    // connection only, which a ban on the device family could never reach.
    if (raised) await participantId(socket, current(), access, { moderator: false });
    await spend(limiters.hand, peer.id, (seconds) => `too many hand raises; wait ${seconds} seconds`);
    stage.raiseHand(peer.id, raised);
    return {};
  }), log);

  handleStageInvites(socket, current, { invites, log });
  handleMediaRequests(socket, current, log);
  handleWatchRequests(socket, current, log);
  handleRecruitmentRequests(socket, current, { service, tokens: access, log });
  handleChatRequests(socket, current, { io, tokens: access, log, limiters });

  socket.on('disconnect', safeListener((reason) => {
    if (!joined) return;
    // The server closes a connection when its credential was withdrawn: no grace period to come back.
    if (reason === 'server namespace disconnect') {
      log.info({ peerId: joined.peer.id }, 'credential withdrawn; the place is let go');
      joined.stage.release(joined.peer.id, socket.id);
      joined = undefined;
      return;
    }
    log.info({ reason, peerId: joined.peer.id }, 'connection dropped; keeping the place for the grace period');
    joined.stage.detach(joined.peer.id, socket.id);
    joined = undefined;
  }, log, { event: 'disconnect' }));
}
