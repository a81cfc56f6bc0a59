/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable across the processes of one
 * machine: each process's `performance.timeOrigin` is taken from the same system clock.
 */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** How far another process's wallNow() is ahead of this one's, measured over a round trip. */
export async function clockOffset(ask: () => Promise<number>, rounds = 5): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < rounds; i += 1) {
    const sent = wallNow();
    const theirs = await ask();
    const back = wallNow();
    // The reply with the shortest round trip bounds the error best.
    if (back - sent < best.rtt) best = { rtt: back - sent, offset: theirs - (sent + back) / 2 };
  }
  return best.offset;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
