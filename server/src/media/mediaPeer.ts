import type { types } from 'mediasoup';
import type { ConsumerId, PeerId, ProducerId, TransportId } from '@chunfeng/shared/ids';
import type { MediaSource, StageRole } from '@chunfeng/shared/stage';
import type { TransportOptions } from '@chunfeng/shared/webrtc';
import { DomainError } from '../domain/errors';

export interface ProducerAppData extends types.AppData {
  peerId: PeerId;
  source: MediaSource;
}

/**
 * One participant's media objects on a router: transports, and the producers and consumers on them.
 * Closing a transport closes what runs on it; mediasoup tells us, and we forget it.
 */
export class MediaPeer {
  readonly id: PeerId;
  readonly role: StageRole;
  readonly #router: types.Router;
  readonly #webRtcServer: types.WebRtcServer;
  readonly #transports = new Map<string, types.WebRtcTransport>();
  readonly #producers = new Map<string, types.Producer<ProducerAppData>>();
  readonly #consumers = new Map<string, types.Consumer>();
  #closed = false;

  constructor({ id, role, router, webRtcServer }: {
    id: PeerId;
    role: StageRole;
    router: types.Router;
    webRtcServer: types.WebRtcServer;
  }) {
    this.id = id;
    this.role = role;
    this.#router = router;
    this.#webRtcServer = webRtcServer;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get producers(): ReadonlyMap<string, types.Producer<ProducerAppData>> {
    return this.#producers;
  }

  get consumerCount(): number {
    return this.#consumers.size;
  }

  async createTransport(direction: 'send' | 'recv'): Promise<TransportOptions> {
    this.#assertOpen();
    const transport = await this.#router.createWebRtcTransport({
      webRtcServer: this.#webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 800_000,
      appData: { direction, peerId: this.id },
    });
    this.#transports.set(transport.id, transport);
    transport.observer.once('close', () => this.#transports.delete(transport.id));
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async connectTransport(transportId: TransportId, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.#transport(transportId).connect({ dtlsParameters });
  }

  async produce({ transportId, kind, rtpParameters, source }: {
    transportId: TransportId;
    kind: types.MediaKind;
    rtpParameters: types.RtpParameters;
    source: MediaSource;
  }): Promise<types.Producer<ProducerAppData>> {
    const transport = this.#transport(transportId);
    for (const existing of this.#producers.values()) {
      if (existing.appData.source === source) throw new DomainError('CONFLICT', `already publishing ${source}`);
    }
    let producer: types.Producer<ProducerAppData>;
    try {
      producer = await transport.produce<ProducerAppData>({
        kind,
        rtpParameters,
        appData: { peerId: this.id, source },
      });
    } catch (error) {
      throw new DomainError('MEDIA', `cannot publish: ${(error as Error).message}`);
    }
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
    return producer;
  }

  async consume({ transportId, producerId, rtpCapabilities }: {
    transportId: TransportId;
    producerId: ProducerId;
    rtpCapabilities: types.RtpCapabilities;
  }): Promise<types.Consumer> {
    const transport = this.#transport(transportId);
    if (!this.#router.canConsume({ producerId, rtpCapabilities })) {
      throw new DomainError('MEDIA', 'this device cannot decode that stream');
    }
    let consumer: types.Consumer;
    try {
      // Paused until the client has set up its track, so its first frame is a keyframe.
      consumer = await transport.consume({ producerId, rtpCapabilities, paused: true });
    } catch (error) {
      throw new DomainError('NOT_FOUND', `cannot watch that stream: ${(error as Error).message}`);
    }
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
    return consumer;
  }

  consumer(consumerId: ConsumerId): types.Consumer {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) throw new DomainError('NOT_FOUND', 'no such consumer');
    return consumer;
  }

  #transport(transportId: TransportId): types.WebRtcTransport {
    this.#assertOpen();
    const transport = this.#transports.get(transportId);
    if (!transport) throw new DomainError('NOT_FOUND', 'no such transport');
    return transport;
  }

  #assertOpen(): void {
    if (this.#closed) throw new DomainError('NOT_JOINED', 'not on this stage any more');
  }

  /** Closes every transport, and with them every producer and consumer of this peer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of this.#transports.values()) transport.close();
  }
}
