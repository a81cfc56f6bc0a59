import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { PeerId, ProducerId, SessionId } from '@chunfeng/shared/ids';
import type { ProducerInfo, StageEndReason, StageRole } from '@chunfeng/shared/stage';
import type { RtpCapabilities } from '@chunfeng/shared/webrtc';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import { mediaCodecs } from './codecs';
import { MediaPeer, describeProducer, type ProducerAppData, type RouterSlot } from './mediaPeer';
import type { FeedSource } from './hls/programFeed';
import type { PooledWorker, WorkerPool } from './workerPool';

export interface StageRoomEvents {
  producerAdded: [ProducerInfo];
  producerClosed: [{ producerId: ProducerId; peerId: PeerId }];
  producerUpdated: [{ producerId: ProducerId; paused: boolean }];
  speakerChanged: [PeerId | null];
  /**
   * A router went with its dead worker and was re-created on a live one (the origin: `origin` true).
   * Its producers are gone; the program feed follows `room.origin` from here.
   */
  routerReplaced: [{ origin: boolean }];
  /** A peer's router was replaced: its transports are gone, and it must set its media up again. */
  peerMoved: [MediaPeer];
  /** Emitted once, after every peer and router are closed. */
  close: [StageEndReason];
}

export interface StageRoomOptions {
  sessionId: SessionId;
  pool: WorkerPool;
  logger: Logger;
  /** Past this many consumers on a router, new viewers go to a router on another worker. */
  maxConsumersPerRouter?: number;
  /** How long a room waits for a live worker when all are dead before it gives up (media-failure). */
  recoveryTimeoutMs?: number;
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
  /** Routers being re-created after their worker died: nobody is placed until they are back. */
  readonly #recovering = new Set<Promise<void>>();
  /** How long to wait for a live worker when every worker is dead (the pool respawns them). */
  readonly #recoveryTimeoutMs: number;
  #closed = false;

  private constructor({ sessionId, pool, logger, maxConsumersPerRouter = 400, recoveryTimeoutMs = 15_000 }: StageRoomOptions) {
    super();
    this.#recoveryTimeoutMs = recoveryTimeoutMs;
    this.sessionId = sessionId;
    this.#pool = pool;
    this.#logger = logger.child({ sessionId });
    this.#maxConsumers = maxConsumersPerRouter;
  }

  static async open(options: StageRoomOptions): Promise<StageRoom> {
    const room = new StageRoom(options);
    const origin = await room.#addSlot();
    await room.#observeSpeaker(origin);
    return room;
  }

  async #observeSpeaker(origin: RouterSlot): Promise<void> {
    const speaker = await origin.router.createActiveSpeakerObserver({ interval: 400 });
    speaker.on('dominantspeaker', ({ producer }) => {
      this.emit('speakerChanged', (producer.appData as ProducerAppData).peerId);
    });
    this.#speaker = speaker;
    for (const { producer } of this.#producers.values()) {
      if (producer.kind === 'audio' && !producer.closed) await speaker.addProducer({ producerId: producer.id }).catch(() => undefined);
    }
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

  /** Viewers on WebRTC placed on this room's routers (started consuming or not). */
  get viewerPeers(): number {
    return this.#slots.reduce((n, s) => n + s.viewers, 0);
  }

