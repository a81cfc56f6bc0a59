import type { PeerId, ProducerId } from '@chunfeng/shared/ids';
import type {
  InvitedRole,
  InviteResult,
  MediaSource,
  ProducerInfo,
  StageJoinInput,
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
import type { MediaStats } from './mediaStats';
import type { UplinkQuality, UplinkSample } from './uplinkQuality';
import type { JoinOptions, StageClientEvents, StagePhase } from './stageEvents';
import { PlaceMedia } from './placeMedia';

export type { RemoteTrack } from './subscriber';
export type { JoinOptions, StageClientEvents, StagePhase } from './stageEvents';

/** Joins sent to another node before giving up: enough to outlast the lease of a node that died (6 s by default). */
const REDIRECTS = 12;
/** Moves to a node with room for WebRTC in one connect, before settling for HLS. */
const MEDIA_MOVES = 2;

/** Why a place cannot be taken back at all: retrying would not help. */
const CREDENTIAL_REFUSALS: ReadonlySet<string> = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'INVITE_USED', 'BANNED']);

/**
 * One person's place on a stage: joins (following the stage to the node that holds it, or to a node
 * with room for WebRTC), watches over WebRTC or HLS, and keeps that place across dropped connections
 * (socket reconnect with the resume key), media moves and takeovers. The media itself (Device,
 * transports, producers, consumers) is PlaceMedia's. Owns no UI; signalling is injected.
 */
export class StageClient extends Emitter<StageClientEvents> {
  readonly #signalling: Signalling;
  #options: JoinOptions | undefined;
  #joined: StageJoinResult | undefined;
  #role: StageRole = 'viewer';
  #phase: StagePhase = 'connecting';
  readonly #media: PlaceMedia;
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
  /** Connecting again to the node holding the stage (STAGE_ELSEWHERE). */
  #redirecting = false;

  constructor(signalling: Signalling) {
    super();
    this.#signalling = signalling;
    this.#media = new PlaceMedia(
      signalling,
      {
        added: (track) => this.emit('trackAdded', track),
        removed: (producerId) => this.emit('trackRemoved', { producerId }),
      },
      () => this.#joined?.peerId,
    );
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
    on('producer:added', (info) => this.#media.added(info));
    on('producer:closed', ({ producerId }) => this.#media.closed(producerId));
    on('producer:updated', ({ producerId, paused }) => {
      this.#media.updated(producerId, paused);
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
      if (reason === 'moved') {
        // Another node holds the session's stage now: join again, which leads there.
        this.#setPhase('connecting');
        void this.#serial(() => this.#connect()).catch(() => this.#setPhase('reconnecting'));
        return;
      }
      this.#setPhase('ended');
      this.emit('ended', reason);
    });
    on('stage:takenOver', () => this.#takenOver());
    // A new connection after a drop: take the same place back (not while moving to the stage's node:
    // the join that asked for the move carries on there).
    const onReconnect = (): void => {
      if (this.#closed || this.#phase === 'ended' || !this.#joined || this.#redirecting) return;
      void this.#serial(() => this.#connect()).catch((error: unknown) => {
        // Back after a drop to find the host link live on another device: the same as being told.
        if (error instanceof RequestError && error.code === 'TAKEN_OVER') this.#takenOver();
        else if (error instanceof RequestError && CREDENTIAL_REFUSALS.has(error.code)) {
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

  /**
   * Joins (or re-joins with the resume key) and makes the media match what the server has. `moves`:
   * how often this connect already went to another node that had room for WebRTC.
   */
  async #connect(moves = 0): Promise<void> {
    const options = this.#options;
    if (!options) return;
    const previous = this.#joined;
    const joined = await this.#joinWhereTheStageIs({
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
        // This node carries all the WebRTC viewers it can; the one named has room: connect there
        // and join again (the same place), a few times at most, then watch HLS.
        if (error instanceof RequestError && error.code === 'STAGE_ELSEWHERE' && error.node && moves < MEDIA_MOVES && !this.#closed) {
          return this.#moveToNode(error.node, moves + 1);
        }
        if (!(error instanceof RequestError && (error.code === 'SEATS_FULL' || error.code === 'STAGE_ELSEWHERE'))) throw error;
        await this.#toHls(false, 'seatsFull');
        this.#setPhase('live');
        return;
      }
    }
    await this.#startMedia(media, joined.resumed);
    this.#setPhase('live');
  }

  /**
   * Joins; told STAGE_ELSEWHERE (several nodes: the session's stage is held by another one), connects
   * again naming that node and joins there, showing "connecting" meanwhile. A node that died still
   * holds its stage until its lease expires (seconds): the join is tried again, a little later each
   * time, and then reaches whichever node takes the stage.
   */
  async #joinWhereTheStageIs(input: StageJoinInput): Promise<StageJoinResult> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.#signalling.request('stage:join', input);
      } catch (error) {
        if (!(error instanceof RequestError && error.code === 'STAGE_ELSEWHERE' && error.node) || this.#closed || attempt >= REDIRECTS) throw error;
        this.#setPhase('connecting');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * 2 ** attempt)));
        this.#redirecting = true;
        try {
          await this.#signalling.moveTo(error.node);
        } finally {
          this.#redirecting = false;
        }
      }
    }
  }

  /** Builds (or heals) the Device, transports and consumers for a place on WebRTC. */
  async #startMedia(media: StageMedia, resumed: boolean): Promise<void> {
    if (!(await this.#media.open(media, { resumed, onStage: this.#role !== 'viewer' }))) {
      // Another viewer took the last seat between the hint and the transport: watch HLS instead.
      await this.#toHls(true, 'seatsFull');
      return;
    }
    this.#setMode('webrtc');
    await this.#sendPreferences();
    await this.#media.consumeAll();
    this.emit('recovering', false);
  }

  /** Quality and audio-only, when the viewer chose other than the defaults a new place starts with. */
  async #sendPreferences(): Promise<void> {
    if (this.#preferences.audioOnly || this.#preferences.quality !== 'auto') {
      await this.#signalling.request('viewer:preferences', this.#preferences);
    }
  }

