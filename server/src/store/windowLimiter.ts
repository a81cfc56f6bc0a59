import type { Budget, RateLimiter } from '../domain/rateLimiter';

/** 64-bit fingerprint of a key as two 32-bit halves (multiply-xorshift mixing of its UTF-16 units). */
function fingerprint(key: string): [number, number] {
  let a = 0x9e3779b9;
  let b = 0x85ebca6b;
  for (let i = 0; i < key.length; i += 1) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x2c1b3c6d);
    b = Math.imul(b ^ c, 0x297a2d39);
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b) ^ Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  b = Math.imul(b ^ (b >>> 16), 0x85ebca6b) ^ Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  // 0 marks an empty slot.
  return [a >>> 0, (b >>> 0) || 1];
}

/**
 * An open-addressing table of windows in one buffer, a slot of 24 bytes per key (fingerprint, count,
 * closing time) so a lookup touches one cache line: no object per key for the collector to move.
 */
class WindowTable {
  size = 0;
  #capacity = 0;
  #words!: Uint32Array;
  #times!: Float64Array;

  constructor(capacity = 1024) {
    this.#allocate(capacity);
  }

  #allocate(capacity: number): void {
    const buffer = new ArrayBuffer(capacity * 24);
    this.#capacity = capacity;
    this.#words = new Uint32Array(buffer);
    this.#times = new Float64Array(buffer);
  }

  /** The slot holding the key, or -1. */
  find(hi: number, lo: number): number {
    const mask = this.#capacity - 1;
    const words = this.#words;
    for (let i = hi & mask; ; i = (i + 1) & mask) {
      const at = i * 6;
      if (words[at + 1] === 0) return -1;
      if (words[at + 1] === lo && words[at] === hi) return i;
    }
  }

  /** A new slot for a key not in the table, its window open until `closesAt`. */
  insert(hi: number, lo: number, closesAt: number, count = 0): number {
    if ((this.size + 1) * 2 > this.#capacity) this.#grow();
    const mask = this.#capacity - 1;
    let i = hi & mask;
    while (this.#words[i * 6 + 1] !== 0) i = (i + 1) & mask;
    this.#words[i * 6] = hi;
    this.#words[i * 6 + 1] = lo;
    this.#words[i * 6 + 2] = count;
    this.#times[i * 3 + 2] = closesAt;
    this.size += 1;
    return i;
  }

  /** Counts one more action in the slot (saturating); returns the new count. */
  increment(slot: number): number {
    const count = Math.min(this.#words[slot * 6 + 2]! + 1, 0xffffffff);
    this.#words[slot * 6 + 2] = count;
    return count;
  }

  closesAt(slot: number): number {
    return this.#times[slot * 3 + 2]!;
  }

  clear(): void {
    if (this.size === 0) return;
    this.#words.fill(0);
    this.size = 0;
  }

  #grow(): void {
    const [words, times, capacity] = [this.#words, this.#times, this.#capacity];
    this.#allocate(capacity * 2);
    this.size = 0;
    for (let j = 0; j < capacity; j += 1) {
      if (words[j * 6 + 1] !== 0) this.insert(words[j * 6]!, words[j * 6 + 1]!, times[j * 3 + 2]!, words[j * 6 + 2]);
    }
  }
}

/**
 * Fixed windows per key, counted in this process, with the answers of rate-limiter-flexible's memory
 * limiter (a key's window opens at its first action) but not its per-key cost: no timer and no
 * object per key, nothing allocated per refusal, and a take never scans. Keys are kept by a 64-bit
 * fingerprint (two keys sharing one is a chance of about n²/2⁶⁵: 3·10⁻¹⁰ for 100,000 phones) in two
 * generations of one window each; every key of the older generation has expired by the time it is
 * dropped whole.
 */
export class WindowLimiter implements RateLimiter {
  readonly #points: number;
  readonly #windowMs: number;
  readonly #clock: () => number;
  readonly #epoch: number;
  #current = new WindowTable();
  #previous = new WindowTable();
  /** When the current generation ends (ms after the epoch). */
  #rotateAt: number;

  constructor({ points, seconds, clock = Date.now }: Budget & { clock?: () => number }) {
    this.#points = points;
    this.#windowMs = seconds * 1000;
    this.#clock = clock;
    this.#epoch = clock();
    this.#rotateAt = this.#windowMs;
  }

  /** Keys held (the current and the previous generation), expired or not. */
  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  take(key: string): Promise<number> {
    return Promise.resolve(this.takeNow(key));
  }

  /** take() without the promise: 0 when allowed, else the milliseconds until the key's window closes. */
  takeNow(key: string): number {
    const now = this.#clock() - this.#epoch;
    if (now >= this.#rotateAt) this.#rotate(now);
    const [hi, lo] = fingerprint(key);
    // A key of the current generation opened its window in it: still open.
    let table = this.#current;
    let slot = table.find(hi, lo);
    if (slot < 0) {
      const older = this.#previous.find(hi, lo);
      if (older >= 0 && this.#previous.closesAt(older) > now) {
        table = this.#previous;
        slot = older;
      } else {
        slot = table.insert(hi, lo, now + this.#windowMs);
      }
    }
    return table.increment(slot) <= this.#points ? 0 : table.closesAt(slot) - now;
  }

  // Keys of the generation being dropped opened their windows before the current generation began,
  // so every one has closed by now.
  #rotate(now: number): void {
    const spare = this.#previous;
    spare.clear();
    if (now >= this.#rotateAt + this.#windowMs) this.#current.clear();
    this.#previous = this.#current;
    this.#current = spare;
    this.#rotateAt = now + this.#windowMs;
  }
}
