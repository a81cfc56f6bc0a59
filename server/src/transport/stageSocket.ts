import type { DisconnectReason } from 'socket.io';
import type { SessionId } from '@chunfeng/shared/ids';
import type { StageJoinInput } from '@chunfeng/shared/stage';
import type { StageTokens, Tokens } from '../auth/tokens';
import { Coalescer } from '../domain/coalescer';
import { DomainError } from '../domain/errors';
import { KeyedQueue } from '../domain/keyedQueue';
import { spend } from '../domain/rateLimiter';
import { ViewerKey } from '../domain/statistics';
import { mayCaption, requiresCredential } from '../domain/stagePolicy';
import type { Logger } from '../logger';
import { LiveStage } from '../media/liveStage';
import type { StageDirectory } from '../media/stageDirectory';
import type { Captions } from '../services/captions';
import type { Invites } from '../services/invites';
import type { RecruitmentService } from '../services/recruitment';
import type { RateLimiters } from '../store/rateLimiters';
import { handleChatRequests } from './chatSocket';
import { holdCredentials } from './credentialRooms';
import { identityOf } from './identity';
import { enterLobby, leaveLobby } from './lobby';
import { handleMediaRequests } from './mediaRequests';
import { participantId, staffOf, takePlace } from './moderators';
import { handleRecruitmentRequests } from './recruitmentSocket';
import type { RequestRoutes } from './requests';
import { RosterRelay } from './rosterRelay';
import type { RemoteAudience } from './remoteAudience';
import { joinedOf, placeOf, type IoServer, type IoSocket, type Joined } from './socketState';
import type { StageActions } from './stageActions';
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
  // The host let go for a second host login hears it at once and leaves the stage's rooms: its
  // requests answer NOT_JOINED, and it joins again only when the person asks it to.
  stage.on('hostDisplaced', ({ connection }) => {
    io.to(connection).emit('stage:takenOver', { sessionId });
    io.in(connection).socketsLeave([channel, hostChannel(sessionId)]);
  });
  room.once('close', (reason) => {
    roster.close();
    hands.close();
    // A stage that moved to another node tells only its own people: the room holds the new stage's too.
    const to = reason === 'moved' ? stage.connections() : [channel];
    if (to.length === 0) return;
    io.to(to).emit('stage:ended', { reason });
    io.in(to).socketsLeave([channel, hostChannel(sessionId)]);
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
  /** Every caption line, stored as it is sent. */
  captions: Captions;
  /** The session's HLS playlist URL once it can be played, if the server makes HLS. */
  hlsUrl?: (sessionId: string) => string | null;
  /** Rejects with STAGE_ELSEWHERE when another node holds the session's stage (several nodes). */
  notElsewhere?: (sessionId: SessionId) => Promise<void>;
  /** Every stage action (chat, questions, hands, leaving), run here or where the stage is. */
  actions: StageActions;
  /** Several nodes: the running node holding the session's stage when it is another one. */
  ownerElsewhere?: (sessionId: SessionId) => Promise<{ node: string; boot: string } | undefined>;
  /** Several nodes: viewers of stages held by other nodes. */
  remote?: RemoteAudience;
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

async function stageFor(socket: IoSocket, input: StageJoinInput, { directory, service, notElsewhere, ownerElsewhere }: StageSocketOptions): Promise<LiveStage | { node: string; boot: string }> {
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
  // The crew goes to the one stage, wherever it is: never a second one here.
  if (requiresCredential(input.role)) await notElsewhere?.(input.sessionId);
  if (input.role === 'host') return directory.open(input.sessionId);
  // A viewer watches from whichever node they reached: the place is taken on the stage's node.
  const owner = input.role === 'viewer' ? await ownerElsewhere?.(input.sessionId) : undefined;
  if (owner) return owner;
  const here = directory.get(input.sessionId);
  if (here) return here;
  // Ended by its host since the status was read (the stage closes before the status is written): not
  // a lobby to wait in for ever.
  if ((await service.sessionStatus(input.sessionId)) === 'ended') throw new DomainError('SESSION_ENDED', 'this session has ended');
  throw new DomainError('SESSION_NOT_LIVE', 'this session is not live yet');
}

/**
 * The stage requests of every client, registered once per server in `routes`. Returns what each new
 * connection is given: its routing and the listener of its end, both shared by every socket (a
 * connection's own state is its `socket.data`).
 */
export function handleStageSockets(routes: RequestRoutes, options: StageSocketOptions): (socket: IoSocket) => void {
  const { io, tokens, invites, logger, service, access, limiters, captions, actions, remote, hlsUrl = () => null } = options;

  /**
   * A viewer in, for the unique-viewer statistics: by their device-token family's opaque id (a socket
   * without a token is not counted), once per socket and session. Issued tokens are rate-limited per
   * network, so the ids a script can add are too. Started beside the join, not awaited by it: a slow
   * store never delays a viewer, and one that fails is logged, never a refused join.
   */
  const countViewer = (socket: IoSocket, sessionId: string): void => {
    const count = async (): Promise<void> => {
      const viewer = ViewerKey.safeParse((await identityOf(socket, access)).viewerKey);
      if (!viewer.success) return;
      const counted = (socket.data.viewerCounted ??= new Set<string>());
      if (counted.has(sessionId)) return;
      counted.add(sessionId);
      await service.store.countViewer(sessionId, viewer.data);
    };
    count().catch((error: unknown) => logger.warn({ err: error, sessionId }, 'could not count a viewer'));
  };

  routes.on('stage:join', async (socket, input) => {
    const previous = socket.data.joined;
    if (socket.data.remote || (previous && !previous.stage.closed && !previous.peer.closed)) throw new DomainError('CONFLICT', 'already joined');
    const credential = await credentialFor(input, tokens);
    const notLive = async (error: unknown): Promise<never> => {
      if (!(error instanceof DomainError && error.code === 'SESSION_NOT_LIVE')) await leaveLobby(socket);
      throw error;
    };
    const where = await stageFor(socket, input, options).catch(notLive);
    if (!(where instanceof LiveStage)) {
      if (!remote) throw new DomainError('SESSION_NOT_LIVE', 'this session is not live yet');
      const reply = await remote.join(socket, input, where).catch(notLive);
      await leaveLobby(socket);
      if (input.role === 'viewer') countViewer(socket, input.sessionId);
      return reply;
    }
    const stage = where;
    await leaveLobby(socket);
    const identity = await identityOf(socket, access);
    const authorId = identity.authorIdIn(stage.sessionId);
    const { seat, resumed } = await takePlace(stage, {
      role: input.role,
      displayName: input.displayName,
      resume: input.resume,
      connection: socket.id,
      authorId,
      device: identity.device,
      staff: () => staffOf(socket, access),
      // A single-use link is bound to the first person in; their own resume is them again.
      beforeNew: async () => {
        if (credential?.jti) await invites.use(credential.jti, await holder(socket, access));
      },
    });
    const peer = seat.place;
    const joined: Joined = { stage, peer };
    socket.data.joined = joined;
    if (peer.role === 'viewer') countViewer(socket, stage.sessionId);
    await socket.join([stageChannel(stage.sessionId), authorChannel(stage.sessionId, authorId)]);
    if (peer.role === 'host') await socket.join(hostChannel(stage.sessionId));
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
    logger[peer.role === 'viewer' ? 'debug' : 'info']({ socket: socket.id, sessionId: stage.sessionId, role: peer.role, peerId: peer.id, resumed }, 'joined stage');
    // Read last: a pin made while this socket joined reaches it as an event or in here, never neither.
    const pins = await service.pinsNow(stage.sessionId);
    const common = {
      peerId: peer.id,
      role: peer.role,
      resumeKey: seat.resumeKey,
      resumed,
      roster: stage.rosterView(),
      hlsUrl: hlsUrl(stage.sessionId),
      interactive: peer.role !== 'viewer' || stage.interactive.has(peer.id) || stage.interactive.free,
      pins,
    };
    // A viewer on HLS is sent no router capabilities or producer list: a few bytes, not kilobytes.
    return peer.media
      ? { ...common, mode: 'webrtc' as const, routerRtpCapabilities: stage.room.rtpCapabilities, producers: stage.room.producers(), transports: peer.media.transportCount }
      : { ...common, mode: 'hls' as const };
  });

  // Stored before anyone hears it: the line outlives this node, and is numbered for the whole session.
  routes.on('caption:send', async (socket, { text }) => {
    const { stage, peer } = joinedOf(socket);
    if (!mayCaption(peer.role)) throw new DomainError('FORBIDDEN', 'only the captioner sends captions');
    const caption = await captions.add(stage.sessionId, text, (line) => io.to(stageChannel(stage.sessionId)).emit('caption', line));
    return { seq: caption.seq };
  });

  // From the store: a viewer watching through any node reads them here.
  routes.on('caption:history', async (socket) => ({ captions: await captions.recent(placeOf(socket).sessionId, 50) }));

  routes.on('program:spotlight', (socket, { peerId, followSpeaker }) => {
    const { stage, peer } = joinedOf(socket);
    stage.setSpotlight(peer.id, { peerId, followSpeaker });
    return {};
  });

  actions.define('stage:leave', ({ stage, peer, connection, authorId }) => {
    stage.leave(peer.id);
    // Through the adapter: the connection may be on another node.
    io.in(connection).socketsLeave([stageChannel(stage.sessionId), hostChannel(stage.sessionId), authorChannel(stage.sessionId, authorId)]);
    return {};
  });
  routes.on('stage:leave', async (socket, input) => {
    const left = await actions.dispatch(socket, 'stage:leave', input);
    socket.data.joined = undefined;
    remote?.left(socket);
    return left;
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
  actions.define('hand:raise', async (asker, { raised }) => {
    // A hand needs a device token like chat and questions: without one the identity is this
    // connection only, which a ban on the device family could never reach.
    if (raised) participantId(asker, { moderator: false });
    await spend(limiters.hand, asker.peer.id, (seconds) => `too many hand raises; wait ${seconds} seconds`);
    asker.stage.raiseHand(asker.peer.id, raised);
    return {};
  });
  // Made on the first raise: most viewers never raise a hand, and an idle viewer should cost little.
  routes.on('hand:raise', (socket, input) => (socket.data.hands ??= new KeyedQueue()).run('hand', () => actions.dispatch(socket, 'hand:raise', input)));

  handleStageInvites(routes, { invites });
  handleMediaRequests(routes, remote?.relays);
  handleWatchRequests(routes, { access, relays: remote?.relays, placement: remote?.placement });
  handleRecruitmentRequests(routes, actions, { service, tokens: access, answers: remote });
  handleChatRequests(actions, { io, logger, limiters });

  // One listener for every socket: EventEmitter calls it with the socket as `this`.
  function onDisconnect(this: IoSocket, reason: DisconnectReason): void {
    remote?.dropped(this);
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
