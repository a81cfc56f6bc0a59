// Spends `takes` applications on the platform's apply budget (a WindowLimiter of BUDGETS.apply, in memory, as the apply admission counts it) spread
// over `phones` distinct phones, in this fresh process, and reports the CPU and the memory it cost.
// Run with --expose-gc so memory is measured after a full collection.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { BUDGETS } from '../../server/src/store/rateLimiters';
import { WindowLimiter } from '../../server/src/store/windowLimiter';
import type { RateLimiter } from '../../server/src/domain/rateLimiter';
import { serveLoad } from '../lib/child';

export interface RateLimitInput {
  phones: number;
  takes: number;
  /** The platform's limiter, or rate-limiter-flexible's memory limiter it replaced (for comparison). */
  limiter: 'platform' | 'flexible-memory';
}

/** rate-limiter-flexible's memory limiter on the apply budget, answering as the platform's does. */
function flexibleMemory(): RateLimiter {
  const limiter = new RateLimiterMemory({ points: BUDGETS.apply.points, duration: BUDGETS.apply.seconds });
  return {
    take: (key) =>
      limiter.consume(key).then(
        () => 0,
        (refused: unknown) => (refused instanceof RateLimiterRes ? Math.max(1, refused.msBeforeNext) : Promise.reject(refused as Error)),
      ),
  };
}

export interface RateLimitOutput {
  /** CPU (user + system) per take, in microseconds, net of the loop itself (timed with a no-op limiter). */
  cpuMicrosPerTake: number;
  /** The loop alone: the same keys given to a limiter that does nothing. */
  loopMicrosPerTake: number;
  /** Memory still held after the takes (after a full collection): heap and array buffers, in bytes. */
  heapBytes: number;
  allowed: number;
}

const collect = (): void => {
  for (let i = 0; i < 3; i += 1) (globalThis as { gc?: () => void }).gc?.();
};
const held = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;

async function spend(limiter: RateLimiter, keys: readonly string[], takes: number): Promise<{ micros: number; allowed: number }> {
  const cpu = process.cpuUsage();
  let allowed = 0;
  for (let i = 0; i < takes; i += 1) if ((await limiter.take(keys[i % keys.length]!)) === 0) allowed += 1;
  const used = process.cpuUsage(cpu);
  return { micros: (used.user + used.system) / takes, allowed };
}

serveLoad<RateLimitInput, RateLimitOutput>(async ({ phones, takes, limiter: which }) => {
  const keys = Array.from({ length: phones }, (_, i) => `phone:1${3_000_000_000 + i * 7919}`);
  const noop: RateLimiter = { take: () => Promise.resolve(0) };
  // Warm up on other keys so every run measures compiled code.
  const make = (): RateLimiter => (which === 'platform' ? new WindowLimiter(BUDGETS.apply) : flexibleMemory());
  await spend(make(), Array.from({ length: 500 }, (_, i) => `warm:${i}`), 20_000);
  await spend(noop, keys, takes);
  const loop = await spend(noop, keys, takes);
  collect();
  const limiter = make();
  const before = held();
  const measured = await spend(limiter, keys, takes);
  collect();
  const heapBytes = held() - before;
  // Still in use after the measurement, so the collection above could not take it.
  await limiter.take(keys[0]!);
  return { cpuMicrosPerTake: Math.max(0, measured.micros - loop.micros), loopMicrosPerTake: loop.micros, heapBytes, allowed: measured.allowed };
});
