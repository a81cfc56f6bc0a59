import type { DisconnectReason } from 'socket.io';
import type { StageJoinInput } from '@chunfeng/shared/stage';
import type { StageTokens, Tokens } from '../auth/tokens';
import { Coalescer } from '../domain/coalescer';
import { DomainError } from '../domain/errors';
import { KeyedQueue } from '../domain/keyedQueue';
import { spend } from '../domain/rateLimiter';
import { mayCaption, requiresCredential } from '../domain/stagePolicy';
import type { Logger } from '../logger';
import type { LiveStage } from '../media/liveStage';
import type { StageDirectory } from '../media/stageDirectory';
import type { Invites } from '../services/invites';
import type { RecruitmentService } from '../services/recruitment';
import type { RateLimiters } from '../store/rateLimiters';
import { handleChatRequests } from './chatSocket';
import { holdCredentials } from './credentialRooms';
import { identityOf } from './identity';
import { enterLobby, leaveLobby } from './lobby';
import { handleMediaRequests } from './mediaRequests';
import { assertAdmitted, participantId, registerParticipant } from './moderators';
import { handleRecruitmentRequests } from './recruitmentSocket';
import type { RequestRoutes } from './requests';
import { RosterRelay } from './rosterRelay';
import { joinedOf, type IoServer, type IoSocket, type Joined } from './socketState';
import { handleStageInvites } from './stageInvites';
import { handleWatchRequests } from './watchRequests';

export const stageChannel = (sessionId: string): string => `stage:${sessionId}`;
export const hostChannel = (sessionId: string): string => `stage-host:${sessionId}`;
/** The sockets of one anonymous author (a device family) in one session: to tell them of their own questions and votes. */
export const authorChannel = (sessionId: string, authorId: string): string => `author:${sessionId}:${authorId}`;

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

/** What the stage's socket handlers work with: one of each per server. */
export interface StageSocketOptions {
  io: IoServer;
  directory: StageDirectory;
  tokens: StageTokens;
  invites: Invites;
  logger: Logger;
  service: RecruitmentService;
  access: Tokens;
  limiters: RateLimiters;
  /** The session's HLS playlist URL once it can be played, if the server makes HLS. */
  hlsUrl?: (sessionId: string) => string | null;
}

/** A credentialed role's link, checked on every join and every resume; its id when it has a record. */
async function credentialFor(input: StageJoinInput, tokens: StageTokens): Promise<{ jti: string | undefined } | undefined> {
  if (!requiresCredential(input.role)) return undefined;
  if (!input.token) throw new DomainError('UNAUTHORIZED', 'this role needs an invite link');
  const { claims, jti } = await tokens.inspect(input.token);
  if (claims.sid !== input.sessionId || claims.role !== input.role) {
    throw new DomainError('FORBIDDEN', 'this link is for another session or role');
  }
  return { jti };
}

/** Who holds a single-use link: this phone's device token when it has one, else this connection. */
async function holder(socket: IoSocket, access: Tokens): Promise<string> {
  const device = (socket.handshake.auth as { device?: unknown }).device;
  const claims = typeof device === 'string' ? await access.verify('device', device).catch(() => undefined) : undefined;
  return claims ? `device:${claims.sub}` : `connection:${socket.id}`;
}

async function stageFor(socket: IoSocket, input: StageJoinInput, { directory, service }: StageSocketOptions): Promise<LiveStage> {
  // An open stage is a session that has not ended (ending it closes the stage). Without one, a
  // session the host ended stays ended: nobody reopens it, and viewers are told so rather than
  // waiting for it. Only a session the bureau registered ever gets a stage.
  const open = directory.get(input.sessionId);
  if (open) return open;
  // Whoever is told "not live yet" waits in the lobby and hears when it goes live: no polling.
  await enterLobby(socket, input.sessionId);
  const status = await service.sessionStatus(input.sessionId);
  if (status === undefined) throw new DomainError('NOT_FOUND', 'there is no such session');
  if (status === 'ended') throw new DomainError('SESSION_ENDED', 'this session has ended');
  if (input.role === 'host') return directory.open(input.sessionId);
  return directory.get(input.sessionId) ?? Promise.reject(new DomainError('SESSION_NOT_LIVE', 'this session is not live yet'));
}

/**
 * The stage requests of every client, registered once per server in `routes`. Returns what each new
 * connection is given: its routing and the listener of its end, both shared by every socket (a
 * connection's own state is its `socket.data`).
 */
