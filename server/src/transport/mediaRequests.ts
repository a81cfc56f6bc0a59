import type { types } from 'mediasoup';
import type { ConsumerId, ProducerId } from '@chunfeng/shared/ids';
import type { ProducerInfo } from '@chunfeng/shared/stage';
import type { RtpParameters } from '@chunfeng/shared/webrtc';
import type { MediaRelays } from '../cluster/mediaRelays';
import { DomainError } from '../domain/errors';
import { assertMayProduce, assertSourceMatchesKind } from '../domain/stagePolicy';
import type { MediaPeer } from '../media/mediaPeer';
import type { RequestRoutes } from './requests';
import { joinedOf, type IoSocket } from './socketState';

/**
 * The place's media: only a place on WebRTC (on stage, or a viewer who switched) has any. A viewer
 * watching another node's stage through this one has it on this node's relay of that stage.
 */
function mediaOf(socket: IoSocket, relays: MediaRelays | undefined): MediaPeer {
  const media = socket.data.remote ? relays?.mediaOf(socket) : joinedOf(socket).peer.media;
  if (!media || media.closed) throw new DomainError('CONFLICT', 'not watching over WebRTC: switch with stage:watch first');
  return media;
}

/** WebRTC transport, producer and consumer requests of every joined client. */
export function handleMediaRequests(routes: RequestRoutes, relays?: MediaRelays): void {
  routes.on('transport:create', async (socket, { direction }) => {
    // Through a relay: a viewer only receives, and its seat was taken on the stage's node as it switched.
    const remote = socket.data.remote;
    if (remote) {
      // Brought on stage while watching through this node: people on stage publish to the node
      // holding the stage; the page connects there and takes its place back (its role is there).
      if (direction === 'send') throw new DomainError('STAGE_ELSEWHERE', 'people on stage publish to the node holding the stage', { node: remote.owner });
      if (relays?.lapsed(socket)) throw new DomainError('SEATS_FULL', 'the seat kept for you lapsed; watch over HLS or switch again');
      return mediaOf(socket, relays).createTransport('recv');
    }
    const joined = joinedOf(socket);
    const { stage, peer } = joined;
    if (direction === 'send') assertMayProduce(peer.role);
    else stage.assertSeatNotLapsed(peer.id);
    const media = mediaOf(socket, relays);
    if (direction === 'send') return media.createTransport(direction);
    // The seat is taken here (the one reserved by stage:watch), whatever the client made of the
    // join reply's hint; it stays taken until the viewer leaves or switches to HLS.
    stage.takeSeat(peer.id);
    return media.createTransport(direction);
  });

  routes.on('transport:connect', async (socket, { transportId, dtlsParameters }) => {
    await mediaOf(socket, relays).connectTransport(transportId, dtlsParameters as types.DtlsParameters);
    return {};
  });

  routes.on('transport:restartIce', async (socket, { transportId }) => {
    return { iceParameters: await mediaOf(socket, relays).restartIce(transportId) };
  });

  routes.on('transport:close', (socket, { transportId }) => {
    mediaOf(socket, relays).closeTransport(transportId);
    return {};
  });

  routes.on('producer:create', async (socket, { transportId, kind, rtpParameters, source }) => {
    const joined = joinedOf(socket);
    const { stage, peer } = joined;
    assertMayProduce(peer.role);
    assertSourceMatchesKind(source, kind);
    const media = mediaOf(socket, relays);
    const producer = await media.produce({ transportId, kind, rtpParameters: rtpParameters as types.RtpParameters, source });
    await stage.room.announce(producer, media.slot);
    return { producerId: producer.id as ProducerId };
  });

  routes.on('producer:pause', async (socket, { producerId }) => {
    await mediaOf(socket, relays).producer(producerId).pause();
    return {};
  });

  routes.on('producer:resume', async (socket, { producerId }) => {
    const joined = joinedOf(socket);
    assertMayProduce(joined.peer.role);
    await mediaOf(socket, relays).producer(producerId).resume();
    return {};
  });

  routes.on('producer:close', (socket, { producerId }) => {
    mediaOf(socket, relays).producer(producerId).close();
    return {};
  });

  routes.on('consumer:create', async (socket, { transportId, producerId, rtpCapabilities }) => {
    let info: ProducerInfo | undefined;
    // Only a socket with media here may wait for a producer on its way.
    if (socket.data.remote) info = await (mediaOf(socket, relays) && relays?.producerFor(socket, producerId));
    else {
      const { stage, peer } = joinedOf(socket);
      stage.assertSeated(peer.id);
      info = stage.room.producers().find((p) => p.producerId === producerId);
    }
    const media = mediaOf(socket, relays);
    if (!info) throw new DomainError('NOT_FOUND', 'that stream has ended');
    const consumer = await media.consume({ transportId, producerId, rtpCapabilities: rtpCapabilities as types.RtpCapabilities });
    return {
      id: consumer.id as ConsumerId,
      producerId,
      peerId: info.peerId,
      kind: consumer.kind,
      source: info.source,
      rtpParameters: consumer.rtpParameters as RtpParameters,
    };
  });

  routes.on('consumer:resume', async (socket, { consumerId }) => {
    await mediaOf(socket, relays).resumeConsumer(consumerId);
    return {};
  });

  routes.on('viewer:preferences', async (socket, preferences) => {
    // An HLS viewer's quality and audio-only choice is the player's: nothing to tell the SFU.
    const media = socket.data.remote ? relays?.mediaOf(socket) : joinedOf(socket).peer.media;
    if (media && !media.closed) await media.setPreferences(preferences);
    return {};
  });
}