  /** Producers on stage: what each WebRTC viewer consumes. */
  get producerCount(): number {
    return this.#producers.size;
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
    await this.#recovered();
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
    const info = describeProducer(producer);
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
    return [...this.#producers.values()].map(({ producer }) => describeProducer(producer));
  }

  async #slotForViewer(): Promise<RouterSlot> {
    // A viewer will consume every stage producer: count that for peers who have not started yet.
    const perViewer = Math.max(1, this.#producers.size);
    const free = this.#slots.find((s) => !s.router.closed && Math.max(s.consumers, s.viewers * perViewer) + perViewer <= this.#maxConsumers);
    if (free) return free;
    // One edge at a time: viewers arriving together share the router being opened.
    this.#opening ??= this.#addSlot().finally(() => (this.#opening = undefined));
    return this.#opening;
  }

  async #addSlot(): Promise<RouterSlot> {
    const used = new Set(this.#slots.map((s) => s.worker.index));
    const slot = await this.#createSlot(this.#pool.leastLoaded(used));
    const isOrigin = this.#slots.length === 0;
    this.#slots.push(slot);
    if (!isOrigin) {
      this.#logger.info({ worker: slot.worker.index, routers: this.#slots.length }, 'opened an edge router for viewers');
      await this.#pipeAllTo(slot);
    }
    return slot;
  }

  async #createSlot(worker: PooledWorker): Promise<RouterSlot> {
    const router = await worker.worker.createRouter({ mediaCodecs, appData: { sessionId: this.sessionId } });
    const slot: RouterSlot = { router, worker, consumers: 0, viewers: 0 };
    router.observer.once('close', () => {
      if (this.#closed) return;
      // Its worker died: re-create the router on a live worker and move everyone on it there.
      if (worker.worker.died) return this.#track(slot);
      const index = this.#slots.indexOf(slot);
      // The origin closed by anything else ends the media of the whole session.
      if (index === 0) this.close('media-failure');
      else if (index > 0) this.#slots.splice(index, 1);
    });
    return slot;
  }

  /** Replacements run one after another: two routers dying together must not both claim one free worker. */
  #track(dead: RouterSlot): void {
    const previous = [...this.#recovering];
    const recovery = Promise.all(previous).then(() => this.#replace(dead));
    this.#recovering.add(recovery);
    void recovery.finally(() => this.#recovering.delete(recovery));
  }

  async #recovered(): Promise<void> {
    while (this.#recovering.size > 0) await Promise.all(this.#recovering);
  }

  /**
   * A dead worker took `dead` with it: its producers are closed (everyone was told), the rest of the
   * room goes on. Its peers move to a live router, which is told to them so that they set up their
   * media again there (publishers re-publish, viewers re-consume): a new router on a live worker this
   * room does not use yet, with every live producer piped to it; or, when every live worker already
   * carries one of this room's routers (a producer cannot be piped to a router on its own worker),
   * that router. The origin stays first in the list: the new one, or the router that takes its place.
   */
  async #replace(dead: RouterSlot): Promise<void> {
    const wasOrigin = this.#slots[0] === dead;
    this.#logger.warn({ worker: dead.worker.index, origin: wasOrigin }, 'a router of this stage died with its worker; moving its peers');
    try {
      const target = await this.#refuge(dead);
      if (this.#closed) return;
      const index = this.#slots.indexOf(dead);
      if (index < 0) return;
      if (!this.#slots.includes(target)) {
        // A new router takes the dead one's place in the list.
        this.#slots[index] = target;
      } else {
        // An existing router takes its peers (and, for the origin, its place first in the list).
        this.#slots.splice(index, 1);
        if (wasOrigin) this.#slots.unshift(...this.#slots.splice(this.#slots.indexOf(target), 1));
      }
      if (wasOrigin) await this.#observeSpeaker(target);
      if (this.#closed) return;
      const moved = [...this.#peers.values()].filter((p) => p.slot === dead && !p.closed);
      for (const peer of moved) peer.moveTo(target);
      this.#logger.info({ worker: target.worker.index, origin: wasOrigin, peers: moved.length }, 'peers of a dead router moved to a live one');
      this.emit('routerReplaced', { origin: wasOrigin });
      for (const peer of moved) this.emit('peerMoved', peer);
    } catch (error) {
      if (this.#closed) return;
      // No worker came back in time: the room cannot carry media; the host can open it again.
      this.#logger.error({ err: error }, 'cannot re-create a router after its worker died');
      this.close('media-failure');
    }
  }

  /** Where the peers of a dead router go: a new router on a worker this room does not use, or one of its own. */
  async #refuge(dead: RouterSlot): Promise<RouterSlot> {
    const alive = this.#slots.filter((s) => s !== dead && !s.router.closed);
    const used = new Set(alive.map((s) => s.worker.index));
    const free = this.#pool.workers.filter((w) => !w.worker.closed && !used.has(w.index));
    if (free.length === 0 && alive.length > 0) {
      return alive.reduce((best, s) => (s.consumers < best.consumers ? s : best));
    }
    const worker = await this.#pool.liveWorker(this.#recoveryTimeoutMs, used);
    const slot = await this.#createSlot(worker);
    if (this.#closed) {
      slot.router.close();
      return slot;
    }
    await this.#pipeAllTo(slot);
    return slot;
  }

  async #pipeAllTo(slot: RouterSlot): Promise<void> {
    await Promise.all([...this.#producers.values()].map(({ producer, slot: from }) => this.#pipe(producer, from, slot)));
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

