import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { z } from 'zod';
import { PeerId, ProducerId } from '@chunfeng/shared/ids';
import { MediaSource, type ProducerInfo } from '@chunfeng/shared/stage';
import type { RtpCapabilities } from '@chunfeng/shared/webrtc';
import { mediaCodecs } from './codecs';
import { MediaPeer, describeProducer, type ProducerAppData, type RouterSlot } from './mediaPeer';
import type { PooledWorker } from './workerPool';

/** Where a node's pipe transports listen, and the address other nodes reach them at. */
export interface PipeAddress {
  listenIp: string;
  announcedAddress?: string | undefined;
}

/** One end of a pipe between two nodes, as the other end needs it to connect: its address and SRTP key. */
export const PipeEnd = z.strictObject({
  ip: z.string().min(1).max(100),
  port: z.number().int().min(1).max(65535),
  srtp: z.strictObject({ cryptoSuite: z.enum(['AEAD_AES_256_GCM', 'AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']), keyBase64: z.string().min(1).max(200) }),
});
export type PipeEnd = z.infer<typeof PipeEnd>;

/**
 * A producer of the stage as the origin's pipe consumer sends it: the edge produces it on its router
 * under the same id. Its RTP parameters are mediasoup's own and checked by mediasoup when produced.
 */
export const RelayedProducer = z.strictObject({
  producerId: ProducerId,
  peerId: PeerId,
  kind: z.enum(['audio', 'video']),
  source: MediaSource,
  paused: z.boolean(),
  rtpParameters: z.record(z.string(), z.unknown()),
});
export type RelayedProducer = z.infer<typeof RelayedProducer>;

/** A pipe transport for a link between nodes: SRTP on (the link crosses a network), RTX and NACK for its losses. */
export function openPipe(router: types.Router, { listenIp, announcedAddress }: PipeAddress): Promise<types.PipeTransport> {
  return router.createPipeTransport({
    listenInfo: { protocol: 'udp', ip: listenIp, ...(announcedAddress ? { announcedAddress } : {}) },
    enableSrtp: true,
    enableRtx: true,
  });
}

export function pipeEnd(pipe: types.PipeTransport): PipeEnd {
  const srtp = pipe.srtpParameters;
  if (!srtp) throw new Error('a pipe between nodes has SRTP on');
  return { ip: pipe.tuple.localAddress, port: pipe.tuple.localPort, srtp };
}

export function connectPipe(pipe: types.PipeTransport, remote: PipeEnd): Promise<void> {
  return pipe.connect({ ip: remote.ip, port: remote.port, srtpParameters: remote.srtp });
}

/**
 * The stage of a session held by another node (the origin), relayed to this node's viewers: a
 * router here fed by one pipe from the origin's router, carrying every stage producer under its own
 * id, which this node's WebRTC viewers consume as if the stage were here. What changes on the stage
 * (a producer added, closed, paused) is applied here by the caller, in the order the origin told it.
 */
export class EdgeRelay extends EventEmitter<{ close: [] }> {
  readonly id = crypto.randomUUID();
  readonly sessionId: string;
  /** The node holding the stage and its boot. */
  readonly origin: { node: string; boot: string };
  readonly slot: RouterSlot;
  readonly #pipe: types.PipeTransport;
  readonly #producers = new Map<string, types.Producer<ProducerAppData>>();
  /** Viewers asking for a producer the origin has announced but whose pipe is not here yet. */
  readonly #waiting = new Map<string, Set<() => void>>();
  readonly #peers = new Map<string, MediaPeer>();
  #closed = false;

  private constructor(sessionId: string, origin: { node: string; boot: string }, slot: RouterSlot, pipe: types.PipeTransport) {
    super();
    this.sessionId = sessionId;
    this.origin = origin;
    this.slot = slot;
    this.#pipe = pipe;
    // The router goes with its worker (or the pipe with its router): everything relayed here is gone.
    slot.router.observer.once('close', () => this.close());
    pipe.observer.once('close', () => this.close());
  }

