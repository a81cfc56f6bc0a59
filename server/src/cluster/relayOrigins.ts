import type { types } from 'mediasoup';
import type { z } from 'zod';
import type { PeerId, ProducerId, SessionId } from '@chunfeng/shared/ids';
import { DomainError } from '../domain/errors';
import { KeyedQueue } from '../domain/keyedQueue';
import type { Logger } from '../logger';
import { connectPipe, openPipe, pipeEnd, type PipeAddress, type RelayedProducer } from '../media/edgeRelay';
import type { FeedSource } from '../media/hls/programFeed';
import type { LiveStage } from '../media/liveStage';
import type { StageDirectory } from '../media/stageDirectory';
import type { NodeMail, Sender } from './nodeMail';
import { OpenMail, type OpenReply, RelayMail, SeatMail, UnseatMail } from './relayMail';

/** The origin's end of one relay: a pipe from the stage's router to one edge node, and what runs on it. */
interface OriginEnd {
  sessionId: string;
  edge: Sender;
  pipe: types.PipeTransport;
  /** Stage producers consumed into the pipe, by producer id. */
  consumed: Set<string>;
}

/**
 * The origin's side of the relays (see MediaRelays): for each stage held here, one pipe per edge node
 * relaying it, fed every stage producer and told, in order, of every change; and the interactive
 * seats viewers of other nodes take here, where a session's seats are counted.
 */
export class RelayOrigins {
  readonly #mail: NodeMail;
  readonly #directory: StageDirectory;
  readonly #address: PipeAddress;
  readonly #logger: Logger;
  /** Everything done for one relay runs in the order it was asked. */
  readonly #order = new KeyedQueue();
  readonly #ends = new Map<string, OriginEnd>();
  readonly #edgeWatches = new Map<string, () => void>();

  constructor({ mail, directory, address, logger }: { mail: NodeMail; directory: StageDirectory; address: PipeAddress; logger: Logger }) {
    this.#mail = mail;
    this.#directory = directory;
    this.#address = address;
    this.#logger = logger;
    mail.handle('relay.open', OpenMail, (payload, from) => this.#order.run(payload.relayId, () => this.#openEnd(payload, from)));
    // After the relay's open, in order: an edge whose ask timed out (or whose relay closed while it
    // opened) says so before the origin has its end, and that end must not stay open for nobody.
    mail.handle('relay.close', RelayMail, ({ relayId }, from) => this.#order.run(relayId, () => {
      const end = this.#ends.get(relayId);
      if (end && end.edge.nodeId === from.nodeId && end.edge.boot === from.boot) this.#closeEnd(relayId, false);
      return Promise.resolve();
    }));
    mail.handle('stage.seat', SeatMail, async ({ sessionId, peerId, connection, phone }) => {
      const stage = await this.#placeOf(sessionId, peerId, connection);
      // Brought on stage: people on stage are on this node's routers; the page connects here.
      if (stage.placeOf(peerId)?.role !== 'viewer') throw new DomainError('STAGE_ELSEWHERE', 'people on stage are on the node holding the stage', { node: mail.nodeId });
      stage.seatElsewhere(peerId, phone);
    });
    mail.handle('stage.unseat', UnseatMail, async ({ sessionId, peerId, connection }) => {
      const stage = await this.#placeOf(sessionId, peerId, connection).catch(() => undefined);
      stage?.watchHls(peerId);
      return { interactive: stage?.interactive.free ?? false };
    });
    directory.onOpen((stage) => this.#follow(stage));
  }

  /** Pipes open here to edge nodes. */
  get size(): number {
    return this.#ends.size;
  }

