import { describe, expect, test } from 'vitest';
import { busBarrier } from '../../server/src/transport/sessionRelease';

/** An io server whose adapter's delSockets does what `publish` says. */
const ioWith = (publish: () => unknown) => ({ of: () => ({ adapter: { delSockets: publish } }) }) as never;

describe('busBarrier', () => {
  test('a publish that fails (Redis gone while the node closes) resolves the barrier and leaves no rejection behind', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(busBarrier(ioWith(() => Promise.reject(new Error('Connection is closed.'))))).resolves.toBeUndefined();
      await expect(busBarrier(ioWith(() => { throw new Error('Connection is closed.'); }))).resolves.toBeUndefined();
      // Timed out first, then the publish fails: still nothing unhandled.
      let fail!: (e: Error) => void;
      await expect(busBarrier(ioWith(() => new Promise((_, reject) => (fail = reject))), { timeoutMs: 10 })).resolves.toBeUndefined();
      fail(new Error('Connection is closed.'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('waits for the publish when it succeeds', async () => {
    let done = false;
    await busBarrier(ioWith(() => new Promise<void>((resolve) => setTimeout(() => ((done = true), resolve()), 20))));
    expect(done).toBe(true);
  });
});
