import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { PeerId, ProducerId, SessionId } from '@chunfeng/shared/ids';
import type { ProducerInfo, StageEndReason, StageRole } from '@chunfeng/shared/stage';
import type { RtpCapabilities } from '@chunfeng/shared/webrtc';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import { mediaCodecs } from './codecs';
import { MediaPeer, type ProducerAppData, type RouterSlot } from './mediaPeer';
import type { FeedSource } from './hls/programFeed';
import type { WorkerPool } from './workerPool';

export interface StageRoomEvents {
  producerAdded: [ProducerInfo];
  producerClosed: [{ producerId: ProducerId; peerId: PeerId }];
  producerUpdated: [{ producerId: ProducerId; paused: boolean }];
  speakerChanged: [PeerId | null];
  /** Emitted once, after every peer and router are closed. */
  close: [StageEndReason];
}

export interface StageRoomOptions {
  sessionId: SessionId;
  pool: WorkerPool;
  logger: Logger;
  /** Past this many consumers on a router, new viewers go to a router on another worker. */
  maxConsumersPerRouter?: number;
}

/**
 * The media side of one live session. The origin router carries the stage; when it is busy, viewers
 * land on edge routers (on other workers where possible) that every producer is piped to.
 */
export class StageRoom extends EventEmitter<StageRoomEvents> {
  readonly sessionId: SessionId;
  readonly #pool: WorkerPool;
  readonly #logger: Logger;
  readonly #maxConsumers: number;
  readonly #slots: RouterSlot[] = [];
  readonly #peers = new Map<PeerId, MediaPeer>();
  readonly #producers = new Map<ProducerId, { producer: types.Producer<ProducerAppData>; slot: RouterSlot }>();
  #speaker: types.ActiveSpeakerObserver | undefined;
  #opening: Promise<RouterSlot> | undefined;
  #closed = false;

  private constructor({ sessionId, pool, logger, maxConsumersPerRouter = 400 }: StageRoomOptions) {
    super();
    this.sessionId = sessionId;
    this.#pool = pool;
    this.#logger = logger.child({ sessionId });
    this.#maxConsumers = maxConsumersPerRouter;
  }