  async #placeOf(sessionId: string, peerId: PeerId, connection: string): Promise<LiveStage> {
    const stage = await this.#directory.get(sessionId as SessionId)?.catch(() => undefined);
    if (!stage || stage.closed || stage.connectionOf(peerId) !== connection) throw new DomainError('NOT_JOINED', 'join the session first');
    return stage;
  }

  async #openEnd({ sessionId, relayId, end }: z.output<typeof OpenMail>, from: Sender): Promise<z.input<typeof OpenReply>> {
    const stage = await this.#directory.get(sessionId)?.catch(() => undefined);
    if (!stage || stage.closed) throw new DomainError('SESSION_NOT_LIVE', 'this session is not live here');
    if (this.#ends.has(relayId)) throw new DomainError('CONFLICT', 'that relay is open already');
    const pipe = await openPipe(stage.room.origin, this.#address);
    const origin: OriginEnd = { sessionId, edge: from, pipe, consumed: new Set() };
    this.#ends.set(relayId, origin);
    pipe.observer.once('close', () => {
      if (this.#ends.get(relayId) === origin) this.#closeEnd(relayId, true);
    });
    this.#watchEdge(from);
    try {
      await connectPipe(pipe, end);
      const producers: RelayedProducer[] = [];
      for (const source of stage.room.feedSources()) {
        const relayed = await this.#consume(origin, source);
        if (relayed) producers.push(relayed);
      }
      return { end: pipeEnd(pipe), producers };
    } catch (error) {
      this.#closeEnd(relayId, false);
      if (error instanceof DomainError) throw error;
      this.#logger.warn({ err: error, sessionId, edge: from.nodeId }, 'cannot open a relay of a stage');
      throw new DomainError('UNAVAILABLE', 'cannot relay the stage now', { retryAfterSeconds: 1 });
    }
  }

  async #consume(end: OriginEnd, { producer, peerId, source }: FeedSource): Promise<RelayedProducer | undefined> {
    if (producer.closed || end.pipe.closed || end.consumed.has(producer.id)) return undefined;
    end.consumed.add(producer.id);
    const consumer = await end.pipe.consume({ producerId: producer.id });
    consumer.observer.once('close', () => end.consumed.delete(producer.id));
    return {
      producerId: producer.id as ProducerId,
      peerId: peerId as PeerId,
      kind: consumer.kind,
      source,
      paused: consumer.producerPaused,
      rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown>,
    };
  }

  /** Every relay of a stage held here follows what changes on it, in order. */
  #follow(stage: LiveStage): void {
    const room = stage.room;
    const each = (what: (relayId: string, end: OriginEnd) => Promise<void> | void): void => {
      for (const [relayId, end] of this.#ends) {
        if (end.sessionId !== stage.sessionId) continue;
        void this.#order.run(relayId, async () => {
          if (this.#ends.get(relayId) === end) await what(relayId, end);
        }).catch((error: unknown) => {
          this.#logger.warn({ err: error, relay: relayId }, 'could not relay a change of the stage');
        });
      }
    };
    room.on('producerAdded', (info) => {
      const producer = room.feedSources().find((s) => s.producer.id === info.producerId);
      if (!producer) return;
      each(async (relayId, end) => {
        const relayed = await this.#consume(end, producer);
        if (relayed) this.#mail.tell(end.edge.nodeId, 'relay.produce', { relayId, producer: relayed });
      });
    });
    room.on('producerClosed', ({ producerId }) => each((relayId, end) => this.#mail.tell(end.edge.nodeId, 'relay.unproduce', { relayId, producerId })));
    room.on('producerUpdated', ({ producerId, paused }) => each((relayId, end) => this.#mail.tell(end.edge.nodeId, 'relay.pause', { relayId, producerId, paused })));
    // A new origin router (its worker died), or the stage closed: every pipe of the old one is gone.
    room.on('routerReplaced', ({ origin }) => {
      if (origin) this.#closeEnds(stage.sessionId);
    });
    room.once('close', () => this.#closeEnds(stage.sessionId));
  }

  #closeEnds(sessionId: string): void {
    for (const [relayId, end] of [...this.#ends]) if (end.sessionId === sessionId) this.#closeEnd(relayId, true);
  }

  /** Closes the origin's end of a relay; `tell` says so to the edge, which relays again or lets its viewers go. */
  #closeEnd(relayId: string, tell: boolean): void {
    const end = this.#ends.get(relayId);
    if (!end) return;
    this.#ends.delete(relayId);
    end.pipe.close();
    if (tell) this.#mail.tell(end.edge.nodeId, 'relay.closed', { relayId });
    const key = edgeKey(end.edge);
    if (![...this.#ends.values()].some((e) => edgeKey(e.edge) === key)) {
      this.#edgeWatches.get(key)?.();
      this.#edgeWatches.delete(key);
    }
  }

  /** An edge node that stops takes its relays with it: their pipes here close. */
  #watchEdge(edge: Sender): void {
    const key = edgeKey(edge);
    if (this.#edgeWatches.has(key)) return;
    this.#edgeWatches.set(key, this.#mail.watch(edge.nodeId, edge.boot, () => {
      this.#edgeWatches.delete(key);
      for (const [relayId, end] of [...this.#ends]) if (end.edge.nodeId === edge.nodeId && end.edge.boot === edge.boot) this.#closeEnd(relayId, false);
    }));
  }

  /** Closes every end, telling each edge (the node stops). */
  close(): void {
    for (const relayId of [...this.#ends.keys()]) this.#closeEnd(relayId, true);
    for (const unwatch of this.#edgeWatches.values()) unwatch();
    this.#edgeWatches.clear();
  }
}

const edgeKey = (edge: Sender): string => `${edge.nodeId}\u0000${edge.boot}`;
