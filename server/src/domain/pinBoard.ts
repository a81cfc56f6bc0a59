import type { PinEvent } from '@chunfeng/shared/recruitment';
import { DomainError } from './errors';

export type PinKind = PinEvent['kind'];

/** One change to a pin board: the records to persist (written together) and the board's new sequence number. */
export interface PinChange {
  /** The pin closed by this change, if any (the previous item of that kind, or the one unpinned). */
  unpinned: PinEvent | undefined;
  /** The pin opened by this change, if any. */
  pinned: PinEvent | undefined;
  seq: number;
}

/**
 * What a live session has pinned: at most one vacancy and one policy card at a time. Every pin and
 * unpin is kept with its time, for replay chapters and statistics. Every change raises the board's
 * sequence number, which is derived from the history (a pin and an unpin count one each), so it
 * keeps rising across a restart and clients can tell a stale event from a new one.
 */
export class PinBoard {
  readonly #sessionId: string;
  readonly #history: PinEvent[];
  #seq: number;

  constructor(sessionId: string, history: PinEvent[] = []) {
    this.#sessionId = sessionId;
    this.#history = history.map((e) => ({ ...e }));
    this.#seq = this.#history.reduce((n, e) => n + (e.unpinnedAt === null ? 1 : 2), 0);
  }

  /** The sequence number of the latest change (0 before any). */
  get seq(): number {
    return this.#seq;
  }

  current(kind: PinKind): PinEvent | undefined {
    return this.#history.findLast((e) => e.kind === kind && e.unpinnedAt === null);
  }

  /**
   * Pins an item, unpinning whatever of that kind was pinned: one change. Pinning what is pinned
   * already changes nothing (no records, the same sequence number).
   */
  pin(kind: PinKind, itemId: string, now: string): PinChange {
    const previous = this.current(kind);
    if (previous?.itemId === itemId) return { unpinned: undefined, pinned: undefined, seq: this.#seq };
    // A pin is stored under its time: two clicks in the same millisecond must not share one.
    const last = this.#history.findLast((e) => e.kind === kind)?.pinnedAt;
    const at = last !== undefined && now <= last ? new Date(Date.parse(last) + 1).toISOString() : now;
    const unpinned = previous ? this.#close(previous, at) : undefined;
    const pinned: PinEvent = { sessionId: this.#sessionId, kind, itemId, pinnedAt: at, unpinnedAt: null };
    this.#history.push(pinned);
    this.#seq += 1;
    return { unpinned, pinned: { ...pinned }, seq: this.#seq };
  }

  unpin(kind: PinKind, at: string): PinChange {
    const previous = this.current(kind);
    if (!previous) throw new DomainError('CONFLICT', `no ${kind} is pinned`);
    return { unpinned: this.#close(previous, at), pinned: undefined, seq: this.#seq };
  }

  /** Closes every open pin (the session ended): one change per kind that was pinned. */
  unpinAll(at: string): PinChange[] {
    return this.#history.filter((e) => e.unpinnedAt === null).map((e) => ({ unpinned: this.#close(e, at), pinned: undefined, seq: this.#seq }));
  }

  history(): PinEvent[] {
    return this.#history.map((e) => ({ ...e }));
  }

  #close(event: PinEvent, at: string): PinEvent {
    event.unpinnedAt = at;
    this.#seq += 1;
    return { ...event };
  }
}