  /** Watches HLS: the server lets the media (and the seat) go when it has any; nothing is built here. */
  async #toHls(release: boolean, reason?: 'seatsFull'): Promise<void> {
    this.#media.letGo();
    if (release) await this.#signalling.request('stage:watch', { mode: 'hls' });
    this.#setMode('hls', reason);
  }

  #setMode(mode: WatchMode, reason?: 'seatsFull'): void {
    if (mode === this.#mode && !reason) return;
    this.#mode = mode;
    this.emit('mode', reason ? { mode, reason } : { mode });
  }

  /**
   * The server re-created this place's router on a live worker after its worker died: set the media
   * up again there, without a new join (the place, the socket and the roster are unchanged).
   */
  async #moveMedia({ routerRtpCapabilities, producers }: { routerRtpCapabilities: RtpCapabilities; producers: ProducerInfo[] }): Promise<void> {
    if (this.#closed || this.#phase === 'ended' || !this.#joined || this.#options?.media === false || this.#mode === 'hls') return;
    this.emit('recovering', true);
    this.#setPhase('reconnecting');
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#media.rebuild({ routerRtpCapabilities, producers }, this.#role !== 'viewer');
        await this.#sendPreferences();
        await this.#media.consumeAll();
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
        try {
          const media = await this.#signalling.request('stage:watch', { mode: 'webrtc' });
          if (media.mode === 'webrtc') await this.#startMedia(media, false);
        } catch (error) {
          // Watching through another node: on stage is on the node holding the stage.
          if (!(error instanceof RequestError && error.code === 'STAGE_ELSEWHERE' && error.node)) throw error;
          await this.#moveToNode(error.node);
        }
      }).catch(() => undefined);
    }
    // The tracks are the page's: it lets its camera go when it sees the role change.
    if (role === 'viewer') this.#media.publisher.stepDown();
    this.emit('role', role);
  }

  /** Publishes a local track; video from the camera goes out in three simulcast layers. */
  async publish(track: MediaStreamTrack, source: MediaSource): Promise<ProducerId> {
    if (this.#role === 'viewer') throw new Error('viewers cannot publish');
    try {
      return await this.#media.publisher.publish(track, source);
    } catch (error) {
      // Brought on stage while watching through another node: publish on the node holding the stage.
      if (!(error instanceof RequestError && error.code === 'STAGE_ELSEWHERE' && error.node) || this.#closed) throw error;
      await this.#serial(() => this.#moveToNode(error.node!));
      // Setting the media up there published again what this page publishes, this track with it.
      return this.#media.publisher.producerOf(source) ?? this.#media.publisher.publish(track, source);
    }
  }

  /** Connects to another node (nginx's `?node=` route) and takes this place back there. */
  async #moveToNode(node: string, moves = 0): Promise<void> {
    this.#setPhase('connecting');
    this.#redirecting = true;
    try {
      await this.#signalling.moveTo(node);
    } finally {
      this.#redirecting = false;
    }
    await this.#connect(moves);
  }

  /** Switches a published source to another device's track without interrupting viewers. */
  replaceTrack(source: MediaSource, track: MediaStreamTrack): Promise<void> {
    return this.#media.publisher.replaceTrack(source, track);
  }

  /** A getStats sample of the published camera, for the uplink monitor. */
  sampleUplink(): Promise<UplinkSample | undefined> {
    return this.#media.publisher.sampleCamera();
  }

  /** Lowers or restores the published camera's layers for the uplink's quality. */
  adaptUplink(quality: UplinkQuality): Promise<void> {
    return this.#media.publisher.adaptCamera(quality);
  }

  unpublish(source: MediaSource): Promise<void> {
    return this.#media.publisher.unpublish(source);
  }

  setPaused(source: MediaSource, paused: boolean): Promise<void> {
    return this.#media.publisher.setPaused(source, paused);
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

  /** Another device took this host's place: media stops, and nothing joins again by itself. */
  #takenOver(): void {
    this.#teardownMedia();
    this.#setPhase('ended');
    this.emit('takenOver');
  }

  #teardownMedia(): void {
    this.#media.teardown();
  }

  #setPhase(phase: StagePhase): void {
    if (phase === this.#phase) return;
    this.#phase = phase;
    this.emit('phase', phase);
  }

  /** Inbound totals: what tests and the diagnostics read. */
  stats(): Promise<MediaStats> {
    return this.#media.stats();
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
    // Never stop the local tracks: they belong to whoever opened them (the studio re-publishes
    // the same camera on its next client after a media failure).
    this.#media.close();
  }
}
