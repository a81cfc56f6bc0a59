import type { types } from 'mediasoup';
import type { ConsumerId, ProducerId } from '@chunfeng/shared/ids';
import type { RtpParameters } from '@chunfeng/shared/webrtc';
import { DomainError } from '../domain/errors';
import { assertMayProduce, assertSourceMatchesKind } from '../domain/stagePolicy';
import type { Logger } from '../logger';
import { onRequest } from './requests';
import type { IoSocket, Joined } from './stageSocket';

/** WebRTC transport, producer and consumer requests of one joined client. */
export function handleMediaRequests(socket: IoSocket, current: () => Joined, log: Logger): void {
  onRequest(socket, 'transport:create', ({ direction }) => {
    const { peer } = current();
    if (direction === 'send') assertMayProduce(peer.role);
    return peer.createTransport(direction);
  }, log);

  onRequest(socket, 'transport:connect', async ({ transportId, dtlsParameters }) => {
    await current().peer.connectTransport(transportId, dtlsParameters as types.DtlsParameters);
    return {};
  }, log);

  onRequest(socket, 'transport:restartIce', async ({ transportId }) => {
    return { iceParameters: await current().peer.restartIce(transportId) };
  }, log);

  onRequest(socket, 'transport:close', ({ transportId }) => {
    current().peer.closeTransport(transportId);
    return {};
  }, log);

  onRequest(socket, 'producer:create', async ({ transportId, kind, rtpParameters, source }) => {
    const { stage, peer } = current();
    assertMayProduce(peer.role);
    assertSourceMatchesKind(source, kind);
    const producer = await peer.produce({ transportId, kind, rtpParameters: rtpParameters as types.RtpParameters, source });
    await stage.room.announce(producer, peer.slot);
    return { producerId: producer.id as ProducerId };
  }, log);

  onRequest(socket, 'producer:pause', async ({ producerId }) => {
    await current().peer.producer(producerId).pause();
    return {};
  }, log);

  onRequest(socket, 'producer:resume', async ({ producerId }) => {
    const { peer } = current();
    assertMayProduce(peer.role);
    await peer.producer(producerId).resume();
    return {};
  }, log);

  onRequest(socket, 'producer:close', ({ producerId }) => {
    current().peer.producer(producerId).close();
    return {};
  }, log);

  onRequest(socket, 'consumer:create', async ({ transportId, producerId, rtpCapabilities }) => {
    const { stage, peer } = current();
    const info = stage.room.producers().find((p) => p.producerId === producerId);
    if (!info) throw new DomainError('NOT_FOUND', 'that stream has ended');
    const consumer = await peer.consume({ transportId, producerId, rtpCapabilities: rtpCapabilities as types.RtpCapabilities });
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
    await current().peer.resumeConsumer(consumerId);
    return {};
  }, log);

  onRequest(socket, 'viewer:preferences', async (preferences) => {
    await current().peer.setPreferences(preferences);
    return {};
  }, log);
}
