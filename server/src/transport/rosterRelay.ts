import type { RosterView } from '@chunfeng/shared/stage';

/** Who is on stage changed: sent at most this often (the first change at once). */
export const ROSTER_INTERVAL_MS = 1000;
/** Only the number of viewers changed: a crowd arriving moves it every moment, nobody needs it every second. */
export const VIEWER_COUNT_INTERVAL_MS = 5000;

/**
 * Sends a stage's roster to its audience, merged: a change of who is on stage goes out at once or
 * within ROSTER_INTERVAL_MS of the last send; a change of the viewer count alone waits up to
 * VIEWER_COUNT_INTERVAL_MS and rides along with any earlier send. Every send reads the latest roster,
 * and no change is left unsent while the relay is open.
 */
export class RosterRelay {
  readonly #read: () => RosterView;
  readonly #send: (view: RosterView) => void;
  #sentOnStage = '';
  #sentCount = -1;
  #lastSent = -Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #due = Infinity;
  #closed = false;

  constructor({ read, send }: { read: () => RosterView; send: (view: RosterView) => void }) {
    this.#read = read;
    this.#send = send;
  }

  changed(view: RosterView): void {
    if (this.#closed) return;
    const onStageMoved = JSON.stringify(view.onStage) !== this.#sentOnStage;
    if (!onStageMoved && view.viewerCount === this.#sentCount) return;
    const due = this.#lastSent + (onStageMoved ? ROSTER_INTERVAL_MS : VIEWER_COUNT_INTERVAL_MS);
    // Already going out as soon or sooner: the send then reads the latest roster.
    if (this.#timer && this.#due <= due) return;
    clearTimeout(this.#timer);
    this.#due = due;
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, due - Date.now()));
  }

  #flush(): void {
    this.#timer = undefined;
    this.#due = Infinity;
    if (this.#closed) return;
    const view = this.#read();
    this.#sentOnStage = JSON.stringify(view.onStage);
    this.#sentCount = view.viewerCount;
    this.#lastSent = Date.now();
    this.#send(view);
  }

  /** Drops whatever is pending; later changes are ignored. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