  static async open(options: StageRoomOptions): Promise<StageRoom> {
    const room = new StageRoom(options);
    const origin = await room.#addSlot();
    const speaker = await origin.router.createActiveSpeakerObserver({ interval: 400 });
    speaker.on('dominantspeaker', ({ producer }) => {
      room.emit('speakerChanged', (producer.appData as ProducerAppData).peerId);
    });
    room.#speaker = speaker;
    return room;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get rtpCapabilities(): RtpCapabilities {
    return this.#origin.router.rtpCapabilities as RtpCapabilities;
  }

  /** Routers of this room, origin first: for tests and health. */
  get routers(): readonly types.Router[] {
    return this.#slots.map((s) => s.router);
  }

  /** The router the stage publishes to: where the program feed is taken from. */
  get origin(): types.Router {
    return this.#origin.router;
  }

  /** Every producer on stage, with who publishes it: what the program feed chooses from. */
  feedSources(): FeedSource[] {
    return [...this.#producers.values()].map(({ producer }) => ({
      producer,
      peerId: producer.appData.peerId,
      source: producer.appData.source,
    }));
  }

  get #origin(): RouterSlot {
    const origin = this.#slots[0];
    if (!origin) throw new Error('room has no origin router');
    return origin;
  }

  /** MediaPeers in this room: people on stage and viewers on WebRTC, never an HLS viewer. */
  get peerCount(): number {
    return this.#peers.size;
  }

  peer(peerId: PeerId): MediaPeer | undefined {
    return this.#peers.get(peerId);
  }

  /** Places a new peer: people on stage on the origin; viewers wherever there is room. */
  async addPeer({ peerId, role }: { peerId: PeerId; role: StageRole }): Promise<MediaPeer> {
    this.#assertOpen();
    const slot = role === 'viewer' ? await this.#slotForViewer() : this.#origin;
    this.#assertOpen();
    const peer = new MediaPeer({ id: peerId, role, slot });
    this.#peers.set(peer.id, peer);
    return peer;
  }

  removePeer(peerId: PeerId): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    this.#peers.delete(peerId);
    peer.close();
  }

  /** Makes a new producer visible on every router and to everyone in the session. */
  async announce(producer: types.Producer<ProducerAppData>, slot: RouterSlot): Promise<ProducerInfo> {
    const info = describe(producer);
    this.#producers.set(info.producerId, { producer, slot });
    slot.worker.load += 1;
    producer.observer.once('close', () => {
      slot.worker.load -= 1;
      this.#producers.delete(info.producerId);
      if (!this.#closed) this.emit('producerClosed', { producerId: info.producerId, peerId: info.peerId });
    });
    producer.observer.on('pause', () => this.emit('producerUpdated', { producerId: info.producerId, paused: true }));
    producer.observer.on('resume', () => this.emit('producerUpdated', { producerId: info.producerId, paused: false }));
    await Promise.all(this.#slots.filter((s) => s !== slot).map((s) => this.#pipe(producer, slot, s)));
    if (producer.kind === 'audio' && this.#speaker && !producer.closed) {
      await this.#speaker.addProducer({ producerId: producer.id }).catch(() => undefined);
    }
    if (!producer.closed) this.emit('producerAdded', info);
    return info;
  }

  /**
   * Publishes plain RTP into the stage (an on-site camera's encoder, or a test source): a
   * PlainTransport on the origin router that learns the sender's address from its first packet.
   */
  async ingest({ peerId, kind, source, rtpParameters }: {
    peerId: PeerId;
    kind: types.MediaKind;
    source: ProducerAppData['source'];
    rtpParameters: types.RtpParameters;
  }): Promise<{ producer: types.Producer<ProducerAppData>; ip: string; port: number; rtcpPort: number | undefined; close: () => void }> {
    this.#assertOpen();
    const slot = this.#origin;
    const transport = await slot.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
    const producer = await transport.produce<ProducerAppData>({ kind, rtpParameters, appData: { peerId, source } });
    await this.announce(producer, slot);
    return {
      producer,
      ip: transport.tuple.localAddress ?? '127.0.0.1',
      port: transport.tuple.localPort,
      rtcpPort: transport.rtcpTuple?.localPort,
      close: () => transport.close(),
    };
  }

  producers(): ProducerInfo[] {
    return [...this.#producers.values()].map(({ producer }) => describe(producer));
  }

  async #slotForViewer(): Promise<RouterSlot> {
    // A viewer will consume every stage producer: count that for peers who have not started yet.
    const perViewer = Math.max(1, this.#producers.size);
    const free = this.#slots.find((s) => Math.max(s.consumers, s.viewers * perViewer) + perViewer <= this.#maxConsumers);
    if (free) return free;
    // One edge at a time: viewers arriving together share the router being opened.
    this.#opening ??= this.#addSlot().finally(() => (this.#opening = undefined));
    return this.#opening;
  }

  async #addSlot(): Promise<RouterSlot> {
    const used = new Set(this.#slots.map((s) => s.worker.index));
    const worker = this.#pool.leastLoaded(used);
    const router = await worker.worker.createRouter({ mediaCodecs, appData: { sessionId: this.sessionId } });
    const slot: RouterSlot = { router, worker, consumers: 0, viewers: 0 };
    const isOrigin = this.#slots.length === 0;
    this.#slots.push(slot);
    router.observer.once('close', () => {
      // The origin going away (its worker died) ends the media of the whole session.
      if (isOrigin) this.close('media-failure');
      else this.#slots.splice(this.#slots.indexOf(slot), 1);
    });
    if (!isOrigin) {
      this.#logger.info({ worker: worker.index, routers: this.#slots.length }, 'opened an edge router for viewers');
      await Promise.all([...this.#producers.values()].map(({ producer, slot: from }) => this.#pipe(producer, from, slot)));
    }
    return slot;
  }

  async #pipe(producer: types.Producer, from: RouterSlot, to: RouterSlot): Promise<void> {
    if (producer.closed || to.router.closed) return;
    try {
      await from.router.pipeToRouter({ producerId: producer.id, router: to.router });
    } catch (error) {
      if (!producer.closed && !to.router.closed) this.#logger.error({ err: error }, 'piping a producer failed');
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new DomainError('SESSION_ENDED', 'this session has ended');
  }

  /** Closes every peer (children first), then the routers, then says why, once. */
  close(reason: StageEndReason): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    for (const slot of [...this.#slots].reverse()) slot.router.close();
    this.#logger.info({ reason }, 'stage closed');
    this.emit('close', reason);
  }
}

function describe(producer: types.Producer<ProducerAppData>): ProducerInfo {
  return {
    producerId: producer.id as ProducerId,
    peerId: producer.appData.peerId,
    kind: producer.kind,
    source: producer.appData.source,
    paused: producer.paused,
  };
}
