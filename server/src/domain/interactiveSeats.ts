import type { PeerId } from '@chunfeng/shared/ids';
import { DomainError } from './errors';

/**
 * The interactive (WebRTC) seats of one session's audience. A viewer takes one when their receive
 * transport is created and gives it back when they leave or switch to HLS; everyone past the limit
 * watches HLS. People on stage never need one.
 */
export class InteractiveSeats {
  readonly #limit: number;
  readonly #held = new Set<PeerId>();

  constructor({ limit = Infinity }: { limit?: number } = {}) {
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit;
  }

  get taken(): number {
    return this.#held.size;
  }

  /** Whether a viewer without a seat could take one right now. */
  get free(): boolean {
    return this.#held.size < this.#limit;
  }

  has(peerId: PeerId): boolean {
    return this.#held.has(peerId);
  }

  /**
   * Takes a seat for `peerId` (holding one already is fine). `force` seats someone the host took off
   * the stage, whose media is already flowing: the host's decision is not refused for want of a seat.
   */
  take(peerId: PeerId, { force = false }: { force?: boolean } = {}): void {
    if (this.#held.has(peerId)) return;
    if (!force && !this.free) throw new DomainError('SEATS_FULL', 'every interactive seat is taken; watch over HLS');
    this.#held.add(peerId);
  }

  /** Gives the seat back; says whether it held one. */
  release(peerId: PeerId): boolean {
    return this.#held.delete(peerId);
  }
}
