import type { ProducerInfo, StageWatchResult } from '@chunfeng/shared/stage';
import { DomainError } from '../domain/errors';
import { KeyedQueue } from '../domain/keyedQueue';
import type { Logger } from '../logger';
import { EdgeRelay, type PipeAddress } from '../media/edgeRelay';
import type { MediaPeer } from '../media/mediaPeer';
import type { StageDirectory } from '../media/stageDirectory';
import type { WorkerPool } from '../media/workerPool';
import type { IoSocket } from '../transport/socketState';
import type { NodeMail, Sender } from './nodeMail';
import { OpenReply, PauseMail, ProduceMail, RelayMail, UnproduceMail } from './relayMail';
import { RelayOrigins } from './relayOrigins';

/** How long a viewer's consumer request waits for a producer it heard of to arrive through the pipe. */
const PRODUCER_WAIT_MS = 5000;
/** How long a relay waits for a live media worker when this node's are all dead (the pool respawns them). */
const WORKER_WAIT_MS = 10_000;

/** A viewer of this node on WebRTC through a relay. */
interface EdgeViewer {
  socket: IoSocket;
  relay: EdgeRelay;
  media: MediaPeer;
  /** Lets the seat lapse if no receive transport is made in time (see SEAT_HOLD_MS). */
  hold: ReturnType<typeof setTimeout> | undefined;
}

/**
 * WebRTC for viewers whose socket reached a node that does not hold the stage: this node relays the
 * stage from the node that holds it (the origin) and serves them from a router of its own, the way
 * large SFU deployments cascade. One pipe per (session, edge node), opened for the node's first
 * WebRTC viewer, reused by every other one there, and closed with its last; the messages that set it
 * up and follow the stage go over the nodes' mail, in order per relay, with its timeouts and typed
 * errors. The interactive seat is the origin's, so a session's seats are counted once for the cluster.
 *
 * A node is the origin for the stages it holds (its side is RelayOrigins, made here) and an edge for the others.
 */
export class MediaRelays {
  readonly #mail: NodeMail;
  readonly #pool: WorkerPool;
  readonly #address: PipeAddress;
  readonly #logger: Logger;
  /** Everything done for one relay, on either side, runs in the order it was asked. */
  readonly #order = new KeyedQueue();
  // ---- edge side ----
  /** The relay of each session relayed here (or the one being opened). */
  readonly #relays = new Map<string, Promise<EdgeRelay>>();
  readonly #relayById = new Map<string, EdgeRelay>();
  readonly #viewers = new Map<string, EdgeViewer>();
  /** Sockets whose seat lapsed before they made a receive transport, until they switch again or go. */
  readonly #lapsed = new Set<string>();
  readonly #seatHoldMs: number;
  #closing = false;
  readonly #origins: RelayOrigins;

