import type { types } from 'mediasoup';
import type { ConsumerId, ProducerId } from '@chunfeng/shared/ids';
import type { RtpParameters } from '@chunfeng/shared/webrtc';
import { DomainError } from '../domain/errors';
import { assertMayProduce, assertSourceMatchesKind } from '../domain/stagePolicy';
import type { Logger } from '../logger';
import type { MediaPeer } from '../media/mediaPeer';
import { onRequest } from './requests';
import type { IoSocket, Joined } from './stageSocket';

/** The place's media: only a place on WebRTC (on stage, or a viewer who switched) has any. */
function mediaOf(joined: Joined): MediaPeer {
  const media = joined.peer.media;
  if (!media || media.closed) throw new DomainError('CONFLICT', 'not watching over WebRTC: switch with stage:watch first');
  return media;
}

/** WebRTC transport, producer and consumer requests of one joined client. */
export function handleMediaRequests(socket: IoSocket, current: () => Joined, log: Logger): void {
  onRequest(socket, 'transport:create', async ({ direction }) => {
    const joined = current();
    const { stage, peer } = joined;
    if (direction === 'send') assertMayProduce(peer.role);
    const media = mediaOf(joined);
    if (direction === 'send') return media.createTransport(direction);
    // The seat is taken here (the one reserved by stage:watch), whatever the client made of the
    // join reply's hint; it stays taken until the viewer leaves or switches to HLS.
    stage.takeSeat(peer.id);
    return media.createTransport(direction);
  }, log);

  onRequest(socket, 'transport:connect', async ({ transportId, dtlsParameters }) => {
    await mediaOf(current()).connectTransport(transportId, dtlsParameters as types.DtlsParameters);
    return {};
  }, log);

  onRequest(socket, 'transport:restartIce', async ({ transportId }) => {
    return { iceParameters: await mediaOf(current()).restartIce(transportId) };
  }, log);

  onRequest(socket, 'transport:close', ({ transportId }) => {
    mediaOf(current()).closeTransport(transportId);
    return {};
  }, log);

  onRequest(socket, 'producer:create', async ({ transportId, kind, rtpParameters, source }) => {
    const joined = current();
    const { stage, peer } = joined;
    assertMayProduce(peer.role);
    assertSourceMatchesKind(source, kind);
    const media = mediaOf(joined);
    const producer = await media.produce({ transportId, kind, rtpParameters: rtpParameters as types.RtpParameters, source });
    await stage.room.announce(producer, media.slot);
    return { producerId: producer.id as ProducerId };
  }, log);

  onRequest(socket, 'producer:pause', async ({ producerId }) => {
    await mediaOf(current()).producer(producerId).pause();
    return {};
  }, log);

  onRequest(socket, 'producer:resume', async ({ producerId }) => {
    const joined = current();
    assertMayProduce(joined.peer.role);
    await mediaOf(joined).producer(producerId).resume();
    return {};
  }, log);

  onRequest(socket, 'producer:close', ({ producerId }) => {
    mediaOf(current()).producer(producerId).close();
    return {};
  }, log);

  onRequest(socket, 'consumer:create', async ({ transportId, producerId, rtpCapabilities }) => {
    const joined = current();
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
  }, log);

  onRequest(socket, 'consumer:resume', async ({ consumerId }) => {
    await mediaOf(current()).resumeConsumer(consumerId);
    return {};
  }, log);

  onRequest(socket, 'viewer:preferences', async (preferences) => {
    // An HLS viewer's quality and audio-only choice is the player's: nothing to tell the SFU.
    const media = current().peer.media;
    if (media && !media.closed) await media.setPreferences(preferences);
    return {};
  }, log);
}
