import type { types } from 'mediasoup-client';
import type { ProducerId } from '@chunfeng/shared/ids';
import type { MediaSource } from '@chunfeng/shared/stage';
import type { Signalling } from '../signalling/signalling';
import { cameraLayersFor, type UplinkQuality, type UplinkSample } from './uplinkQuality';

type StatsEntry = {
  type: string;
  rid?: string;
  ssrc?: number;
  framesEncoded?: number;
  bytesSent?: number;
  qualityLimitationReason?: string;
  active?: boolean;
  nominated?: boolean;
  state?: string;
  availableOutgoingBitrate?: number;
  currentRoundTripTime?: number;
};

/** Camera video goes out in three simulcast layers, so each viewer gets what its network carries. */
const CAMERA_LAYERS = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

/**
 * The sending half of a place on stage: the send transport, a producer per source, and what was
 * published (the tracks stay the caller's: nothing here stops them) and paused, so that everything
 * can be published again on a new transport after a media failure, a muted microphone still muted.
 */
export class Publisher {
  readonly #signalling: Signalling;
  readonly #createTransport: () => Promise<types.Transport>;
  #transport: types.Transport | undefined;
  readonly #producers = new Map<MediaSource, types.Producer>();
  readonly #tracks = new Map<MediaSource, MediaStreamTrack>();
  readonly #paused = new Set<MediaSource>();

  constructor(signalling: Signalling, createTransport: () => Promise<types.Transport>) {
    this.#signalling = signalling;
    this.#createTransport = createTransport;
  }

  /** The send transport, while there is one. */
  get transport(): types.Transport | undefined {
    return this.#transport;
  }

  async ensureTransport(): Promise<types.Transport> {
    if (!this.#transport || this.#transport.closed) this.#transport = await this.#createTransport();
    return this.#transport;
  }

  /** The producer publishing `source` now, if any. */
  producerOf(source: MediaSource): ProducerId | undefined {
    const producer = this.#producers.get(source);
    return producer && !producer.closed ? (producer.id as ProducerId) : undefined;
  }

  async publish(track: MediaStreamTrack, source: MediaSource): Promise<ProducerId> {
    this.#tracks.set(source, track);
    return this.#produce(track, source);
  }

  /** Publishes every live track again (on a new transport), pictures first: they are what viewers wait for. */
  async republish(): Promise<void> {
    const order = [...this.#tracks].sort(([, a], [, b]) => (a.kind === b.kind ? 0 : a.kind === 'video' ? -1 : 1));
    for (const [source, track] of order) {
      if (track.readyState === 'live') await this.#produce(track, source);
    }
  }

  /** Switches a published source to another device's track without interrupting viewers. */
  async replaceTrack(source: MediaSource, track: MediaStreamTrack): Promise<void> {
    this.#tracks.set(source, track);
    await this.#producers.get(source)?.replaceTrack({ track });
  }

  /** One getStats sample of the camera sender (per layer and summed); none while the camera is not out. */
  async sampleCamera(): Promise<UplinkSample | undefined> {
    const producer = this.#producers.get('camera');
    if (!producer || producer.closed) return undefined;
    const report = await producer.getStats();
    const framesByLayer: Record<string, number> = {};
    const sample: UplinkSample = { at: Date.now(), framesEncoded: 0, framesByLayer, bytesSent: 0 };
    report.forEach((s: StatsEntry) => {
      if (s.type === 'outbound-rtp') {
        sample.framesEncoded += s.framesEncoded ?? 0;
        framesByLayer[s.rid ?? String(s.ssrc)] = s.framesEncoded ?? 0;
        sample.bytesSent += s.bytesSent ?? 0;
        if (s.qualityLimitationReason && s.qualityLimitationReason !== 'none' && s.active !== false) sample.qualityLimitationReason = s.qualityLimitationReason;
      } else if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
        if (s.availableOutgoingBitrate !== undefined) sample.availableOutgoingBitrate = s.availableOutgoingBitrate;
        if (s.currentRoundTripTime !== undefined) sample.roundTripTime = s.currentRoundTripTime;
      }
    });
    return sample;
  }

  /** Lowers (or restores) the camera's layers for the uplink's quality, on the same producer: viewers keep decoding. */
  async adaptCamera(quality: UplinkQuality): Promise<void> {
    const sender = this.#producers.get('camera')?.rtpSender;
    if (!sender) return;
    const layers = cameraLayersFor(quality);
    const withLayers = (): RTCRtpSendParameters => {
      const parameters = sender.getParameters();
      parameters.encodings.forEach((encoding, i) => {
        const layer = layers[i];
        if (layer) Object.assign(encoding, layer);
      });
      return parameters;
    };
    try {
      // On a poor link a smaller picture at a steady rate beats a sharp one that stutters.
      await sender.setParameters({ ...withLayers(), degradationPreference: quality === 'good' ? 'balanced' : 'maintain-framerate' });
    } catch {
      // A browser that does not take the preference still takes the layers.
      await sender.setParameters(withLayers());
    }
  }

  async unpublish(source: MediaSource): Promise<void> {
    const producer = this.#producers.get(source);
    this.#tracks.delete(source);
    this.#paused.delete(source);
    if (!producer) return;
    this.#producers.delete(source);
    producer.close();
    await this.#signalling.request('producer:close', { producerId: producer.id }).catch(() => undefined);
  }

  async setPaused(source: MediaSource, paused: boolean): Promise<void> {
    if (paused) this.#paused.add(source);
    else this.#paused.delete(source);
    const producer = this.#producers.get(source);
    if (!producer) return;
    if (paused) producer.pause();
    else producer.resume();
    await this.#signalling.request(paused ? 'producer:pause' : 'producer:resume', { producerId: producer.id });
  }

  /** Closes the producers and the transport; what was published is remembered for `republish`. */
  teardown(): void {
    for (const producer of this.#producers.values()) producer.close();
    this.#producers.clear();
    this.#transport?.close();
    this.#transport = undefined;
  }

  /** Off stage: nothing is published any more, and nothing will be again (the page lets its camera go). */
  stepDown(): void {
    this.teardown();
    this.forget();
  }

  /** Forgets the tracks and pauses (never stopping a track: they belong to the page). */
  forget(): void {
    this.#tracks.clear();
    this.#paused.clear();
  }

  async #produce(track: MediaStreamTrack, source: MediaSource): Promise<ProducerId> {
    const transport = await this.ensureTransport();
    const producer = await transport.produce({
      track,
      stopTracks: false,
      ...(source === 'camera' ? { encodings: CAMERA_LAYERS } : {}),
      ...(source === 'screen' ? { codecOptions: { videoGoogleStartBitrate: 1000 } } : {}),
      appData: { source },
    });
    this.#producers.set(source, producer);
    if (this.#paused.has(source)) {
      producer.pause();
      await this.#signalling.request('producer:pause', { producerId: producer.id });
    }
    return producer.id as ProducerId;
  }
}
