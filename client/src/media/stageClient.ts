import type { Device, types } from 'mediasoup-client';
import type { ConsumerId, PeerId, ProducerId, SessionId } from '@chunfeng/shared/ids';
import type {
  ConsumerOptions,
  InvitedRole,
  InviteResult,
  MediaSource,
  Participant,
  ProducerInfo,
  RosterView,
  StageEndReason,
  StageJoinResult,
  StageMedia,
  StageRole,
  ViewerPreferences,
  WatchMode,
} from '@chunfeng/shared/stage';
import type { ServerToClientEvents } from '@chunfeng/shared/events';
import type { PinsNow } from '@chunfeng/shared/recruitment';
import type { RtpCapabilities } from '@chunfeng/shared/webrtc';
import { Emitter } from '../lib/emitter';
import { RequestError, type Signalling } from '../signalling/signalling';
import { inboundStats, type MediaStats } from './mediaStats';
import { createStageTransport, restartIce } from './transports';


export interface RemoteTrack {
  consumerId: ConsumerId;
  producerId: ProducerId;
  peerId: PeerId;
  source: MediaSource;
  paused: boolean;
  track: MediaStreamTrack;
}

export type StagePhase = 'connecting' | 'live' | 'reconnecting' | 'ended';

/** Why a place cannot be taken back at all: retrying would not help. */
const CREDENTIAL_REFUSALS: ReadonlySet<string> = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'INVITE_USED', 'BANNED']);

export type StageClientEvents = {
  phase: [StagePhase];
  trackAdded: [RemoteTrack];
  trackRemoved: [{ producerId: ProducerId }];
  trackPaused: [{ producerId: ProducerId; paused: boolean }];
  roster: [RosterView];
  hands: [Participant[]];
  role: [StageRole];
  speaker: [PeerId | null];
  ended: [StageEndReason];
  hls: [string];
  /** Taking the place back was refused for good (the link was withdrawn, or is someone else's): the code. */
  refused: [string];
  /** What is pinned now, from every join and rejoin reply. */
  pins: [PinsNow];
  /**
   * The media server under this place failed and the server moved it to another (true) until the
   * media runs again (false): re-publishing and re-consuming happen by themselves meanwhile.
   */
  recovering: [boolean];
  /** How this place watches now; `seatsFull` when it wanted WebRTC and every interactive seat was taken. */
  mode: [{ mode: WatchMode; reason?: 'seatsFull' }];
};

export interface JoinOptions {
  sessionId: SessionId;
  role: StageRole;
  token?: string;
  displayName?: string;
  preferences?: ViewerPreferences;
  /** False to take part without any WebRTC media (the captioner): pins, hands and roster only. */
  media?: boolean;
  /** A viewer's wish: WebRTC when an interactive seat is free (the default), or HLS. */
  watch?: WatchMode;
}


/**
 * One person's place on a stage: joins, publishes local tracks (host and co-hosts), consumes every
 * stage producer, and keeps that place across dropped connections (socket reconnect with the resume
 * key; ICE restart when the media path breaks). Owns no UI; signalling is injected.
 */
export class StageClient extends Emitter<StageClientEvents> {
  readonly #signalling: Signalling;
  #options: JoinOptions | undefined;
  #device: Device | undefined;
  /** The router capabilities the device was loaded with. */
  #deviceCaps = '';
  #joined: StageJoinResult | undefined;
  #role: StageRole = 'viewer';
  #phase: StagePhase = 'connecting';
  #sendTransport: types.Transport | undefined;
  #recvTransport: types.Transport | undefined;
  readonly #consumers = new Map<ProducerId, { consumer: types.Consumer; info: ProducerInfo }>();
  /** Producers being consumed right now: the server allows one consumer per producer. */
  readonly #consuming = new Set<ProducerId>();
  readonly #producers = new Map<MediaSource, types.Producer>();
  /** What this place publishes; the tracks belong to the caller, who stops them. */
  readonly #localTracks = new Map<MediaSource, MediaStreamTrack>();
  /** Sources the person paused (a muted microphone stays muted when re-published). */
  readonly #paused = new Set<MediaSource>();
  /** Every producer on stage as the server last told: what to consume once media is set up again. */
  #stageProducers = new Map<ProducerId, ProducerInfo>();
  /** Media moves run one after another (the origin and an edge can fail together). */
  #moving: Promise<void> = Promise.resolve();
  readonly #unsubscribe: Array<() => void> = [];
  #preferences: ViewerPreferences = { quality: 'auto', audioOnly: false };
  /** What the viewer asked for, and how the place watches now. */
  #wish: WatchMode = 'webrtc';
  #mode: WatchMode = 'webrtc';
  /** Joins and switches run one after another: a switch must not interleave with a rejoin. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(signalling: Signalling) {
    super();
    this.#signalling = signalling;
  }

  get peerId(): PeerId | undefined {
    return this.#joined?.peerId;
  }

  get role(): StageRole {
    return this.#role;
  }

  get phase(): StagePhase {
    return this.#phase;
  }

  /** The session's HLS master playlist, if the server makes one. */
  get hlsUrl(): string | null {
    return this.#joined?.hlsUrl ?? null;
  }

