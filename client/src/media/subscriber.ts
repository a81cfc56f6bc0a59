import type { types } from 'mediasoup-client';
import type { ConsumerId, PeerId, ProducerId } from '@chunfeng/shared/ids';
import type { ConsumerOptions, MediaSource, ProducerInfo } from '@chunfeng/shared/stage';
import type { RtpCapabilities } from '@chunfeng/shared/webrtc';
import type { Signalling } from '../signalling/signalling';
import { inboundStats, type MediaStats } from './mediaStats';

export interface RemoteTrack {
  consumerId: ConsumerId;
  producerId: ProducerId;
  peerId: PeerId;
  source: MediaSource;
  paused: boolean;
  track: MediaStreamTrack;
}

export interface SubscriberEvents {
  added(track: RemoteTrack): void;
  removed(producerId: ProducerId): void;
}

/**
 * The receiving half of a place: the receive transport and one consumer per stage producer (the
 * server allows one per producer, so a producer being consumed is not asked for twice).
 */
export class Subscriber {
  readonly #signalling: Signalling;
  readonly #events: SubscriberEvents;
  #transport: types.Transport | undefined;
  readonly #consumers = new Map<ProducerId, { consumer: types.Consumer; info: ProducerInfo }>();
  readonly #consuming = new Set<ProducerId>();

  constructor(signalling: Signalling, events: SubscriberEvents) {
    this.#signalling = signalling;
    this.#events = events;
  }

  /** The receive transport, while there is one. */
  get transport(): types.Transport | undefined {
    return this.#transport;
  }

  set transport(transport: types.Transport) {
    this.#transport = transport;
  }

  /** Consumes a producer on the receive transport (once), resumes it and reports its track. */
  async consume(info: ProducerInfo, device: types.Device): Promise<void> {
    const transport = this.#transport;
    if (!transport || this.#consumers.has(info.producerId) || this.#consuming.has(info.producerId)) return;
    this.#consuming.add(info.producerId);
    let options: ConsumerOptions;
    try {
      options = await this.#signalling.request('consumer:create', {
        transportId: transport.id,
        producerId: info.producerId,
        rtpCapabilities: device.recvRtpCapabilities as RtpCapabilities,
      });
    } finally {
      this.#consuming.delete(info.producerId);
    }
    if (this.#consumers.has(info.producerId) || transport.closed) return;
    const consumer = await transport.consume({
      id: options.id,
      producerId: options.producerId,
      kind: options.kind,
      rtpParameters: options.rtpParameters as types.RtpParameters,
    });
    this.#consumers.set(info.producerId, { consumer, info: { ...info } });
    await this.#signalling.request('consumer:resume', { consumerId: options.id });
    this.#events.added({
      consumerId: options.id,
      producerId: options.producerId,
      peerId: options.peerId,
      source: options.source,
      paused: info.paused,
      track: consumer.track,
    });
  }

  /** The producer was paused or resumed on stage. */
  setPaused(producerId: ProducerId, paused: boolean): void {
    const entry = this.#consumers.get(producerId);
    if (entry) entry.info.paused = paused;
  }

  drop(producerId: ProducerId): void {
    const entry = this.#consumers.get(producerId);
    if (!entry) return;
    entry.consumer.close();
    this.#consumers.delete(producerId);
    this.#events.removed(producerId);
  }

  /** Drops every consumer whose producer is no longer on stage. */
  keepOnly(live: ReadonlySet<ProducerId>): void {
    for (const producerId of [...this.#consumers.keys()]) if (!live.has(producerId)) this.drop(producerId);
  }

  /** Closes every consumer and the transport. */
  teardown(): void {
    for (const producerId of [...this.#consumers.keys()]) this.drop(producerId);
    this.#transport?.close();
    this.#transport = undefined;
  }

  /** Inbound totals: what tests and the diagnostics read. */
  stats(): Promise<MediaStats> {
    return inboundStats([...this.#consumers.values()].map(({ consumer, info }) => ({ consumer, peerId: info.peerId })));
  }
}
