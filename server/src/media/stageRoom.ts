import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type { PeerId, ProducerId, SessionId } from '@chunfeng/shared/ids';
import type { ProducerInfo, StageEndReason, StageRole } from '@chunfeng/shared/stage';
import type { RtpCapabilities } from '@chunfeng/shared/webrtc';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import { mediaCodecs } from './codecs';
import { MediaPeer, type ProducerAppData } from './mediaPeer';
import type { PooledWorker, WorkerPool } from './workerPool';

export interface StageRoomEvents {
  producerAdded: [ProducerInfo];
  producerClosed: [{ producerId: ProducerId; peerId: PeerId }];
  /** Emitted once, after every peer and the router are closed. */
  close: [StageEndReason];
}

/** The media side of one live session: a router, and the peers publishing to or watching it. */
export class StageRoom extends EventEmitter<StageRoomEvents> {
  readonly sessionId: SessionId;
  readonly #router: types.Router;
  readonly #worker: PooledWorker;
  readonly #peers = new Map<PeerId, MediaPeer>();
  readonly #logger: Logger;
  #closed = false;

  private constructor({ sessionId, router, worker, logger }: {
    sessionId: SessionId;
    router: types.Router;
    worker: PooledWorker;
    logger: Logger;
  }) {
    super();
    this.sessionId = sessionId;
    this.#router = router;
    this.#worker = worker;
    this.#logger = logger;
    router.observer.once('close', () => this.close('media-failure'));
  }

  static async open({ sessionId, pool, logger }: { sessionId: SessionId; pool: WorkerPool; logger: Logger }): Promise<StageRoom> {
    const worker = pool.leastLoaded();
    const router = await worker.worker.createRouter({ mediaCodecs, appData: { sessionId } });
    return new StageRoom({ sessionId, router, worker, logger: logger.child({ sessionId }) });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get router(): types.Router {
    return this.#router;
  }

  get rtpCapabilities(): RtpCapabilities {
    return this.#router.rtpCapabilities as RtpCapabilities;
  }

  get peerCount(): number {
    return this.#peers.size;
  }

  addPeer(role: StageRole): MediaPeer {
    if (this.#closed) throw new DomainError('SESSION_ENDED', 'this session has ended');
    const peer = new MediaPeer({
      id: randomUUID() as PeerId,
      role,
      router: this.#router,
      webRtcServer: this.#worker.webRtcServer,
    });
    this.#peers.set(peer.id, peer);
    return peer;
  }

  removePeer(peerId: PeerId): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    this.#peers.delete(peerId);
    peer.close();
  }

  /** Registers a new producer so every watcher learns of it and of its end. */
  announce(producer: types.Producer<ProducerAppData>): ProducerInfo {
    const info = describe(producer);
    this.#worker.load += 1;
    producer.observer.once('close', () => {
      this.#worker.load -= 1;
      if (!this.#closed) this.emit('producerClosed', { producerId: info.producerId, peerId: info.peerId });
    });
    this.emit('producerAdded', info);
    return info;
  }

  /** Tracks a consumer's share of the worker's load for as long as it lives. */
  track(consumer: types.Consumer): void {
    this.#worker.load += 1;
    consumer.observer.once('close', () => {
      this.#worker.load -= 1;
    });
  }

  producers(): ProducerInfo[] {
    return [...this.#peers.values()].flatMap((peer) => [...peer.producers.values()].map(describe));
  }

  /** Closes every peer (children first), then the router, then says why once. */
  close(reason: StageEndReason): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    this.#router.close();
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
