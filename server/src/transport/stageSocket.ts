import type { Server, Socket } from 'socket.io';
import type { types } from 'mediasoup';
import type { ClientToServerEvents, ServerToClientEvents } from '@chunfeng/shared/events';
import type { ConsumerId, ProducerId } from '@chunfeng/shared/ids';
import type { StageJoinInput } from '@chunfeng/shared/stage';
import type { RtpParameters } from '@chunfeng/shared/webrtc';
import type { StageTokens } from '../auth/tokens';
import { DomainError } from '../domain/errors';
import { assertMayProduce, assertSourceMatchesKind, requiresCredential } from '../domain/stagePolicy';
import type { Logger } from '../logger';
import type { MediaPeer } from '../media/mediaPeer';
import type { StageDirectory } from '../media/stageDirectory';
import type { StageRoom } from '../media/stageRoom';
import { onRequest } from './requests';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents>;
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export const stageChannel = (sessionId: string): string => `stage:${sessionId}`;

/** Relays a room's events to everyone joined to its channel. Called once per room. */
export function broadcastRoom(io: IoServer, room: StageRoom): void {
  const channel = stageChannel(room.sessionId);
  room.on('producerAdded', (info) => io.to(channel).emit('producer:added', info));
  room.on('producerClosed', (event) => io.to(channel).emit('producer:closed', event));
  room.once('close', (reason) => io.to(channel).emit('stage:ended', { reason }));
}

/** The stage requests of one connected client. */
export function handleStageSocket(socket: IoSocket, { directory, tokens, logger }: {
  directory: StageDirectory;
  tokens: StageTokens;
  logger: Logger;
}): void {
  let joined: { room: StageRoom; peer: MediaPeer } | undefined;
  const log = logger.child({ socket: socket.id });

  const current = (): { room: StageRoom; peer: MediaPeer } => {
    if (!joined || joined.room.closed) throw new DomainError('NOT_JOINED', 'join the session first');
    return joined;
  };

  async function join(input: StageJoinInput): Promise<StageRoom> {
    if (requiresCredential(input.role)) {
      if (!input.token) throw new DomainError('UNAUTHORIZED', 'this role needs an invite link');
      const claims = await tokens.verify(input.token);
      if (claims.sid !== input.sessionId || claims.role !== input.role) {
        throw new DomainError('FORBIDDEN', 'this link is for another session or role');
      }
    }
    if (input.role === 'host') return directory.open(input.sessionId);
    const room = directory.get(input.sessionId);
    if (!room) throw new DomainError('SESSION_NOT_LIVE', 'this session is not live yet');
    return room;
  }

  onRequest(socket, 'stage:join', async (input) => {
    if (joined && !joined.room.closed) throw new DomainError('CONFLICT', 'already joined');
    const room = await join(input);
    const peer = room.addPeer(input.role);
    joined = { room, peer };
    await socket.join(stageChannel(room.sessionId));
    log.info({ sessionId: room.sessionId, role: input.role, peerId: peer.id }, 'joined stage');
    return {
      peerId: peer.id,
      role: peer.role,
      routerRtpCapabilities: room.rtpCapabilities,
      producers: room.producers(),
    };
  }, log);

  onRequest(socket, 'transport:create', async ({ direction }) => {
    const { peer } = current();
    if (direction === 'send') assertMayProduce(peer.role);
    return peer.createTransport(direction);
  }, log);

  onRequest(socket, 'transport:connect', async ({ transportId, dtlsParameters }) => {
    await current().peer.connectTransport(transportId, dtlsParameters as types.DtlsParameters);
    return {};
  }, log);

  onRequest(socket, 'producer:create', async ({ transportId, kind, rtpParameters, source }) => {
    const { room, peer } = current();
    assertMayProduce(peer.role);
    assertSourceMatchesKind(source, kind);
    const producer = await peer.produce({
      transportId,
      kind,
      rtpParameters: rtpParameters as types.RtpParameters,
      source,
    });
    room.announce(producer);
    return { producerId: producer.id as ProducerId };
  }, log);

  onRequest(socket, 'consumer:create', async ({ transportId, producerId, rtpCapabilities }) => {
    const { room, peer } = current();
    const consumer = await peer.consume({
      transportId,
      producerId,
      rtpCapabilities: rtpCapabilities as types.RtpCapabilities,
    });
    room.track(consumer);
    const info = room.producers().find((p) => p.producerId === producerId);
    if (!info) {
      consumer.close();
      throw new DomainError('NOT_FOUND', 'that stream has ended');
    }
    return {
      id: consumer.id as ConsumerId,
      producerId,
      peerId: info.peerId,
      kind: consumer.kind,
      source: info.source,
      rtpParameters: consumer.rtpParameters as RtpParameters,
    };
  }, log);

  onRequest(socket, 'consumer:resume', async ({ consumerId }) => {
    const consumer = current().peer.consumer(consumerId);
    await consumer.resume();
    if (consumer.kind === 'video') await consumer.requestKeyFrame();
    return {};
  }, log);

  socket.on('disconnect', (reason) => {
    if (!joined) return;
    log.info({ reason, peerId: joined.peer.id }, 'left stage');
    joined.room.removePeer(joined.peer.id);
    joined = undefined;
  });
}
