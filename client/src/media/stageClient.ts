import { Device, type types } from 'mediasoup-client';
import type { ConsumerId, PeerId, ProducerId, SessionId } from '@chunfeng/shared/ids';
import type { MediaSource, ProducerInfo, StageEndReason, StageRole } from '@chunfeng/shared/stage';
import type { RtpCapabilities, RtpParameters, TransportOptions } from '@chunfeng/shared/webrtc';
import { Emitter } from '../lib/emitter';
import type { Signalling } from '../signalling/signalling';

export interface RemoteTrack {
  consumerId: ConsumerId;
  producerId: ProducerId;
  peerId: PeerId;
  source: MediaSource;
  track: MediaStreamTrack;
}

export type StageClientEvents = {
  trackAdded: [RemoteTrack];
  trackRemoved: [{ producerId: ProducerId }];
  ended: [StageEndReason];
};

export interface InboundVideoStats {
  framesDecoded: number;
  bytesReceived: number;
}

/**
 * One person's place on a stage: joins, publishes local tracks (host and co-hosts) and consumes every
 * stage producer. Owns no UI and no socket: signalling is injected.
 */
export class StageClient extends Emitter<StageClientEvents> {
  readonly #signalling: Signalling;
  readonly #device = new Device();
  #peerId: PeerId | undefined;
  #sendTransport: types.Transport | undefined;
  #recvTransport: types.Transport | undefined;
  readonly #consumers = new Map<ProducerId, types.Consumer>();
  readonly #producers = new Map<MediaSource, types.Producer>();
  readonly #unsubscribe: Array<() => void> = [];
  #closed = false;

  constructor(signalling: Signalling) {
    super();
    this.#signalling = signalling;
  }

  get peerId(): PeerId | undefined {
    return this.#peerId;
  }

  async join({ sessionId, role, token }: { sessionId: SessionId; role: StageRole; token?: string }): Promise<void> {
    const socket = this.#signalling.socket;
    const onAdded = (info: ProducerInfo): void => void this.#consume(info);
    const onClosed = ({ producerId }: { producerId: ProducerId }): void => this.#dropConsumer(producerId);
    const onEnded = ({ reason }: { reason: StageEndReason }): void => {
      this.close();
      this.emit('ended', reason);
    };
    socket.on('producer:added', onAdded);
    socket.on('producer:closed', onClosed);
    socket.on('stage:ended', onEnded);
    this.#unsubscribe.push(
      () => socket.off('producer:added', onAdded),
      () => socket.off('producer:closed', onClosed),
      () => socket.off('stage:ended', onEnded),
    );

    const joined = await this.#signalling.request('stage:join', { sessionId, role, ...(token ? { token } : {}) });
    this.#peerId = joined.peerId;
    await this.#device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as types.RtpCapabilities });
    this.#recvTransport = await this.#createTransport('recv');
    if (role !== 'viewer') this.#sendTransport = await this.#createTransport('send');
    await Promise.all(joined.producers.map((p) => this.#consume(p)));
  }

  /** Publishes a local track; video from the camera goes out in three simulcast layers. */
  async publish(track: MediaStreamTrack, source: MediaSource): Promise<ProducerId> {
    if (!this.#sendTransport) throw new Error('this role cannot publish');
    const encodings =
      source === 'camera'
        ? [
            { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
            { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
            { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
          ]
        : undefined;
    const producer = await this.#sendTransport.produce({
      track,
      ...(encodings ? { encodings } : {}),
      appData: { source },
    });
    this.#producers.set(source, producer);
    return producer.id as ProducerId;
  }

  async #createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const options: TransportOptions = await this.#signalling.request('transport:create', { direction });
    const transportOptions = options as unknown as types.TransportOptions;
    const transport =
      direction === 'send'
        ? this.#device.createSendTransport(transportOptions)
        : this.#device.createRecvTransport(transportOptions);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.#signalling
        .request('transport:connect', { transportId: transport.id, dtlsParameters })
        .then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        this.#signalling
          .request('producer:create', {
            transportId: transport.id,
            kind,
            rtpParameters: rtpParameters as RtpParameters,
            source: appData['source'] as MediaSource,
          })
          .then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    return transport;
  }

  async #consume(info: ProducerInfo): Promise<void> {
    const transport = this.#recvTransport;
    if (!transport || this.#closed || info.peerId === this.#peerId || this.#consumers.has(info.producerId)) return;
    const options = await this.#signalling.request('consumer:create', {
      transportId: transport.id,
      producerId: info.producerId,
      rtpCapabilities: this.#device.recvRtpCapabilities as RtpCapabilities,
    });
    const consumer = await transport.consume({
      id: options.id,
      producerId: options.producerId,
      kind: options.kind,
      rtpParameters: options.rtpParameters as types.RtpParameters,
    });
    this.#consumers.set(info.producerId, consumer);
    await this.#signalling.request('consumer:resume', { consumerId: options.id });
    this.emit('trackAdded', {
      consumerId: options.id,
      producerId: options.producerId,
      peerId: options.peerId,
      source: options.source,
      track: consumer.track,
    });
  }

  #dropConsumer(producerId: ProducerId): void {
    const consumer = this.#consumers.get(producerId);
    if (!consumer) return;
    consumer.close();
    this.#consumers.delete(producerId);
    this.emit('trackRemoved', { producerId });
  }

  /** Totals over every inbound video stream: what tests and the diagnostics panel read. */
  async inboundVideoStats(): Promise<InboundVideoStats> {
    const totals: InboundVideoStats = { framesDecoded: 0, bytesReceived: 0 };
    for (const consumer of this.#consumers.values()) {
      if (consumer.kind !== 'video') continue;
      const report = await consumer.getStats();
      report.forEach((s: { type: string; framesDecoded?: number; bytesReceived?: number }) => {
        if (s.type !== 'inbound-rtp') return;
        totals.framesDecoded += s.framesDecoded ?? 0;
        totals.bytesReceived += s.bytesReceived ?? 0;
      });
    }
    return totals;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    this.#sendTransport?.close();
    this.#recvTransport?.close();
    this.#consumers.clear();
    this.#producers.clear();
  }
}
