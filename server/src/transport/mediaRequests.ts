import type { types } from 'mediasoup';
import type { ConsumerId, ProducerId } from '@chunfeng/shared/ids';
import type { RtpParameters } from '@chunfeng/shared/webrtc';
import { DomainError } from '../domain/errors';
import { assertMayProduce, assertSourceMatchesKind } from '../domain/stagePolicy';
import type { MediaPeer } from '../media/mediaPeer';
import type { RequestRoutes } from './requests';
import { joinedOf, type Joined } from './socketState';

/** The place's media: only a place on WebRTC (on stage, or a viewer who switched) has any. */
function mediaOf(joined: Joined): MediaPeer {
  const media = joined.peer.media;
  if (!media || media.closed) throw new DomainError('CONFLICT', 'not watching over WebRTC: switch with stage:watch first');
  return media;
}

/** WebRTC transport, producer and consumer requests of every joined client. */
export function handleMediaRequests(routes: RequestRoutes): void {
  routes.on('transport:create', async (socket, { direction }) => {
    const joined = joinedOf(socket);
    const { stage, peer } = joined;
    if (direction === 'send') assertMayProduce(peer.role);
    else stage.assertSeatNotLapsed(peer.id);
    const media = mediaOf(joined);
    if (direction === 'send') return media.createTransport(direction);
    // The seat is taken here (the one reserved by stage:watch), whatever the client made of the
    // join reply's hint; it stays taken until the viewer leaves or switches to HLS.
    stage.takeSeat(peer.id);
    return media.createTransport(direction);
  });

  routes.on('transport:connect', async (socket, { transportId, dtlsParameters }) => {
    await mediaOf(joinedOf(socket)).connectTransport(transportId, dtlsParameters as types.DtlsParameters);
    return {};
  });

  routes.on('transport:restartIce', async (socket, { transportId }) => {
    return { iceParameters: await mediaOf(joinedOf(socket)).restartIce(transportId) };
  });

  routes.on('transport:close', (socket, { transportId }) => {
    mediaOf(joinedOf(socket)).closeTransport(transportId);
    return {};
  });

  routes.on('producer:create', async (socket, { transportId, kind, rtpParameters, source }) => {
    const joined = joinedOf(socket);
    const { stage, peer } = joined;
    assertMayProduce(peer.role);
    assertSourceMatchesKind(source, kind);
    const media = mediaOf(joined);
    const producer = await media.produce({ transportId, kind, rtpParameters: rtpParameters as types.RtpParameters, source });
    await stage.room.announce(producer, media.slot);
    return { producerId: producer.id as ProducerId };
  });

  routes.on('producer:pause', async (socket, { producerId }) => {
    await mediaOf(joinedOf(socket)).producer(producerId).pause();
    return {};
  });

  routes.on('producer:resume', async (socket, { producerId }) => {
    const joined = joinedOf(socket);
    assertMayProduce(joined.peer.role);
    await mediaOf(joined).producer(producerId).resume();
    return {};
  });

  routes.on('producer:close', (socket, { producerId }) => {
    mediaOf(joinedOf(socket)).producer(producerId).close();
    return {};
  });

  routes.on('consumer:create', async (socket, { transportId, producerId, rtpCapabilities }) => {
    const joined = joinedOf(socket);
    const { stage, peer } = joined;
    const media = mediaOf(joined);
    stage.assertSeated(peer.id);
    const info = stage.room.producers().find((p) => p.producerId === producerId);
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
    await mediaOf(joinedOf(socket)).resumeConsumer(consumerId);
    return {};
  });

  routes.on('viewer:preferences', async (socket, preferences) => {
    // An HLS viewer's quality and audio-only choice is the player's: nothing to tell the SFU.
    if (socket.data.remote) return {};
    const media = joinedOf(socket).peer.media;
    if (media && !media.closed) await media.setPreferences(preferences);
    return {};
  });
}
