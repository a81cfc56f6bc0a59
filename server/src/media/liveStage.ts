import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { PeerId } from '@chunfeng/shared/ids';
import type { Participant, RosterView, StageEndReason, StageRole } from '@chunfeng/shared/stage';
import { DomainError } from '../domain/errors';
import { ChatRoom } from '../domain/chat';
import { InteractiveSeats } from '../domain/interactiveSeats';
import { SessionModeration } from '../domain/moderation';
import { StageRoster } from '../domain/stageRoster';
import type { MediaPeer } from './mediaPeer';
import type { StageRoom } from './stageRoom';

export interface LiveStageEvents {
  rosterChanged: [RosterView];
  handsChanged: [Participant[]];
  roleChanged: [{ peerId: PeerId; role: StageRole }];
  spotlightChanged: [];
  /** A place was let go (left, its grace period over, released). */
  left: [PeerId];
  /** A second host login took the stage over: the connection of the host it let go, to be told. */
  hostDisplaced: [{ peerId: PeerId; connection: string }];
}

/**
 * One person's place in a live session. Its media (a MediaPeer on a router) exists only while the
 * person is on WebRTC: everyone on stage, and the viewers who switched to WebRTC. A viewer watching
 * HLS costs this object and its roster entry, nothing on the media server.
 */
export class Place {
  readonly id: PeerId;
  role: StageRole;
  media: MediaPeer | undefined;
  #closed = false;

  constructor({ id, role, media }: { id: PeerId; role: StageRole; media?: MediaPeer | undefined }) {
    this.id = id;
    this.role = role;
    this.media = media;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The person left: their media goes with them (the room closes it). */
  close(): void {
    this.#closed = true;
    this.media = undefined;
  }
}

interface Seat {
  place: Place;
  resumeKey: string;
  /** Set while the person's connection is gone; when it fires they lose their place. */
  graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** The connection that holds this place now; an older one dropping must not let it go. */
  connection: string | undefined;
  /** The role the place was taken with: a resume must ask for that role (and prove it again). */
  joinedAs: StageRole;
}

/**
 * A live session on this node: its media room, its roster, and each person's place, kept for a
 * grace period when a connection drops so a reconnecting phone gets the same place back.
 */
export class LiveStage extends EventEmitter<LiveStageEvents> {
  readonly room: StageRoom;
  readonly roster: StageRoster;
  readonly chat: ChatRoom;
  readonly #seats = new Map<PeerId, Seat>();
  /** The audience's WebRTC seats: taken when a viewer's receive transport is created. */
  readonly interactive: InteractiveSeats;
  /** The phone (device-token family) each viewer's interactive seat, reserved or taken, belongs to: one seat a phone. */
  readonly #seatPhones = new Map<PeerId, string>();
  /** Places switching to WebRTC: a second request waits for the first rather than placing twice. */
  readonly #upgrading = new Map<PeerId, Promise<MediaPeer>>();
  readonly #graceMs: number;
  /** Runs while nobody hosts the stage; when it fires the stage closes. */
  #hostless: ReturnType<typeof setTimeout> | undefined;
  #spotlight: { peerId: PeerId | undefined; followSpeaker: boolean } = { peerId: undefined, followSpeaker: false };
  #speaker: PeerId | undefined;
  /** Each place's chat author id (its device-token family), so a ban reaches the places it holds. */
  readonly #authors = new Map<PeerId, string>();
  #connectionsAtClose: string[] | undefined;

  /** The epoch of the session's stage lease this stage was opened under: what its writes are fenced with. */
  readonly epoch: number;

