import type { Device, types } from 'mediasoup-client';
import type { PeerId, ProducerId } from '@chunfeng/shared/ids';
import type { ProducerInfo, StageMedia as StageMediaReply } from '@chunfeng/shared/stage';
import type { RtpCapabilities } from '@chunfeng/shared/webrtc';
import { RequestError, type Signalling } from '../signalling/signalling';
import type { MediaStats } from './mediaStats';
import { Publisher } from './publisher';
import { Subscriber, type SubscriberEvents } from './subscriber';
import { createStageTransport, restartIce } from './transports';

/**
 * The WebRTC side of one place on a stage: the mediasoup Device, the send transport and what it
 * publishes, the receive transport and a consumer of every stage producer. It knows nothing of joins,
 * nodes or phases (StageClient decides when media is built, healed, moved or let go).
 */
export class PlaceMedia {
  readonly #signalling: Signalling;
  readonly publisher: Publisher;
  readonly #subscriber: Subscriber;
  /** Whose producers are this place's own (never consumed). */
  readonly #self: () => PeerId | undefined;
  #device: Device | undefined;
  /** The router capabilities the device was loaded with. */
  #deviceCaps = '';
  /** Every producer on stage as the server last told: what to consume once media is set up again. */
  #producers = new Map<ProducerId, ProducerInfo>();
  #closed = false;

  constructor(signalling: Signalling, events: SubscriberEvents, self: () => PeerId | undefined) {
    this.#signalling = signalling;
    this.#self = self;
    this.publisher = new Publisher(signalling, () => this.#createTransport('send'));
    this.#subscriber = new Subscriber(signalling, events);
  }

  /** The server told of a new producer: consumed at once when media is up, else when it is. */
  added(info: ProducerInfo): void {
    this.#producers.set(info.producerId, info);
    void this.#consume(info).catch(() => undefined);
  }

  closed(producerId: ProducerId): void {
    this.#producers.delete(producerId);
    this.#subscriber.drop(producerId);
  }

  updated(producerId: ProducerId, paused: boolean): void {
    this.#subscriber.setPaused(producerId, paused);
    const known = this.#producers.get(producerId);
    if (known) known.paused = paused;
  }

  /** What is on stage, as a join, a switch or a media move just said. */
  #replaceProducers(producers: readonly ProducerInfo[]): void {
    this.#producers = new Map(producers.map((p) => [p.producerId, { ...p }]));
  }

  /**
   * Builds (or heals, for a resumed place whose transports the server kept) the Device and transports
   * for the media the server answered. False when the last seat went between the hint and the
   * transport (the caller watches HLS instead).
   */
  async open(media: StageMediaReply, { resumed, onStage }: { resumed: boolean; onStage: boolean }): Promise<boolean> {
    this.#replaceProducers(media.producers);
    const recv = this.#subscriber.transport;
    // The server holding none of this place's transports (it is on another node now) has nothing to heal.
    const kept = resumed && (media.transports ?? 1) > 0 && this.#device !== undefined && recv !== undefined && !recv.closed;
    if (kept && (await this.#healTransports())) return true;
    // A new place (first join, grace period over, or a new router after a media failure). If the
    // server kept the place, its old transports count against the peer's cap: close them there too.
    if (resumed) this.closeServerTransports();
    try {
      await this.#setUp(media.routerRtpCapabilities, onStage);
    } catch (error) {
      if (error instanceof RequestError && error.code === 'SEATS_FULL') return false;
      throw error;
    }
    return true;
  }

  /**
   * The server re-created this place's router on a live worker: new transports there (whatever an
   * earlier attempt built on the new router is closed first: it counts against the caps there).
   */
  async rebuild({ routerRtpCapabilities, producers }: { routerRtpCapabilities: RtpCapabilities; producers: readonly ProducerInfo[] }, onStage: boolean): Promise<void> {
    this.#replaceProducers(producers);
    this.closeServerTransports();
    await this.#setUp(routerRtpCapabilities, onStage);
  }

  /** Consumes every producer on stage (what the reply said, and whatever came meanwhile); drops the rest. */
  async consumeAll(): Promise<void> {
    this.#subscriber.keepOnly(new Set(this.#producers.keys()));
    await Promise.all([...this.#producers.values()].map((p) => this.#consume(p)));
  }

  /** Restarts ICE where the path broke; false when the server no longer has a transport (its router was replaced). */
  async #healTransports(): Promise<boolean> {
    for (const transport of [this.#subscriber.transport, this.publisher.transport]) {
      if (transport && !transport.closed && transport.connectionState !== 'connected') {
        if ((await restartIce(transport, this.#signalling)) === 'gone') return false;
      }
    }
    return true;
  }

  /**
   * New transports (on stage: a send transport and every local track published again, first, since
   * everyone waits for those; then the receive transport). The device is kept when the router's
   * capabilities are the same (every router has the same codecs): loading one costs a peer connection.
   */
  async #setUp(routerRtpCapabilities: RtpCapabilities, onStage: boolean): Promise<void> {
    this.teardown();
    const caps = JSON.stringify(routerRtpCapabilities);
    if (!this.#device?.loaded || caps !== this.#deviceCaps) {
      // Loaded only here: a phone watching HLS never downloads or runs mediasoup-client.
      const { Device } = await import('mediasoup-client');
      this.#device = new Device();
      await this.#device.load({ routerRtpCapabilities: routerRtpCapabilities as types.RtpCapabilities });
      this.#deviceCaps = caps;
    }
    if (onStage) {
      await this.publisher.ensureTransport();
      await this.publisher.republish();
    }
    this.#subscriber.transport = await this.#createTransport('recv');
  }

  async #createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    if (!this.#device) throw new Error('not joined');
    return createStageTransport(this.#device, this.#signalling, direction);
  }

  async #consume(info: ProducerInfo): Promise<void> {
    const device = this.#device;
    if (!device || this.#closed || info.peerId === this.#self()) return;
    await this.#subscriber.consume(info, device);
  }

  /** Asks the server to close this place's transports (a new set is coming). */
  closeServerTransports(): void {
    for (const transport of [this.#subscriber.transport, this.publisher.transport]) {
      if (transport) void this.#signalling.request('transport:close', { transportId: transport.id }).catch(() => undefined);
    }
  }

  /** Closes the local transports, consumers and producers (the local tracks stay the page's). */
  teardown(): void {
    this.#subscriber.teardown();
    this.publisher.teardown();
  }

  /** Watching HLS: nothing of WebRTC is kept, the Device included. */
  letGo(): void {
    this.teardown();
    this.#device = undefined;
  }

  /** Inbound totals: what tests and the diagnostics read. */
  stats(): Promise<MediaStats> {
    return this.#subscriber.stats();
  }

  /** For good: media stops and nothing is consumed again (the local tracks stay their owner's). */
  close(): void {
    this.#closed = true;
    this.teardown();
    this.publisher.forget();
  }
}
