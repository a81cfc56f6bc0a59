/**
 * Turns a stream of "something changed" into at most one send per interval: the first change goes
 * out at once, changes during the interval are merged into one trailing send (the sender reads the
 * latest state then), and no change is ever left unsent while the coalescer is open.
 */
export class Coalescer {
  readonly #intervalMs: number;
  readonly #send: () => void;
  #lastSent = -Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pending = false;
  #closed = false;

  constructor({ send, intervalMs = 1000 }: { send: () => void; intervalMs?: number }) {
    this.#send = send;
    this.#intervalMs = intervalMs;
  }

  changed(): void {
    if (this.#closed) return;
    this.#pending = true;
    if (this.#timer) return;
    const wait = this.#lastSent + this.#intervalMs - Date.now();
    if (wait <= 0) this.#flush();
    else this.#timer = setTimeout(() => this.#flush(), wait);
  }

  #flush(): void {
    this.#timer = undefined;
    if (!this.#pending || this.#closed) return;
    this.#pending = false;
    this.#lastSent = Date.now();
    this.#send();
  }

  /** Drops whatever is pending; later changes are ignored. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
