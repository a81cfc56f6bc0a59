import type { types } from 'mediasoup';
import type { ConsumerId, PeerId, ProducerId, TransportId } from '@chunfeng/shared/ids';
import type { MediaSource, ProducerInfo, StageRole, ViewerPreferences } from '@chunfeng/shared/stage';
import type { TransportOptions } from '@chunfeng/shared/webrtc';
import { DomainError } from '../domain/errors';
import type { PooledWorker } from './workerPool';

export interface ProducerAppData extends types.AppData {
  peerId: PeerId;
  source: MediaSource;
}

/** What everyone is told of a stage producer (the same on the origin and on a relay of it). */
export function describeProducer(producer: types.Producer<ProducerAppData>): ProducerInfo {
  return {
    producerId: producer.id as ProducerId,
    peerId: producer.appData.peerId,
    kind: producer.kind,
    source: producer.appData.source,
    paused: producer.paused,
  };
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

/** The simulcast layer a viewer's consumer prefers, by the quality it asked for. */
export const LAYER: Record<ViewerPreferences['quality'], number> = { auto: 2, high: 2, low: 0 };

/** Many viewers joining at once each want a keyframe; a video producer asks its publisher at most once a second. */
export const VIDEO_KEYFRAME_REQUEST_DELAY_MS = 1000;

/**
 * What one participant may hold on the SFU: a receive transport and, on stage, a send transport
 * (a client rebuilding one closes the old first); one consumer per stage producer; one producer
 * per source (camera, microphone, screen).
 */
export const PEER_LIMITS = { transports: 2, sendTransports: 1 } as const;

type Direction = 'send' | 'recv';

/**
 * One participant's media objects on a router: transports, and the producers and consumers on them.
 * Closing a transport closes what runs on it; mediasoup tells us, and we forget it.
 */
export class MediaPeer {
  readonly id: PeerId;
  #slot: RouterSlot;
  role: StageRole;
  readonly #transports = new Map<string, types.WebRtcTransport>();
  readonly #producers = new Map<string, types.Producer<ProducerAppData>>();
  readonly #consumers = new Map<string, ConsumerState>();
  /** Transports being created, counted against the caps before mediasoup answers. */
  readonly #creating: Record<Direction, number> = { send: 0, recv: 0 };
  /** Producers this peer consumes or is about to: one consumer per producer. */
  readonly #watching = new Set<string>();
  /** Sources being published or published. */
  readonly #publishing = new Set<MediaSource>();
  #preferences: ViewerPreferences = { quality: 'auto', audioOnly: false };
  readonly #countedAsViewer: boolean;
  #closed = false;

  constructor({ id, role, slot }: { id: PeerId; role: StageRole; slot: RouterSlot }) {
    this.id = id;
    this.role = role;
    this.#slot = slot;
    this.#countedAsViewer = role === 'viewer';
    if (this.#countedAsViewer) slot.viewers += 1;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The router this peer's transports are on (a new one after its worker died). */
  get slot(): RouterSlot {
    return this.#slot;
  }

  /**
   * Its router went with its worker: whatever ran there is gone (mediasoup closed it), and the place
   * moves to `slot`, where the client sets up its media again.
   */
  moveTo(slot: RouterSlot): void {
    if (this.#closed || slot === this.#slot) return;
    for (const transport of [...this.#transports.values()]) transport.close();
    if (this.#countedAsViewer) {
      this.#slot.viewers -= 1;
      slot.viewers += 1;
    }
    this.#slot = slot;
  }

  get producers(): ReadonlyMap<string, types.Producer<ProducerAppData>> {
    return this.#producers;
  }

  get consumerCount(): number {
    return this.#consumers.size;
  }

  get transportCount(): number {
    return this.#transports.size;
  }

  async createTransport(direction: Direction): Promise<TransportOptions> {
    this.#assertOpen();
    // Counted before the await: a thousand requests at once must not all pass the check.
    const held = (d: Direction): number => this.#creating[d] + [...this.#transports.values()].filter((t) => directionOf(t) === d).length;
    if (held('send') + held('recv') >= PEER_LIMITS.transports) {
      throw new DomainError('CONFLICT', `one connection holds at most ${PEER_LIMITS.transports} media transports; close one first`);
    }
    if (direction === 'send' && held('send') >= PEER_LIMITS.sendTransports) {
      throw new DomainError('CONFLICT', 'this connection already has a send transport; close it first');
    }
    this.#creating[direction] += 1;
    let transport: types.WebRtcTransport;
    try {
      transport = await this.#slot.router.createWebRtcTransport({
        webRtcServer: this.#slot.worker.webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        initialAvailableOutgoingBitrate: 800_000,
        appData: { direction, peerId: this.id },
      });
    } finally {
      this.#creating[direction] -= 1;
    }
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

  /** Closes one transport and whatever runs on it, freeing its place under the caps. */
  closeTransport(transportId: TransportId): void {
    this.#transport(transportId).close();
  }

  async produce({ transportId, kind, rtpParameters, source }: {
    transportId: TransportId;
    kind: types.MediaKind;
    rtpParameters: types.RtpParameters;
    source: MediaSource;
  }): Promise<types.Producer<ProducerAppData>> {
    const transport = this.#transport(transportId, 'send');
    if (this.#publishing.has(source)) throw new DomainError('CONFLICT', `already publishing ${source}`);
    this.#publishing.add(source);
    let producer: types.Producer<ProducerAppData>;
    try {
      producer = await transport.produce<ProducerAppData>({
        kind,
        rtpParameters,
        keyFrameRequestDelay: kind === 'video' ? VIDEO_KEYFRAME_REQUEST_DELAY_MS : 0,
        appData: { peerId: this.id, source },
      });
    } catch (error) {
      this.#publishing.delete(source);
      throw new DomainError('MEDIA', `cannot publish: ${(error as Error).message}`);
    }
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      this.#producers.delete(producer.id);
      this.#publishing.delete(source);
    });
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
    const transport = this.#transport(transportId, 'recv');
    if (this.#watching.has(producerId)) throw new DomainError('CONFLICT', 'already watching that stream');
    if (!this.#slot.router.canConsume({ producerId, rtpCapabilities })) {
      throw new DomainError('NOT_FOUND', 'that stream has ended or this device cannot decode it');
    }
    this.#watching.add(producerId);
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
      this.#watching.delete(producerId);
      throw new DomainError('NOT_FOUND', `cannot watch that stream: ${(error as Error).message}`);
    }
    this.#consumers.set(consumer.id, { consumer, clientReady: false });
    // Counted on the router it runs on, which the peer may have left by the time it closes.
    const slot = this.#slot;
    slot.consumers += 1;
    slot.worker.load += 1;
    consumer.observer.once('close', () => {
      this.#consumers.delete(consumer.id);
      this.#watching.delete(producerId);
      slot.consumers -= 1;
      slot.worker.load -= 1;
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
      if (directionOf(transport) === 'send') transport.close();
    }
  }

  #transport(transportId: TransportId, direction?: Direction): types.WebRtcTransport {
    this.#assertOpen();
    const transport = this.#transports.get(transportId);
    if (!transport) throw new DomainError('NOT_FOUND', 'no such transport');
    if (direction && directionOf(transport) !== direction) throw new DomainError('CONFLICT', `that is not a ${direction} transport`);
    return transport;
  }

  #assertOpen(): void {
    if (this.#closed) throw new DomainError('NOT_JOINED', 'not in this session any more');
  }

  /** Closes every transport, and with them every producer and consumer of this peer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#countedAsViewer) this.#slot.viewers -= 1;
    for (const transport of [...this.#transports.values()]) transport.close();
  }
}

function directionOf(transport: types.WebRtcTransport): Direction | undefined {
  return (transport.appData as { direction?: Direction }).direction;
}
