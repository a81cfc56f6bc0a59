import type { types } from 'mediasoup';
import type { ConsumerId, PeerId, ProducerId, TransportId } from '@chunfeng/shared/ids';
import type { MediaSource, StageRole, ViewerPreferences } from '@chunfeng/shared/stage';
import type { TransportOptions } from '@chunfeng/shared/webrtc';
import { DomainError } from '../domain/errors';
import type { PooledWorker } from './workerPool';

export interface ProducerAppData extends types.AppData {
  peerId: PeerId;
  source: MediaSource;
}

/** A router of a room, the worker it runs on, and how many consumers it carries. */
export interface RouterSlot {
  readonly router: types.Router;
  readonly worker: PooledWorker;
  consumers: number;
  /** Viewers placed on this router, some of whom may not have started consuming yet. */
  viewers: number;
}

interface ConsumerState {
  consumer: types.Consumer;
  /** The client has its track ready; until then the consumer stays paused. */
  clientReady: boolean;
}

const LAYER: Record<ViewerPreferences['quality'], number> = { auto: 2, high: 2, low: 0 };

/**
 * One participant's media objects on a router: transports, and the producers and consumers on them.
 * Closing a transport closes what runs on it; mediasoup tells us, and we forget it.
 */
export class MediaPeer {
  readonly id: PeerId;
  readonly slot: RouterSlot;
  role: StageRole;
  readonly #transports = new Map<string, types.WebRtcTransport>();
  readonly #producers = new Map<string, types.Producer<ProducerAppData>>();
  readonly #consumers = new Map<string, ConsumerState>();
  #preferences: ViewerPreferences = { quality: 'auto', audioOnly: false };
  readonly #countedAsViewer: boolean;
  #closed = false;

  constructor({ id, role, slot }: { id: PeerId; role: StageRole; slot: RouterSlot }) {
    this.id = id;
    this.role = role;
    this.slot = slot;
    this.#countedAsViewer = role === 'viewer';
    if (this.#countedAsViewer) slot.viewers += 1;
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
    const transport = await this.slot.router.createWebRtcTransport({
      webRtcServer: this.slot.worker.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 800_000,
      appData: { direction, peerId: this.id },
    });
    if (this.#closed) {
      transport.close();
      this.#assertOpen();
    }
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
    try {
      await this.#transport(transportId).connect({ dtlsParameters });
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new DomainError('MEDIA', `cannot connect: ${(error as Error).message}`);
    }
  }

  async restartIce(transportId: TransportId): Promise<TransportOptions['iceParameters']> {
    return this.#transport(transportId).restartIce();
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
        // Many viewers joining at once each want a keyframe; ask the publisher at most once a second.
        keyFrameRequestDelay: kind === 'video' ? 1000 : 0,
        appData: { peerId: this.id, source },
      });
    } catch (error) {
      throw new DomainError('MEDIA', `cannot publish: ${(error as Error).message}`);
    }
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
    return producer;
  }

  producer(producerId: ProducerId): types.Producer<ProducerAppData> {
    const producer = this.#producers.get(producerId);
    if (!producer) throw new DomainError('NOT_FOUND', 'no such producer');
    return producer;
  }

  async consume({ transportId, producerId, rtpCapabilities }: {
    transportId: TransportId;
    producerId: ProducerId;
    rtpCapabilities: types.RtpCapabilities;
  }): Promise<types.Consumer> {
    const transport = this.#transport(transportId);
    if (!this.slot.router.canConsume({ producerId, rtpCapabilities })) {
      throw new DomainError('NOT_FOUND', 'that stream has ended or this device cannot decode it');
    }
    let consumer: types.Consumer;
    try {
      // Paused until the client has set up its track, so its first frame is a keyframe.
      consumer = await transport.consume({
        producerId,
        rtpCapabilities,
        paused: true,
        preferredLayers: { spatialLayer: LAYER[this.#preferences.quality] },
      });
    } catch (error) {
      throw new DomainError('NOT_FOUND', `cannot watch that stream: ${(error as Error).message}`);
    }
    this.#consumers.set(consumer.id, { consumer, clientReady: false });
    this.slot.consumers += 1;
    this.slot.worker.load += 1;
    consumer.observer.once('close', () => {
      this.#consumers.delete(consumer.id);
      this.slot.consumers -= 1;
      this.slot.worker.load -= 1;
    });
    return consumer;
  }

  /** The client is ready for media: resume, unless this is video and the viewer wants audio only. */
  async resumeConsumer(consumerId: ConsumerId): Promise<void> {
    const state = this.#consumers.get(consumerId);
    if (!state) throw new DomainError('NOT_FOUND', 'no such consumer');
    state.clientReady = true;
    if (!this.#wantsPaused(state.consumer)) await state.consumer.resume();
  }

  async setPreferences(preferences: ViewerPreferences): Promise<void> {
    this.#assertOpen();
    this.#preferences = preferences;
    await Promise.all(
      [...this.#consumers.values()].map(async ({ consumer, clientReady }) => {
        if (consumer.kind !== 'video' || consumer.closed) return;
        if (consumer.type === 'simulcast') {
          await consumer.setPreferredLayers({ spatialLayer: LAYER[preferences.quality] });
        }
        if (this.#wantsPaused(consumer)) await consumer.pause();
        else if (clientReady) await consumer.resume();
      }),
    );
  }

  #wantsPaused(consumer: types.Consumer): boolean {
    return consumer.kind === 'video' && this.#preferences.audioOnly;
  }

  /** Off the stage: every producer closes at once (everyone's consumers of them close too). */
  closeProducers(): void {
    for (const producer of [...this.#producers.values()]) producer.close();
    for (const transport of [...this.#transports.values()]) {
      if ((transport.appData as { direction?: string }).direction === 'send') transport.close();
    }
  }

  #transport(transportId: TransportId): types.WebRtcTransport {
    this.#assertOpen();
    const transport = this.#transports.get(transportId);
    if (!transport) throw new DomainError('NOT_FOUND', 'no such transport');
    return transport;
  }

  #assertOpen(): void {
    if (this.#closed) throw new DomainError('NOT_JOINED', 'not in this session any more');
  }

  /** Closes every transport, and with them every producer and consumer of this peer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#countedAsViewer) this.slot.viewers -= 1;
    for (const transport of [...this.#transports.values()]) transport.close();
  }
}
