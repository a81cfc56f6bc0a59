import type { PinEvent } from '@chunfeng/shared/recruitment';
import { DomainError } from './errors';

export type PinKind = PinEvent['kind'];

/**
 * What a live session has pinned: at most one vacancy and one policy card at a time. Every pin and
 * unpin is kept with its time, for replay chapters and statistics.
 */
export class PinBoard {
  readonly #sessionId: string;
  readonly #history: PinEvent[];

  constructor(sessionId: string, history: PinEvent[] = []) {
    this.#sessionId = sessionId;
    this.#history = history.map((e) => ({ ...e }));
  }

  current(kind: PinKind): PinEvent | undefined {
    return this.#history.findLast((e) => e.kind === kind && e.unpinnedAt === null);
  }

  /** Pins an item, unpinning whatever of that kind was pinned. Returns the events to persist. */
  pin(kind: PinKind, itemId: string, at: string): { unpinned: PinEvent | undefined; pinned: PinEvent } {
    const previous = this.current(kind);
    if (previous?.itemId === itemId) return { unpinned: undefined, pinned: previous };
    const unpinned = previous ? this.#close(previous, at) : undefined;
    const pinned: PinEvent = { sessionId: this.#sessionId, kind, itemId, pinnedAt: at, unpinnedAt: null };
    this.#history.push(pinned);
    return { unpinned, pinned };
  }

  unpin(kind: PinKind, at: string): PinEvent {
    const previous = this.current(kind);
    if (!previous) throw new DomainError('CONFLICT', `no ${kind} is pinned`);
    return this.#close(previous, at);
  }

  /** Closes every open pin (the session ended). */
  unpinAll(at: string): PinEvent[] {
    return this.#history.filter((e) => e.unpinnedAt === null).map((e) => this.#close(e, at));
  }

  history(): PinEvent[] {
    return this.#history.map((e) => ({ ...e }));
  }

  #close(event: PinEvent, at: string): PinEvent {
    event.unpinnedAt = at;
    return { ...event };
  }
}