export function handleStageSockets(routes: RequestRoutes, options: StageSocketOptions): (socket: IoSocket) => void {
  const { io, tokens, invites, logger, service, access, limiters, hlsUrl = () => null } = options;

  routes.on('stage:join', async (socket, input) => {
    const previous = socket.data.joined;
    if (previous && !previous.stage.closed && !previous.peer.closed) throw new DomainError('CONFLICT', 'already joined');
    const credential = await credentialFor(input, tokens);
    const stage = await stageFor(socket, input, options).catch(async (error: unknown) => {
      if (!(error instanceof DomainError && error.code === 'SESSION_NOT_LIVE')) await leaveLobby(socket);
      throw error;
    });
    await leaveLobby(socket);
    await assertAdmitted(socket, stage, input.role, access);
    const resumed = input.resume ? stage.resume(input.resume.peerId, input.resume.key, socket.id, input.role) : undefined;
    // A single-use link is bound to the first person in; their own resume is them again.
    if (!resumed && credential?.jti) await invites.use(credential.jti, await holder(socket, access));
    const seat = resumed ?? (await stage.join({ role: input.role, displayName: input.displayName ?? '', connection: socket.id }));
    const peer = seat.place;
    const joined: Joined = { stage, peer };
    socket.data.joined = joined;
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
    logger[peer.role === 'viewer' ? 'debug' : 'info']({ socket: socket.id, sessionId: stage.sessionId, role: peer.role, peerId: peer.id, resumed: Boolean(resumed) }, 'joined stage');
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
  });

  routes.on('caption:send', (socket, { text }) => {
    const { stage, peer } = joinedOf(socket);
    if (!mayCaption(peer.role)) throw new DomainError('FORBIDDEN', 'only the captioner sends captions');
    const caption = stage.addCaption(text);
    io.to(stageChannel(stage.sessionId)).emit('caption', caption);
    return { seq: caption.seq };
  });

  routes.on('caption:history', (socket) => ({ captions: joinedOf(socket).stage.captions(50) }));

  routes.on('program:spotlight', (socket, { peerId, followSpeaker }) => {
    const { stage, peer } = joinedOf(socket);
    stage.setSpotlight(peer.id, { peerId, followSpeaker });
    return {};
  });

  routes.on('stage:leave', async (socket) => {
    const { stage, peer } = joinedOf(socket);
    socket.data.joined = undefined;
    stage.leave(peer.id);
    const authorId = (await identityOf(socket, access)).authorIdIn(stage.sessionId);
    for (const channel of [stageChannel(stage.sessionId), hostChannel(stage.sessionId), authorChannel(stage.sessionId, authorId)]) {
      await socket.leave(channel);
    }
    return {};
  });

  routes.on('stage:end', (socket) => {
    const { stage, peer } = joinedOf(socket);
    stage.end(peer.id);
    return {};
  });

  routes.on('stage:promote', (socket, { peerId }) => {
    const { stage, peer } = joinedOf(socket);
    stage.promote(peer.id, peerId);
    return {};
  });

  routes.on('stage:remove', (socket, { peerId }) => {
    const { stage, peer } = joinedOf(socket);
    stage.removeFromStage(peer.id, peerId);
    return {};
  });

  // Raising checks for a ban first and lowering does not, so without a queue a quick raise-then-lower
  // could be applied lower-then-raise and leave the hand up.
  // Made on the first raise: most viewers never raise a hand, and an idle viewer should cost little.
  routes.on('hand:raise', (socket, { raised }) => (socket.data.hands ??= new KeyedQueue()).run('hand', async () => {
    const joined = joinedOf(socket);
    // A hand needs a device token like chat and questions: without one the identity is this
    // connection only, which a ban on the device family could never reach.
    if (raised) await participantId(socket, joinedOf(socket), access, { moderator: false });
    await spend(limiters.hand, joined.peer.id, (seconds) => `too many hand raises; wait ${seconds} seconds`);
    joined.stage.raiseHand(joined.peer.id, raised);
    return {};
  }));

  handleStageInvites(routes, { invites });
  handleMediaRequests(routes);
  handleWatchRequests(routes);
  handleRecruitmentRequests(routes, { service, tokens: access });
  handleChatRequests(routes, { io, tokens: access, logger, limiters });

  // One listener for every socket: EventEmitter calls it with the socket as `this`.
  function onDisconnect(this: IoSocket, reason: DisconnectReason): void {
    const joined = this.data.joined;
    if (!joined) return;
    this.data.joined = undefined;
    try {
      // The server closes a connection when its credential was withdrawn: no grace period to come back.
      if (reason === 'server namespace disconnect') {
        logger.info({ socket: this.id, peerId: joined.peer.id }, 'credential withdrawn; the place is let go');
        joined.stage.release(joined.peer.id, this.id);
        return;
      }
      logger.info({ socket: this.id, reason, peerId: joined.peer.id }, 'connection dropped; keeping the place for the grace period');
      joined.stage.detach(joined.peer.id, this.id);
    } catch (error) {
      logger.error({ err: error, socket: this.id, event: 'disconnect' }, 'listener failed unexpectedly');
    }
  }

  return (socket) => {
    routes.attach(socket);
    socket.on('disconnect', onDisconnect);
  };
}