  constructor({ mail, directory, pool, address, logger, seatHoldMs = 8000 }: {
    mail: NodeMail;
    directory: StageDirectory;
    pool: WorkerPool;
    address: PipeAddress;
    logger: Logger;
    /** How long a seat taken by a switch to WebRTC waits for the viewer's receive transport. */
    seatHoldMs?: number;
  }) {
    this.#seatHoldMs = seatHoldMs;
    this.#mail = mail;
    this.#pool = pool;
    this.#address = address;
    this.#logger = logger.child({ part: 'media-relays' });
    this.#origins = new RelayOrigins({ mail, directory, address, logger: this.#logger });
    mail.handle('relay.produce', ProduceMail, ({ relayId, producer }, from) => this.#atEdge(relayId, from, (relay) => relay.add(producer)));
    mail.handle('relay.unproduce', UnproduceMail, ({ relayId, producerId }, from) => this.#atEdge(relayId, from, (relay) => relay.remove(producerId)));
    mail.handle('relay.pause', PauseMail, ({ relayId, producerId, paused }, from) => this.#atEdge(relayId, from, (relay) => relay.setPaused(producerId, paused)));
    mail.handle('relay.closed', RelayMail, ({ relayId }, from) => this.#atEdge(relayId, from, (relay) => relay.close()));
  }

  // ---- A viewer of this node watching another node's stage over WebRTC ----

  /**
   * Puts a viewer watching through this node on WebRTC: a seat taken on the stage's node, then media
   * on this node's relay of the stage. `phone` is its device-token family (one seat a phone).
   */
  async watchWebRtc(socket: IoSocket, phone: string | undefined): Promise<StageWatchResult> {
    const remote = socket.data.remote;
    if (!remote) throw new DomainError('NOT_JOINED', 'join the session first');
    this.#lapsed.delete(socket.id);
    const here = this.#viewers.get(socket.id);
    if (here && here.relay.holds(here.media)) return { mode: 'webrtc', routerRtpCapabilities: here.relay.rtpCapabilities, producers: here.relay.producers(), transports: here.media.transportCount };
    if (phone === undefined) throw new DomainError('SEATS_FULL', 'an interactive seat needs this phone\'s device token; watch over HLS or reload the page');
    const place = { sessionId: remote.sessionId, peerId: remote.peerId, connection: socket.id };
    await this.#mail.ask(remote.owner, 'stage.seat', { ...place, phone }).catch((error: unknown) => {
      // Unanswered in time, the owner may still have seated it: let that seat go.
      this.#mail.tell(remote.owner, 'stage.unseat', place);
      throw error;
    });
    let relay: EdgeRelay;
    try {
      relay = await this.#relayFor(remote.sessionId, { node: remote.owner, boot: remote.ownerBoot });
    } catch (error) {
      this.#mail.tell(remote.owner, 'stage.unseat', place);
      throw error;
    }
    if (socket.data.remote !== remote || !socket.connected) {
      this.#mail.tell(remote.owner, 'stage.unseat', place);
      this.#closeIfUnused(relay);
      throw new DomainError('NOT_JOINED', 'not in this session any more');
    }
    const media = relay.addPeer(remote.peerId);
    const viewer: EdgeViewer = { socket, relay, media, hold: undefined };
    this.#viewers.set(socket.id, viewer);
    // As on the stage's node: a seat whose receive transport does not come lapses, so a page that
    // switched and failed cannot keep everyone else on HLS.
    viewer.hold = setTimeout(() => {
      if (this.#viewers.get(socket.id) !== viewer || viewer.media.transportCount > 0) return;
      this.watchHls(socket);
      this.#lapsed.add(socket.id);
    }, this.#seatHoldMs);
    viewer.hold.unref();
    // New media on this node: whatever transports the page had (on another node) are not here.
    return { mode: 'webrtc', routerRtpCapabilities: relay.rtpCapabilities, producers: relay.producers(), transports: 0 };
  }

  /** Back to HLS: the media here goes and the seat on the stage's node is free at once. */
  watchHls(socket: IoSocket): void {
    const remote = socket.data.remote;
    this.drop(socket);
    if (remote) this.#mail.tell(remote.owner, 'stage.unseat', { sessionId: remote.sessionId, peerId: remote.peerId, connection: socket.id });
  }

  /** `stage:watch hls` asked by the viewer: as `watchHls`, answered with whether a seat is free now. */
  async switchToHls(socket: IoSocket): Promise<boolean> {
    const remote = socket.data.remote;
    this.drop(socket);
    if (!remote) return false;
    const reply = await this.#mail.ask(remote.owner, 'stage.unseat', { sessionId: remote.sessionId, peerId: remote.peerId, connection: socket.id }).catch(() => undefined);
    return (reply as { interactive?: unknown } | undefined)?.interactive === true;
  }

  /** Whether the socket's seat lapsed before it made a receive transport (it watches HLS, or switches again). */
  lapsed(socket: IoSocket): boolean {
    return this.#lapsed.has(socket.id);
  }

  /** The socket's media here, if it watches over WebRTC through a relay. */
  mediaOf(socket: IoSocket): MediaPeer | undefined {
    const viewer = this.#viewers.get(socket.id);
    return viewer && viewer.relay.holds(viewer.media) ? viewer.media : undefined;
  }

  /** A stage producer as relayed here (waiting a moment for one announced but not arrived). */
  async producerFor(socket: IoSocket, producerId: string): Promise<ProducerInfo | undefined> {
    const viewer = this.#viewers.get(socket.id);
    return viewer ? viewer.relay.producer(producerId, PRODUCER_WAIT_MS) : undefined;
  }

  /** The socket left, dropped or lost its place: its media here goes (the seat is the place's, on the stage's node). */
  drop(socket: IoSocket): void {
    this.#lapsed.delete(socket.id);
    const viewer = this.#viewers.get(socket.id);
    if (!viewer) return;
    clearTimeout(viewer.hold);
    this.#viewers.delete(socket.id);
    if (viewer.relay.holds(viewer.media)) viewer.relay.removePeer(viewer.media.id);
    else viewer.media.close();
    this.#closeIfUnused(viewer.relay);
  }

  /** Consumers this node's relays carry or have placed viewers for: each viewer consumes every producer. */
  plannedConsumers(): number {
    let n = 0;
    for (const relay of this.#relayById.values()) n += relay.slot.viewers * Math.max(1, relay.producers().length);
    return n;
  }

  /** Producers of a session's relay here, when there is one open: what a new viewer of it will consume. */
  producerCount(sessionId: string): number | undefined {
    for (const relay of this.#relayById.values()) if (relay.sessionId === sessionId && !relay.closed) return relay.producers().length;
    return undefined;
  }

  /** What this node relays: for health and metrics. */
  held(): { relays: number; viewers: number; pipes: number } {
    return { relays: this.#relayById.size, viewers: this.#viewers.size, pipes: this.#relayById.size + this.#origins.size };
  }

  // ---- Edge side ----

  async #relayFor(sessionId: string, origin: { node: string; boot: string }): Promise<EdgeRelay> {
    for (;;) {
      const current = this.#relays.get(sessionId);
      if (!current) break;
      // Viewers asking together share the relay being opened.
      const relay = await current.catch(() => undefined);
      if (relay && !relay.closed && relay.origin.node === origin.node && relay.origin.boot === origin.boot) return relay;
      // Replaced meanwhile by another viewer's request: look again.
      if (this.#relays.get(sessionId) !== current) continue;
      this.#relays.delete(sessionId);
      // One relaying a stage another node held before: nobody watches through it any more.
      if (relay && !relay.closed) relay.close();
      break;
    }
    const opening = this.#open(sessionId, origin);
    this.#relays.set(sessionId, opening);
    opening.catch(() => {
      if (this.#relays.get(sessionId) === opening) this.#relays.delete(sessionId);
    });
    return opening;
  }

  async #open(sessionId: string, origin: { node: string; boot: string }): Promise<EdgeRelay> {
    // After a worker died (its relay with it) the pool may have none alive for a moment.
    const worker = await this.#pool.liveWorker(WORKER_WAIT_MS).catch(() => {
      throw new DomainError('UNAVAILABLE', 'no media worker on this node now', { retryAfterSeconds: 2 });
    });
    const relay = await EdgeRelay.create({ sessionId, origin, worker, address: this.#address });
    this.#relayById.set(relay.id, relay);
    relay.once('close', () => this.#relayClosed(relay));
    try {
      await this.#order.run(relay.id, async () => {
        const raw = await this.#mail.ask(origin.node, 'relay.open', { sessionId, relayId: relay.id, end: relay.end });
        const reply = OpenReply.safeParse(raw);
        if (!reply.success) throw new DomainError('UNAVAILABLE', 'the node holding the stage answered something unexpected', { retryAfterSeconds: 1 });
        await relay.connect(reply.data.end);
        for (const producer of reply.data.producers) await relay.add(producer);
      });
    } catch (error) {
      relay.close();
      throw error instanceof DomainError ? error : new DomainError('UNAVAILABLE', 'cannot relay the stage to this node now', { retryAfterSeconds: 1 });
    }
    if (relay.closed) throw new DomainError('UNAVAILABLE', 'the relay of the stage closed while it opened', { retryAfterSeconds: 1 });
    this.#logger.info({ sessionId, origin: origin.node, relay: relay.id, producers: relay.producers().length }, 'relaying a stage held by another node');
    return relay;
  }

  /** Runs what the origin told about a relay, after everything told before it. */
  #atEdge(relayId: string, from: Sender, what: (relay: EdgeRelay) => Promise<void> | void): Promise<void> {
    return this.#order.run(relayId, async () => {
      const relay = this.#relayById.get(relayId);
      if (!relay || relay.closed || relay.origin.node !== from.nodeId || relay.origin.boot !== from.boot) return;
      try {
        await what(relay);
      } catch (error) {
        if (!relay.closed) this.#logger.warn({ err: error, relay: relayId }, 'could not apply a change of the stage to its relay');
      }
    });
  }

  #closeIfUnused(relay: EdgeRelay): void {
    if (relay.closed || relay.peerCount > 0) return;
    relay.close();
  }

  /**
   * A relay closed: unused, or its router went with its worker, or the origin closed its end (its
   * router was replaced, or the stage ended). Viewers still on it move to a new relay when the stage
   * is still held there, told with `media:moved` to set their media up again; the others lose it.
   */
  #relayClosed(relay: EdgeRelay): void {
    this.#relayById.delete(relay.id);
    const entry = this.#relays.get(relay.sessionId);
    void entry?.then(
      (current) => {
        if (current === relay && this.#relays.get(relay.sessionId) === entry) this.#relays.delete(relay.sessionId);
      },
      () => undefined,
    );
    this.#mail.tell(relay.origin.node, 'relay.close', { relayId: relay.id });
    if (this.#closing) return;
    const stranded = [...this.#viewers.values()].filter((v) => v.relay === relay);
    if (stranded.length === 0) return;
    this.#logger.warn({ sessionId: relay.sessionId, viewers: stranded.length }, 'a relay of a stage closed under its viewers; opening another');
    void this.#relayFor(relay.sessionId, relay.origin).then(
      (next) => {
        for (const viewer of stranded) {
          const remote = viewer.socket.data.remote;
          // Only a viewer still watching the same stage through this node moves; the rest let go.
          if (this.#viewers.get(viewer.socket.id) !== viewer) continue;
          if (!remote || !viewer.socket.connected || remote.owner !== next.origin.node || remote.ownerBoot !== next.origin.boot) {
            this.drop(viewer.socket);
            continue;
          }
          viewer.relay = next;
          viewer.media = next.addPeer(remote.peerId);
          viewer.socket.emit('media:moved', { routerRtpCapabilities: next.rtpCapabilities, producers: next.producers() });
        }
        this.#closeIfUnused(next);
      },
      (error: unknown) => {
        // The stage's node is gone or has no stage: its viewers here are told by the remote audience.
        this.#logger.warn({ err: error, sessionId: relay.sessionId }, 'cannot relay the stage again');
        for (const viewer of stranded) if (this.#viewers.get(viewer.socket.id) === viewer) this.drop(viewer.socket);
      },
    );
  }

  /** Closes every relay, both sides (the node stops). */
  close(): void {
    this.#closing = true;
    for (const relay of [...this.#relayById.values()]) relay.close();
    this.#origins.close();
  }
}

