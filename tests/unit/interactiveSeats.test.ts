import { describe, expect, test, vi } from 'vitest';
import type { PeerId } from '@chunfeng/shared/ids';
import { DomainError } from '../../server/src/domain/errors';
import { InteractiveSeats } from '../../server/src/domain/interactiveSeats';

const id = (n: number): PeerId => `peer-${n}` as PeerId;

describe('interactive seats', () => {
  test('take() past the limit throws SEATS_FULL; holding a seat already is not a second one', () => {
    const seats = new InteractiveSeats({ limit: 2 });
    seats.take(id(1));
    seats.take(id(1));
    seats.take(id(2));
    expect(seats.taken).toBe(2);
    expect(seats.free).toBe(false);
    expect(() => seats.take(id(3))).toThrow(DomainError);
    try {
      seats.take(id(3));
    } catch (error) {
      expect((error as DomainError).code).toBe('SEATS_FULL');
    }
    expect(seats.has(id(3))).toBe(false);
  });

  test('release() frees the seat for the next viewer and says whether one was held', () => {
    const seats = new InteractiveSeats({ limit: 1 });
    seats.take(id(1));
    expect(seats.release(id(2))).toBe(false);
    expect(seats.release(id(1))).toBe(true);
    expect(seats.free).toBe(true);
    seats.take(id(2));
    expect(seats.has(id(2))).toBe(true);
  });

  test('a reservation counts against the limit and becomes the seat at take(), even when none is free', () => {
    const seats = new InteractiveSeats({ limit: 1 });
    seats.reserve(id(1));
    expect(seats.free).toBe(false);
    expect(seats.taken).toBe(0);
    expect(() => seats.reserve(id(2))).toThrow(/taken/);
    expect(() => seats.take(id(2))).toThrow(/taken/);
    seats.take(id(1));
    expect(seats.has(id(1))).toBe(true);
    expect(seats.taken).toBe(1);
    expect(seats.release(id(1))).toBe(true);
    seats.reserve(id(2));
    expect(seats.release(id(2))).toBe(true);
    expect(seats.free).toBe(true);
  });

  test('a reservation not taken within holdMs lapses: the seat is free, onLapse is told, lapsed() says so until the next reserve', () => {
    vi.useFakeTimers();
    try {
      const lapsed: PeerId[] = [];
      const seats = new InteractiveSeats({ limit: 1, holdMs: 3000, onLapse: (peerId) => lapsed.push(peerId) });
      seats.reserve(id(1));
      vi.advanceTimersByTime(2999);
      expect(seats.free).toBe(false);
      vi.advanceTimersByTime(1);
      expect(lapsed).toEqual([id(1)]);
      expect(seats.free).toBe(true);
      expect(seats.reserved(id(1))).toBe(false);
      expect(seats.lapsed(id(1))).toBe(true);
      seats.reserve(id(1));
      expect(seats.lapsed(id(1))).toBe(false);
      // Taken in time, it never lapses.
      seats.take(id(1));
      vi.advanceTimersByTime(10_000);
      expect(lapsed).toEqual([id(1)]);
      expect(seats.has(id(1))).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  test('force seats someone past the limit (a co-host the host took off the stage)', () => {
    const seats = new InteractiveSeats({ limit: 0 });
    expect(seats.free).toBe(false);
    seats.take(id(1), { force: true });
    expect(seats.taken).toBe(1);
  });

  test('without a limit every viewer gets a seat', () => {
    const seats = new InteractiveSeats();
    for (let n = 0; n < 1000; n += 1) seats.take(id(n));
    expect(seats.free).toBe(true);
  });
});
