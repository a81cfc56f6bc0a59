import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { addressBlock } from '../domain/addressBlock';
import { DomainError } from '../domain/errors';
import { counterFailure, redisLimiter, type RateLimitBackend } from '../store/rateLimiters';

/** A number of failed sign-ins allowed in a window of `seconds`. */
export interface FailureBudget {
  points: number;
  seconds: number;
}

export interface SignInThrottleOptions {
  /** Consecutive wrong passwords for one user name from one address block (/24, /48). */
  perUserAndBlock?: FailureBudget;
  /** Wrong passwords from one address block, any user names (a bureau office shares one). */
  perBlock?: FailureBudget;
  /** Wrong passwords for one user name from everywhere: a ceiling on distributed guessing. */
  perUser?: FailureBudget;
  /** Wrong passwords for one user name from a browser that signed in as it before (counted apart from all of the above). */
  perKnownBrowser?: FailureBudget;
  /** In this process, or in Redis so that every node counts the same attempts. */
  backend?: RateLimitBackend;
}

/**
 * Password guessing costs time without letting a stranger lock a real user out: failures are
 * counted per (user name, address block), per address block and, far higher, per user name; a
 * right password clears its (user name, block) count, so guesses from elsewhere never refuse it
 * until the user name's global ceiling. Each attempt is counted before the password is checked (so
 * parallel guesses count too), and a success gives its points back.
 *
 * A browser that signed in as the user name before (it holds a `known` token for it, OWASP's
 * "device cookie") is counted on its own budget only: guesses from everywhere else, even enough to
 * reach the user name's ceiling, never keep the bureau's own computers out.
 */
export class SignInThrottle {
  readonly #byUserAndBlock: RateLimiterAbstract;
  readonly #byBlock: RateLimiterAbstract;
  readonly #byUser: RateLimiterAbstract;
  readonly #byKnownBrowser: RateLimiterAbstract;

  constructor({
    perUserAndBlock = { points: 5, seconds: 15 * 60 },
    perBlock = { points: 100, seconds: 24 * 3600 },
    perUser = { points: 50, seconds: 3600 },
    perKnownBrowser = { points: 5, seconds: 15 * 60 },
    backend = { kind: 'memory' },
  }: SignInThrottleOptions = {}) {
    const limiter = (name: string, { points, seconds }: FailureBudget): RateLimiterAbstract =>
      backend.kind === 'redis' ? redisLimiter(backend, { name: `signin:${name}`, points, seconds }) : new RateLimiterMemory({ keyPrefix: `chunfeng:signin:${name}`, points, duration: seconds });
    this.#byUserAndBlock = limiter('user-block', perUserAndBlock);
    this.#byBlock = limiter('block', perBlock);
    this.#byUser = limiter('user', perUser);
    this.#byKnownBrowser = limiter('known', perKnownBrowser);
  }

  /**
   * Counts an attempt; RATE_LIMITED (with the wait) when this user name from this block, this block,
   * or this user name everywhere has no failures left. A refused attempt costs nothing else.
   */
  async attempt(username: string, address: string | undefined, knownBrowser?: string): Promise<void> {
    const taken: [RateLimiterAbstract, string][] = [];
    for (const [limiter, key] of this.#keys(username, address, knownBrowser)) {
      try {
        await limiter.consume(key);
        taken.push([limiter, key]);
      } catch (refused) {
        // Given back when it can be; a Redis out of reach answers UNAVAILABLE below either way.
        for (const [earlier, earlierKey] of taken) await earlier.reward(earlierKey).catch(() => undefined);
        throw limited(refused);
      }
    }
  }

  /** The right password: this user name's count from this block starts again; the attempt is given back. */
  async succeeded(username: string, address: string | undefined, knownBrowser?: string): Promise<void> {
    const [[userAndBlock, pairKey], ...others] = this.#keys(username, address, knownBrowser);
    try {
      await userAndBlock.delete(pairKey);
      for (const [limiter, key] of others) await limiter.reward(key);
    } catch (error) {
      throw counterFailure(error);
    }
  }

  /** The counters an attempt spends: its known browser's alone, or (first the one a success clears) the three of a stranger. */
  #keys(username: string, address: string | undefined, knownBrowser: string | undefined): [[RateLimiterAbstract, string], ...[RateLimiterAbstract, string][]] {
    const user = username.toLowerCase();
    if (knownBrowser !== undefined) return [[this.#byKnownBrowser, `${user}#${knownBrowser}`]];
    const block = addressBlock(address);
    return [
      [this.#byUserAndBlock, `${user}@${block}`],
      [this.#byBlock, block],
      [this.#byUser, user],
    ];
  }
}

function limited(refused: unknown): Error {
  // Anything but the library's refusal is its Redis out of reach: UNAVAILABLE, never a 500.
  if (!(refused instanceof RateLimiterRes)) return counterFailure(refused) as Error;
  const seconds = Math.max(1, Math.ceil(refused.msBeforeNext / 1000));
  return new DomainError('RATE_LIMITED', `too many sign-in attempts; try again in ${seconds} seconds`, { retryAfterSeconds: seconds });
}