  /** What was pinned at the latest join reply. */
  get pins(): PinsNow | undefined {
    return this.#joined?.pins;
  }

  /** Whether the server has an interactive (WebRTC) seat for this viewer. */
  get interactive(): boolean {
    return this.#joined?.interactive ?? true;
  }

  /** How this place watches now: WebRTC, or HLS (no Device, no transport, no consumer). */
  get mode(): WatchMode {
    return this.#mode;
  }

  async join(options: JoinOptions): Promise<void> {
    this.#options = options;
    if (options.preferences) this.#preferences = options.preferences;
    if (options.watch) this.#wish = options.watch;
    this.#listen();
    await this.#serial(() => this.#connect());
  }

  /**
   * Switches a viewer between WebRTC and HLS with one request on this connection. Rejects with
   * SEATS_FULL when WebRTC is asked for and every interactive seat is taken (the place stays on HLS).
   */
  watch(mode: WatchMode): Promise<void> {
    this.#wish = mode;
    return this.#serial(async () => {
      if (!this.#joined || this.#role !== 'viewer' || this.#options?.media === false || mode === this.#mode) return;
      if (mode === 'hls') {
        await this.#toHls(true);
        return;
      }
      const media = await this.#signalling.request('stage:watch', { mode: 'webrtc' });
      if (media.mode !== 'webrtc') return;
      await this.#startMedia(media, false);
    });
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #listen(): void {
    const socket = this.#signalling.socket;
    const on = <E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]): void => {
      // socket.io's overloads cannot follow a generic event name; the map above types the listener.
      socket.on(event, listener as never);
      this.#unsubscribe.push(() => socket.off(event, listener as never));
    };
    on('producer:added', (info) => {
      this.#stageProducers.set(info.producerId, info);
      void this.#consume(info).catch(() => undefined);
    });
    on('producer:closed', ({ producerId }) => {
      this.#stageProducers.delete(producerId);
      this.#dropConsumer(producerId);
    });
    on('producer:updated', ({ producerId, paused }) => {
      const entry = this.#consumers.get(producerId);
      if (entry) entry.info.paused = paused;
      const known = this.#stageProducers.get(producerId);
      if (known) known.paused = paused;
      this.emit('trackPaused', { producerId, paused });
    });
    on('stage:roster', (roster) => this.emit('roster', roster));
    on('stage:hls', ({ url }) => {
      if (this.#joined) this.#joined.hlsUrl = url;
      this.emit('hls', url);
    });
    on('stage:hands', ({ hands }) => this.emit('hands', hands));
    on('speaker:changed', ({ peerId }) => this.emit('speaker', peerId));
    on('stage:roleChanged', ({ role }) => this.#onRole(role));
    on('media:moved', (event) => {
      this.#moving = this.#moving.then(() => this.#moveMedia(event)).catch(() => undefined);
    });
    on('stage:ended', ({ reason }) => {
      this.#teardownMedia();
      this.#setPhase('ended');
      this.emit('ended', reason);
    });
    // A new connection after a drop: take the same place back.
    const onReconnect = (): void => {
      if (this.#closed || this.#phase === 'ended' || !this.#joined) return;
      void this.#serial(() => this.#connect()).catch((error: unknown) => {
        if (error instanceof RequestError && CREDENTIAL_REFUSALS.has(error.code)) {
          this.#teardownMedia();
          this.emit('refused', error.code);
        } else this.#setPhase('reconnecting');
      });
    };
    socket.on('connect', onReconnect);
    this.#unsubscribe.push(() => socket.off('connect', onReconnect));
    const onDrop = (): void => {
      if (this.#phase === 'live') this.#setPhase('reconnecting');
    };
    socket.on('disconnect', onDrop);
    this.#unsubscribe.push(() => socket.off('disconnect', onDrop));
  }

  /** Joins (or re-joins with the resume key) and makes the media match what the server has. */
  async #connect(): Promise<void> {
    const options = this.#options;
    if (!options) return;
    const previous = this.#joined;
    const joined = await this.#signalling.request('stage:join', {
      sessionId: options.sessionId,
      role: options.role,
      ...(options.token ? { token: options.token } : {}),
      ...(options.displayName ? { displayName: options.displayName } : {}),
      ...(previous ? { resume: { peerId: previous.peerId, key: previous.resumeKey } } : {}),
    });
    this.#joined = joined;
    this.#role = joined.role;
    this.emit('role', joined.role);
    this.emit('roster', joined.roster);
    this.emit('pins', joined.pins);

    if (options.media === false) {
      this.#setPhase('live');
      return;
    }
    // A viewer decides from the reply, before building anything: HLS costs no Device at all.
    if (joined.role === 'viewer' && joined.mode === 'hls' && (this.#wish === 'hls' || !joined.interactive)) {
      await this.#toHls(false, this.#wish === 'webrtc' ? 'seatsFull' : undefined);
      this.#setPhase('live');
      return;
    }
    if (joined.role === 'viewer' && joined.mode === 'webrtc' && this.#wish === 'hls') {
      await this.#toHls(true);
      this.#setPhase('live');
      return;
    }
    let media: StageMedia;
    if (joined.mode === 'webrtc') media = joined;
    else {
      // Fetched while the switch is on its way: the Device is built the moment the answer arrives.
      void import('mediasoup-client').catch(() => undefined);
      try {
        const watched = await this.#signalling.request('stage:watch', { mode: 'webrtc' });
        if (watched.mode !== 'webrtc') throw new RequestError('SEATS_FULL', 'not on WebRTC');
        media = watched;
      } catch (error) {
        if (!(error instanceof RequestError && error.code === 'SEATS_FULL')) throw error;
        await this.#toHls(false, 'seatsFull');
        this.#setPhase('live');
        return;
      }
    }
    await this.#startMedia(media, joined.resumed);
    this.#setPhase('live');
  }

  /** Builds (or heals) the Device, transports and consumers for a place on WebRTC. */
  async #startMedia(media: StageMedia, resumed: boolean): Promise<void> {
    this.#stageProducers = new Map(media.producers.map((p) => [p.producerId, { ...p }]));
    const kept = resumed && this.#device !== undefined && this.#recvTransport !== undefined && !this.#recvTransport.closed;
    const healed = kept && (await this.#healTransports());
    if (!healed) {
      // A new place (first join, grace period over, or a new router after a media failure). If the
      // server kept the place, its old transports count against the peer's cap: close them there too.
      if (resumed) this.#closeServerTransports();
      try {
        await this.#setUpMedia(media.routerRtpCapabilities);
      } catch (error) {
        // Another viewer took the last seat between the hint and the transport: watch HLS instead.
        if (!(error instanceof RequestError && error.code === 'SEATS_FULL')) throw error;
        await this.#toHls(true, 'seatsFull');
        return;
      }
    }
    this.#setMode('webrtc');
    if (this.#preferences.audioOnly || this.#preferences.quality !== 'auto') {
      await this.#signalling.request('viewer:preferences', this.#preferences);
    }
    const live = new Set(media.producers.map((p) => p.producerId));
    for (const producerId of [...this.#consumers.keys()]) if (!live.has(producerId)) this.#dropConsumer(producerId);
    // What the reply said, and whatever was added while the media was being set up.
    await Promise.all([...this.#stageProducers.values()].map((p) => this.#consume(p)));
    this.emit('recovering', false);
  }

  /** Watches HLS: the server lets the media (and the seat) go when it has any; nothing is built here. */
  async #toHls(release: boolean, reason?: 'seatsFull'): Promise<void> {
    this.#teardownMedia();
    this.#device = undefined;
    if (release) await this.#signalling.request('stage:watch', { mode: 'hls' });
    this.#setMode('hls', reason);
  }

  #setMode(mode: WatchMode, reason?: 'seatsFull'): void {
    if (mode === this.#mode && !reason) return;
    this.#mode = mode;
    this.emit('mode', reason ? { mode, reason } : { mode });
  }

  /** Restarts ICE where the path broke; false when the server no longer has a transport (its router was replaced). */
  async #healTransports(): Promise<boolean> {
    for (const transport of [this.#recvTransport, this.#sendTransport]) {
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
  async #setUpMedia(routerRtpCapabilities: RtpCapabilities): Promise<void> {
    this.#teardownMedia();
    const caps = JSON.stringify(routerRtpCapabilities);
    if (!this.#device?.loaded || caps !== this.#deviceCaps) {
      // Loaded only here: a phone watching HLS never downloads or runs mediasoup-client.
      const { Device } = await import('mediasoup-client');
      this.#device = new Device();
      await this.#device.load({ routerRtpCapabilities: routerRtpCapabilities as types.RtpCapabilities });
      this.#deviceCaps = caps;
    }
    if (this.#role !== 'viewer') {
      await this.#ensureSendTransport();
      await this.#republish();
    }
    this.#recvTransport = await this.#createTransport('recv');
  }

  /**
   * The server re-created this place's router on a live worker after its worker died: set the media
   * up again there, without a new join (the place, the socket and the roster are unchanged).
   */
  async #moveMedia({ routerRtpCapabilities, producers }: { routerRtpCapabilities: RtpCapabilities; producers: ProducerInfo[] }): Promise<void> {
    if (this.#closed || this.#phase === 'ended' || !this.#joined || this.#options?.media === false || this.#mode === 'hls') return;
    this.#stageProducers = new Map(producers.map((p) => [p.producerId, { ...p }]));
    this.emit('recovering', true);
    this.#setPhase('reconnecting');
    for (let attempt = 1; ; attempt += 1) {
      try {
        // Whatever an earlier attempt built on the new router counts against the caps there.
        this.#closeServerTransports();
        await this.#setUpMedia(routerRtpCapabilities);
        if (this.#preferences.audioOnly || this.#preferences.quality !== 'auto') {
          await this.#signalling.request('viewer:preferences', this.#preferences);
        }
        await Promise.all([...this.#stageProducers.values()].map((p) => this.#consume(p)));
        this.#setPhase('live');
        this.emit('recovering', false);
        return;
      } catch (error) {
        // Without a connection the socket's re-join rebuilds the media; past a few tries, stop.
        if (this.#closed || this.phase === 'ended' || !this.#signalling.socket.connected || attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  #onRole(role: StageRole): void {
    this.#role = role;
    // Brought on stage while watching HLS: on stage everyone is on WebRTC, with no seat needed.
    if (role !== 'viewer' && this.#mode === 'hls' && this.#options?.media !== false) {
      void this.#serial(async () => {
        const media = await this.#signalling.request('stage:watch', { mode: 'webrtc' });
        if (media.mode === 'webrtc') await this.#startMedia(media, false);
      }).catch(() => undefined);
    }
    if (role === 'viewer') {
      for (const producer of this.#producers.values()) producer.close();
      this.#producers.clear();
      // The tracks are the page's: it lets its camera go when it sees the role change.
      this.#localTracks.clear();
      this.#paused.clear();
      this.#sendTransport?.close();
      this.#sendTransport = undefined;
    }
    this.emit('role', role);
  }

  async #ensureSendTransport(): Promise<types.Transport> {
    if (!this.#sendTransport || this.#sendTransport.closed) this.#sendTransport = await this.#createTransport('send');
    return this.#sendTransport;
  }

  /** Publishes a local track; video from the camera goes out in three simulcast layers. */
  async publish(track: MediaStreamTrack, source: MediaSource): Promise<ProducerId> {
    if (this.#role === 'viewer') throw new Error('viewers cannot publish');
    this.#localTracks.set(source, track);
    return this.#produce(track, source);
  }

  async #produce(track: MediaStreamTrack, source: MediaSource): Promise<ProducerId> {
    const transport = await this.#ensureSendTransport();
    const encodings =
      source === 'camera'
        ? [
            { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
            { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
            { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
          ]
        : undefined;
    const producer = await transport.produce({
      track,
      stopTracks: false,
      ...(encodings ? { encodings } : {}),
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

  async #republish(): Promise<void> {
    if (this.#role === 'viewer') return;
    // Pictures first: the camera is what viewers wait for after a media failure.
    const order = [...this.#localTracks].sort(([, a], [, b]) => (a.kind === b.kind ? 0 : a.kind === 'video' ? -1 : 1));
    for (const [source, track] of order) {
      if (track.readyState === 'live') await this.#produce(track, source);
    }
  }

  /** Switches a published source to another device's track without interrupting viewers. */
  async replaceTrack(source: MediaSource, track: MediaStreamTrack): Promise<void> {
    this.#localTracks.set(source, track);
    await this.#producers.get(source)?.replaceTrack({ track });
  }

  async unpublish(source: MediaSource): Promise<void> {
    const producer = this.#producers.get(source);
    this.#localTracks.delete(source);
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

  async setPreferences(preferences: ViewerPreferences): Promise<void> {
    this.#preferences = preferences;
    if (this.#joined) await this.#signalling.request('viewer:preferences', preferences);
  }

  invite(role: InvitedRole = 'cohost'): Promise<InviteResult> {
    return this.#signalling.request('stage:invite', { role });
  }

  async revokeInvite(inviteId: string): Promise<void> {
    await this.#signalling.request('stage:inviteRevoke', { inviteId });
  }

  async raiseHand(raised: boolean): Promise<void> {
    await this.#signalling.request('hand:raise', { raised });
  }

  async promote(peerId: PeerId): Promise<void> {
    await this.#signalling.request('stage:promote', { peerId });
  }

  async removeFromStage(peerId: PeerId): Promise<void> {
    await this.#signalling.request('stage:remove', { peerId });
  }

  async end(): Promise<void> {
    await this.#signalling.request('stage:end', {});
  }

  async #createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    if (!this.#device) throw new Error('not joined');
    return createStageTransport(this.#device, this.#signalling, direction);
  }

  async #consume(info: ProducerInfo): Promise<void> {
    const transport = this.#recvTransport;
    const device = this.#device;
    if (!transport || !device || this.#closed || info.peerId === this.#joined?.peerId) return;
    if (this.#consumers.has(info.producerId) || this.#consuming.has(info.producerId)) return;
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
    this.emit('trackAdded', {
      consumerId: options.id,
      producerId: options.producerId,
      peerId: options.peerId,
      source: options.source,
      paused: info.paused,
      track: consumer.track,
    });
  }

  #dropConsumer(producerId: ProducerId): void {
    const entry = this.#consumers.get(producerId);
    if (!entry) return;
    entry.consumer.close();
    this.#consumers.delete(producerId);
    this.emit('trackRemoved', { producerId });
  }

  #closeServerTransports(): void {
    for (const transport of [this.#recvTransport, this.#sendTransport]) {
      if (transport) void this.#signalling.request('transport:close', { transportId: transport.id }).catch(() => undefined);
    }
  }

  #teardownMedia(): void {
    for (const producerId of [...this.#consumers.keys()]) this.#dropConsumer(producerId);
    for (const producer of this.#producers.values()) producer.close();
    this.#producers.clear();
    this.#sendTransport?.close();
    this.#recvTransport?.close();
    this.#sendTransport = undefined;
    this.#recvTransport = undefined;
  }

  #setPhase(phase: StagePhase): void {
    if (phase === this.#phase) return;
    this.#phase = phase;
    this.emit('phase', phase);
  }

  /** Inbound totals: what tests and the diagnostics read. */
  stats(): Promise<MediaStats> {
    return inboundStats([...this.#consumers.values()].map(({ consumer, info }) => ({ consumer, peerId: info.peerId })));
  }

  /** Leaves for good: the server is told, and every listener is removed (local tracks stay the caller's). */
  async leave(): Promise<void> {
    if (this.#closed) return;
    if (this.#joined && this.#phase !== 'ended') await this.#signalling.request('stage:leave', {}).catch(() => undefined);
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    this.#teardownMedia();
    // Never stop the local tracks: they belong to whoever opened them (the studio re-publishes
    // the same camera on its next client after a media failure).
    this.#localTracks.clear();
  }
}
