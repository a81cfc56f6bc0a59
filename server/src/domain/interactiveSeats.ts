import type { PeerId } from '@chunfeng/shared/ids';
import { DomainError } from './errors';

/**
 * The interactive (WebRTC) seats of one session's audience. A viewer switching to WebRTC reserves
 * one (so no more viewers hold media on a router than there are seats), takes it when their receive
 * transport is created, and gives it back when they leave or switch to HLS; everyone past the limit
 * watches HLS. People on stage never need one.
 */
export class InteractiveSeats {
  readonly #limit: number;
  readonly #held = new Set<PeerId>();
  readonly #reserved = new Set<PeerId>();

  constructor({ limit = Infinity }: { limit?: number } = {}) {
    this.#limit = limit;
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

  /** Keeps a seat for a viewer switching to WebRTC, or refuses with SEATS_FULL. */
  reserve(peerId: PeerId): void {
    if (this.#held.has(peerId) || this.#reserved.has(peerId)) return;
    if (!this.free) throw new DomainError('SEATS_FULL', 'every interactive seat is taken; watch over HLS');
    this.#reserved.add(peerId);
  }

  /**
   * Takes a seat for `peerId`: the one reserved for them, else a free one, else SEATS_FULL (holding
   * one already is fine). `force` seats someone the host took off the stage, whose media is already
   * flowing: the host's decision is not refused for want of a seat.
   */
  take(peerId: PeerId, { force = false }: { force?: boolean } = {}): void {
    if (this.#held.has(peerId)) return;
    if (!this.#reserved.delete(peerId) && !force && !this.free) {
      throw new DomainError('SEATS_FULL', 'every interactive seat is taken; watch over HLS');
    }
    this.#held.add(peerId);
  }

  /** Gives the seat (or the reservation) back; says whether it held one. */
  release(peerId: PeerId): boolean {
    const reserved = this.#reserved.delete(peerId);
    return this.#held.delete(peerId) || reserved;
  }
}