  /** A router on `worker` with a pipe ready for the origin to connect to (see `end`). */
  static async create({ sessionId, origin, worker, address }: { sessionId: string; origin: { node: string; boot: string }; worker: PooledWorker; address: PipeAddress }): Promise<EdgeRelay> {
    const router = await worker.worker.createRouter({ mediaCodecs, appData: { sessionId, relay: true } });
    try {
      const pipe = await openPipe(router, address);
      return new EdgeRelay(sessionId, origin, { router, worker, consumers: 0, viewers: 0 }, pipe);
    } catch (error) {
      router.close();
      throw error;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  get rtpCapabilities(): RtpCapabilities {
    return this.slot.router.rtpCapabilities as RtpCapabilities;
  }

  /** This end of the pipe, for the origin. */
  get end(): PipeEnd {
    return pipeEnd(this.#pipe);
  }

  connect(origin: PipeEnd): Promise<void> {
    return connectPipe(this.#pipe, origin);
  }

  /** A stage producer arriving through the pipe: produced here under its own id. */
  async add(relayed: RelayedProducer): Promise<void> {
    if (this.#closed || this.#producers.has(relayed.producerId)) return;
    const producer = await this.#pipe.produce<ProducerAppData>({
      id: relayed.producerId,
      kind: relayed.kind,
      rtpParameters: relayed.rtpParameters as unknown as types.RtpParameters,
      paused: relayed.paused,
      appData: { peerId: relayed.peerId, source: relayed.source },
    });
    this.#producers.set(producer.id, producer);
    this.slot.worker.load += 1;
    producer.observer.once('close', () => {
      this.#producers.delete(producer.id);
      this.slot.worker.load -= 1;
    });
    for (const wake of this.#waiting.get(producer.id) ?? []) wake();
  }

  /** The producer left the stage: its consumers here close with it. */
  remove(producerId: string): void {
    this.#producers.get(producerId)?.close();
  }

  async setPaused(producerId: string, paused: boolean): Promise<void> {
    const producer = this.#producers.get(producerId);
    if (!producer || producer.closed) return;
    await (paused ? producer.pause() : producer.resume());
  }

  producers(): ProducerInfo[] {
    return [...this.#producers.values()].map(describeProducer);
  }

  /**
   * The producer `producerId` once it is here: a viewer hears of a new producer by broadcast, which
   * may overtake the origin's word to this node by a moment. Undefined if it does not come in time.
   */
  async producer(producerId: string, waitMs: number): Promise<ProducerInfo | undefined> {
    const here = this.#producers.get(producerId);
    if (here || this.#closed) return here && describeProducer(here);
    await new Promise<void>((resolve) => {
      let waiting = this.#waiting.get(producerId);
      if (!waiting) this.#waiting.set(producerId, (waiting = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        waiting.delete(done);
        if (waiting.size === 0 && this.#waiting.get(producerId) === waiting) this.#waiting.delete(producerId);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      waiting.add(done);
    });
    const arrived = this.#producers.get(producerId);
    return arrived && describeProducer(arrived);
  }

  /** A viewer of this node on WebRTC: its transports and consumers are on this relay's router. */
  addPeer(peerId: string): MediaPeer {
    this.removePeer(peerId);
    const peer = new MediaPeer({ id: peerId as PeerId, role: 'viewer', slot: this.slot });
    this.#peers.set(peerId, peer);
    return peer;
  }

  removePeer(peerId: string): void {
    const peer = this.#peers.get(peerId);
    this.#peers.delete(peerId);
    peer?.close();
  }

  /** Viewers with media here. */
  get peerCount(): number {
    return this.#peers.size;
  }

  /** Whether `peer` is this relay's media for its viewer (not one replaced or closed since). */
  holds(peer: MediaPeer): boolean {
    return !peer.closed && this.#peers.get(peer.id) === peer;
  }

  /** Closes every viewer's media here, the pipe and the router; says so once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of [...this.#peers.values()]) peer.close();
    this.#peers.clear();
    for (const waiting of [...this.#waiting.values()]) for (const wake of [...waiting]) wake();
    this.slot.router.close();
    this.emit('close');
  }
}