  constructor({ room, epoch = 0, graceMs = 15_000, maxCohosts = 6, interactiveSeats = Infinity, seatHoldMs = 8000, moderation = new SessionModeration({ sessionId: room.sessionId }) }: {
    room: StageRoom;
    epoch?: number;
    graceMs?: number;
    maxCohosts?: number;
    /** Viewers on WebRTC at once; everyone else watches HLS. */
    interactiveSeats?: number;
    /** How long a seat reserved by switching to WebRTC waits for the receive transport. */
    seatHoldMs?: number;
    /** The session's stored bans, mutes and slow mode, loaded when the stage opens. */
    moderation?: SessionModeration;
  }) {
    super();
    this.room = room;
    this.epoch = epoch;
    this.chat = new ChatRoom({ moderation });
    this.roster = new StageRoster({ maxCohosts });
    this.interactive = new InteractiveSeats({ limit: interactiveSeats, holdMs: seatHoldMs, onLapse: (peerId) => this.#lapsed(peerId) });
    this.#graceMs = graceMs;
    room.on('speakerChanged', (peerId) => {
      this.#speaker = peerId ?? undefined;
    });
    room.once('close', () => {
      clearTimeout(this.#hostless);
      this.interactive.close();
      this.#seatPhones.clear();
      this.#connectionsAtClose = this.connections();
      for (const seat of this.#seats.values()) {
        clearTimeout(seat.graceTimer);
        seat.place.close();
      }
      this.#seats.clear();
    });
  }

  get sessionId(): StageRoom['sessionId'] {
    return this.room.sessionId;
  }

  get closed(): boolean {
    return this.room.closed;
  }

  /** What this stage's writes about the session (status, pins) carry: refused once another node holds the stage. */
  get fence(): { sessionId: string; epoch: number } {
    return { sessionId: this.sessionId, epoch: this.epoch };
  }

  /** The connections holding a place now (once closed: those that held one as it closed). */
  connections(): string[] {
    return this.#connectionsAtClose ?? [...this.#seats.values()].flatMap((seat) => (seat.connection ? [seat.connection] : []));
  }

  /** The connection holding this person's place now, if it is connected. */
  connectionOf(peerId: PeerId): string | undefined {
    return this.#seats.get(peerId)?.connection;
  }

  /** A person's place, if they hold one here. */
  placeOf(peerId: PeerId): Place | undefined {
    return this.#seats.get(peerId)?.place;
  }

  /** Everyone on stage, and the session's viewers (those watching through other nodes hold places here too). */
  rosterView(): RosterView {
    return { onStage: this.roster.onStage(), viewerCount: this.roster.viewerCount };
  }

  async join({ role, displayName, connection }: {
    role: StageRole;
    displayName: string;
    connection: string;
  }): Promise<{ place: Place; resumeKey: string }> {
    const peerId = crypto.randomUUID() as PeerId;
    if (role === 'host') {
      // One host: a second host login (another device) takes over, the first is let go and told so.
      for (const p of this.roster.onStage()) {
        if (p.role !== 'host') continue;
        const displaced = this.#seats.get(p.peerId)?.connection;
        this.leave(p.peerId);
        if (displaced && displaced !== connection) this.emit('hostDisplaced', { peerId: p.peerId, connection: displaced });
      }
    }
    this.roster.add({ peerId, role, displayName });
    if (role === 'host') clearTimeout(this.#hostless);
    // The audience joins without media: a viewer is placed on a router only when they switch to WebRTC.
    let media: MediaPeer | undefined;
    try {
      if (role !== 'viewer') media = await this.room.addPeer({ peerId, role });
    } catch (error) {
      this.roster.remove(peerId);
      if (role === 'host') this.#watchForHost();
      throw error;
    }
    const place = new Place({ id: peerId, role, media });
    const resumeKey = crypto.randomBytes(24).toString('base64url');
    this.#seats.set(peerId, { place, resumeKey, graceTimer: undefined, connection, joinedAs: role });
    this.#rosterChanged();
    return { place, resumeKey };
  }

  /**
   * Puts a place on WebRTC: its MediaPeer is created (and placed on a router) now. A viewer reserves
   * an interactive seat (SEATS_FULL when none is free) and takes it with the receive transport. A
   * seat belongs to a phone (`phone`, its device-token family in this session): one a phone, none
   * without a token, so one client opening many connections cannot keep everyone else on HLS.
   */
  watchWebRtc(peerId: PeerId, { phone }: { phone: string | undefined }): Promise<MediaPeer> {
    const place = this.#place(peerId);
    if (place.media && !place.media.closed) return Promise.resolve(place.media);
    let upgrading = this.#upgrading.get(peerId);
    if (!upgrading) {
      // Reserved before anything is placed: no more viewers hold media on a router than there are seats.
      if (place.role === 'viewer') {
        if (phone === undefined) throw new DomainError('SEATS_FULL', 'an interactive seat needs this phone\'s device token; watch over HLS or reload the page');
        this.#freeSeatOf(phone, peerId);
        this.interactive.reserve(peerId);
        this.#seatPhones.set(peerId, phone);
      }
      upgrading = (async () => {
        let media: MediaPeer;
        try {
          media = await this.room.addPeer({ peerId, role: place.role });
        } catch (error) {
          this.#releaseSeat(peerId);
          throw error;
        }
        // Left (or the stage closed) while the router was being chosen: nothing may stay behind.
        if (place.closed || this.#seats.get(peerId)?.place !== place) {
          this.room.removePeer(peerId);
          throw new DomainError('NOT_JOINED', 'not in this session any more');
        }
        if (place.role === 'viewer' && !this.interactive.reserved(peerId) && !this.interactive.has(peerId)) {
          this.room.removePeer(peerId);
          throw new DomainError('SEATS_FULL', 'the seat kept for you lapsed; watch over HLS or switch again');
        }
        place.media = media;
        return media;
      })().finally(() => this.#upgrading.delete(peerId));
      this.#upgrading.set(peerId, upgrading);
    }
    return upgrading;
  }

  /**
   * The seat `phone` holds through another place: a place whose connection dropped gives it up (the
   * phone came back without its resume key, e.g. a reload); one still connected keeps it (SEATS_FULL).
   */
  #freeSeatOf(phone: string, peerId: PeerId): void {
    for (const [other, owner] of this.#seatPhones) {
      if (owner !== phone || other === peerId) continue;
      const seat = this.#seats.get(other);
      if (seat?.connection !== undefined) throw new DomainError('SEATS_FULL', 'this phone already watches over WebRTC on another connection');
      if (seat) this.#dropMedia(seat.place);
      else this.#releaseSeat(other);
    }
  }

  /**
   * A viewer watching through another node takes an interactive seat here, where the session's seats
   * are counted; its media is on that node. One seat a phone, as for a viewer here.
   */
  seatElsewhere(peerId: PeerId, phone: string): void {
    const place = this.#place(peerId);
    if (place.role !== 'viewer') throw new DomainError('CONFLICT', 'people on stage publish to the node holding the stage');
    if (this.interactive.has(peerId)) return;
    this.#freeSeatOf(phone, peerId);
    this.interactive.take(peerId);
    this.#seatPhones.set(peerId, phone);
  }

  #releaseSeat(peerId: PeerId): void {
    this.#seatPhones.delete(peerId);
    this.interactive.release(peerId);
  }

  /** Takes a viewer off WebRTC (to watch HLS): their media closes and their seat is free at once. */
  watchHls(peerId: PeerId): void {
    const place = this.#place(peerId);
    if (place.role !== 'viewer') throw new DomainError('CONFLICT', 'people on stage stay on WebRTC');
    this.#dropMedia(place);
  }

  /** A viewer's receive transport is about to be created: it takes an interactive seat, or is refused. */
  takeSeat(peerId: PeerId): void {
    if (this.#place(peerId).role === 'viewer') this.interactive.take(peerId);
  }

  /**
   * A viewer whose kept seat lapsed before their receive transport was asked for is told so
   * (SEATS_FULL: they watch HLS, or switch again), not that they never switched.
   */
  assertSeatNotLapsed(peerId: PeerId): void {
    if (this.#place(peerId).role === 'viewer' && this.interactive.lapsed(peerId)) {
      throw new DomainError('SEATS_FULL', 'the seat kept for you lapsed; watch over HLS or switch again');
    }
  }

  /** A viewer consumes only from an interactive seat. */
  assertSeated(peerId: PeerId): void {
    if (this.#place(peerId).role === 'viewer' && !this.interactive.has(peerId)) {
      throw new DomainError('SEATS_FULL', 'no interactive seat is held; create the receive transport first');
    }
  }

  /** A reservation lapsed: the viewer's media leaves its router, so nobody holds media without a seat. */
  #lapsed(peerId: PeerId): void {
    const place = this.#seats.get(peerId)?.place;
    if (!this.interactive.has(peerId)) this.#seatPhones.delete(peerId);
    if (!place || place.closed || place.role !== 'viewer' || this.interactive.has(peerId)) return;
    if (place.media) this.room.removePeer(peerId);
    place.media = undefined;
  }

  #dropMedia(place: Place): void {
    this.#releaseSeat(place.id);
    if (place.media) this.room.removePeer(place.id);
    place.media = undefined;
  }

  /**
   * Takes back a place whose connection dropped, if the key matches and the grace period holds. The
   * role asked for must be the one the place was taken with: a resume never changes role.
   */
  resume(peerId: PeerId, key: string, connection: string, role: StageRole): { place: Place; resumeKey: string } | undefined {
    const seat = this.#seats.get(peerId);
    if (!seat || seat.place.closed) return undefined;
    const a = Buffer.from(seat.resumeKey);
    const b = Buffer.from(key);
    if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return undefined;
    if (seat.joinedAs !== role) throw new DomainError('FORBIDDEN', 'a resumed place keeps the role it was taken with');
    clearTimeout(seat.graceTimer);
    seat.graceTimer = undefined;
    seat.connection = connection;
    if (this.roster.setAway(peerId, false) && this.roster.get(peerId).role !== 'viewer') this.#rosterChanged();
    return { place: seat.place, resumeKey: seat.resumeKey };
  }

  /** The connection dropped: keep the place (and the media) for the grace period. */
  detach(peerId: PeerId, connection: string): void {
    const seat = this.#seats.get(peerId);
    if (!seat || seat.connection !== connection) return;
    seat.connection = undefined;
    // Everyone sees who on stage is away (the host's picture frozen is a network, not the end).
    if (this.roster.setAway(peerId, true) && this.roster.get(peerId).role !== 'viewer') this.#rosterChanged();
    clearTimeout(seat.graceTimer);
    seat.graceTimer = setTimeout(() => {
      const wasHost = this.leave(peerId);
      // The host had their grace period already: nobody is on air for the session any more.
      if (wasHost && !this.#hasHost()) this.room.close('host-left');
    }, this.#graceMs);
  }

  /** The connection was closed because its credential was withdrawn: the place goes now, no grace. */
  release(peerId: PeerId, connection: string): void {
    if (this.#seats.get(peerId)?.connection === connection) this.leave(peerId);
  }

  /** Lets the person's place go; says whether they were the host. */
  leave(peerId: PeerId): boolean {
    const seat = this.#seats.get(peerId);
    if (!seat) return false;
    clearTimeout(seat.graceTimer);
    this.#seats.delete(peerId);
    this.#authors.delete(peerId);
    const participant = this.roster.remove(peerId);
    this.#dropMedia(seat.place);
    seat.place.close();
    this.#rosterChanged();
    if (participant?.handRaised) this.emit('handsChanged', this.roster.hands());
    this.emit('left', peerId);
    const wasHost = participant?.role === 'host';
    if (wasHost) this.#watchForHost();
    return wasHost;
  }

  raiseHand(peerId: PeerId, raised: boolean): void {
    if (this.roster.raiseHand(peerId, raised)) this.emit('handsChanged', this.roster.hands());
  }

  identify(peerId: PeerId, authorId: string): void {
    if (this.#seats.has(peerId)) this.#authors.set(peerId, authorId);
  }

  /**
   * A phone (`authorId`, its device-token family) coming back as a viewer without its resume key, as
   * after a reload: the viewer places it holds through dropped connections are let go now, not when
   * their grace ends, so the audience counts it once. A place still connected (another tab) stays.
   */
  releaseAwayViewers(authorId: string): void {
    const away = [...this.#authors]
      .filter(([, author]) => author === authorId)
      .map(([peerId]) => peerId)
      .filter((peerId) => {
        const seat = this.#seats.get(peerId);
        return seat !== undefined && seat.connection === undefined && seat.place.role === 'viewer';
      });
    for (const peerId of away) this.leave(peerId);
  }

  /** A banned author's raised hands come down (the host's list of hands forgets them). */
  lowerHandsOf(authorId: string): void {
    let lowered = false;
    for (const [peerId, author] of this.#authors) {
      const participant = author === authorId && this.roster.has(peerId) ? this.roster.get(peerId) : undefined;
      if (participant?.role !== 'viewer' || !participant.handRaised) continue;
      this.roster.raiseHand(peerId, false);
      lowered = true;
    }
    if (lowered) this.emit('handsChanged', this.roster.hands());
  }

  promote(by: PeerId, peerId: PeerId): void {
    this.roster.promote(by, peerId);
    const place = this.#place(peerId);
    place.role = 'cohost';
    if (place.media) place.media.role = 'cohost';
    // On stage nobody needs an audience seat: it goes to the next viewer.
    this.#releaseSeat(peerId);
    this.emit('roleChanged', { peerId, role: 'cohost' });
    this.emit('handsChanged', this.roster.hands());
    this.#rosterChanged();
  }

  /** The host takes someone off the stage: their media stops for everyone at once. */
  removeFromStage(by: PeerId, peerId: PeerId): void {
    this.roster.demote(by, peerId);
    const place = this.#place(peerId);
    place.role = 'viewer';
    if (place.media) {
      place.media.role = 'viewer';
      place.media.closeProducers();
      // Their receive side keeps playing: back in the audience, they keep a seat even past the limit.
      this.interactive.take(peerId, { force: true });
    }
    this.emit('roleChanged', { peerId, role: 'viewer' });
    this.#rosterChanged();
  }

  end(by: PeerId, reason: StageEndReason = 'ended-by-host'): void {
    this.roster.assertHost(by);
    this.room.close(reason);
  }

  /** Whose video the program feed shows: the chosen person, the active speaker, or the host. */
  spotlight(): PeerId | undefined {
    if (this.#spotlight.followSpeaker && this.#speaker) return this.#speaker;
    return this.#spotlight.peerId ?? this.roster.onStage().find((p) => p.role === 'host')?.peerId;
  }

  setSpotlight(by: PeerId, { peerId, followSpeaker }: { peerId?: PeerId | undefined; followSpeaker: boolean }): void {
    this.roster.assertHost(by);
    if (peerId && this.roster.get(peerId).role === 'viewer') throw new DomainError('CONFLICT', 'only people on stage can be in the spotlight');
    this.#spotlight = { peerId, followSpeaker };
    this.emit('spotlightChanged');
  }

  #place(peerId: PeerId): Place {
    const place = this.#seats.get(peerId)?.place;
    if (!place) throw new DomainError('NOT_FOUND', 'that person is not in this session');
    return place;
  }

  #hasHost(): boolean {
    return this.roster.onStage().some((p) => p.role === 'host');
  }

  /**
   * A stage nobody hosts would stay open for ever, and its session would look live: give a host
   * (the same person back, or another device) the grace period to take it, then close it.
   */
  #watchForHost(): void {
    if (this.room.closed || this.#hasHost()) return;
    clearTimeout(this.#hostless);
    this.#hostless = setTimeout(() => {
      if (!this.#hasHost()) this.room.close('host-left');
    }, this.#graceMs);
  }

  #rosterChanged(): void {
    if (!this.room.closed) this.emit('rosterChanged', this.rosterView());
  }
}
