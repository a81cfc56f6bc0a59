import type { PeerId } from '@chunfeng/shared/ids';
import { DomainError } from './errors';

/**
 * The interactive (WebRTC) seats of one session's audience. A viewer switching to WebRTC reserves
 * one (so no more viewers hold media on a router than there are seats), takes it when their receive
 * transport is created, and gives it back when they leave or switch to HLS; everyone past the limit
 * watches HLS. A reservation not taken within `holdMs` lapses (`onLapse` is told), so sockets that
 * switch and never create a transport cannot keep everyone else on HLS. People on stage never need one.
 */
export class InteractiveSeats {
  readonly #limit: number;
  readonly #holdMs: number;
  readonly #onLapse: (peerId: PeerId) => void;
  readonly #held = new Set<PeerId>();
  /** Each reservation and the timer that lets it lapse. */
  readonly #reserved = new Map<PeerId, ReturnType<typeof setTimeout>>();
  /** Viewers whose reservation lapsed, until they reserve again or leave. */
  readonly #lapsed = new Set<PeerId>();

  constructor({ limit = Infinity, holdMs = 8000, onLapse = () => undefined }: {
    limit?: number;
    /** How long a reservation waits for take(). */
    holdMs?: number;
    onLapse?: (peerId: PeerId) => void;
  } = {}) {
    this.#limit = limit;
    this.#holdMs = holdMs;
    this.#onLapse = onLapse;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Seats taken by a receive transport. */
  get taken(): number {
    return this.#held.size;
  }

  /** Whether a viewer without a seat could have one right now. */
  get free(): boolean {
    return this.#held.size + this.#reserved.size < this.#limit;
  }

  has(peerId: PeerId): boolean {
    return this.#held.has(peerId);
  }

  /** Whether a seat is kept for `peerId` (reserved, not yet taken). */
  reserved(peerId: PeerId): boolean {
    return this.#reserved.has(peerId);
  }

  /** Whether `peerId`'s last reservation lapsed before it was taken. */
  lapsed(peerId: PeerId): boolean {
    return this.#lapsed.has(peerId);
  }

  /** Keeps a seat for a viewer switching to WebRTC for `holdMs`, or refuses with SEATS_FULL. */
  reserve(peerId: PeerId): void {
    if (this.#held.has(peerId) || this.#reserved.has(peerId)) return;
    if (!this.free) throw new DomainError('SEATS_FULL', 'every interactive seat is taken; watch over HLS');
    this.#lapsed.delete(peerId);
    const timer = setTimeout(() => {
      this.#reserved.delete(peerId);
      this.#lapsed.add(peerId);
      this.#onLapse(peerId);
    }, this.#holdMs);
    timer.unref();
    this.#reserved.set(peerId, timer);
  }

  /**
   * Takes a seat for `peerId`: the one reserved for them, else a free one, else SEATS_FULL (holding
   * one already is fine). `force` seats someone the host took off the stage, whose media is already
   * flowing: the host's decision is not refused for want of a seat.
   */
  take(peerId: PeerId, { force = false }: { force?: boolean } = {}): void {
    if (this.#held.has(peerId)) return;
    if (!this.#unreserve(peerId) && !force && !this.free) {
      throw new DomainError('SEATS_FULL', 'every interactive seat is taken; watch over HLS');
    }
    this.#lapsed.delete(peerId);
    this.#held.add(peerId);
  }

  /** Gives the seat (or the reservation) back; says whether it held one. */
  release(peerId: PeerId): boolean {
    this.#lapsed.delete(peerId);
    const reserved = this.#unreserve(peerId);
    return this.#held.delete(peerId) || reserved;
  }

  /** Lets every reservation go without telling anyone (the stage closed). */
  close(): void {
    for (const timer of this.#reserved.values()) clearTimeout(timer);
    this.#reserved.clear();
    this.#lapsed.clear();
  }

  #unreserve(peerId: PeerId): boolean {
    const timer = this.#reserved.get(peerId);
    if (timer === undefined) return false;
    clearTimeout(timer);
    return this.#reserved.delete(peerId);
  }
}
