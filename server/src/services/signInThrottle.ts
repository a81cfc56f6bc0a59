import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { addressBlock } from '../domain/addressBlock';
import { DomainError } from '../domain/errors';
import type { RateLimitBackend } from '../store/rateLimiters';

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
  /** In this process, or in Redis so that every node counts the same attempts. */
  backend?: RateLimitBackend;
}

/**
 * Password guessing costs time without letting a stranger lock a real user out: failures are
 * counted per (user name, address block), per address block and, far higher, per user name; a
 * right password clears its (user name, block) count, so guesses from elsewhere never refuse it
 * until the user name's global ceiling. Each attempt is counted before the password is checked (so
 * parallel guesses count too), and a success gives its points back.
 */
export class SignInThrottle {
  readonly #byUserAndBlock: RateLimiterAbstract;
  readonly #byBlock: RateLimiterAbstract;
  readonly #byUser: RateLimiterAbstract;

  constructor({
    perUserAndBlock = { points: 5, seconds: 15 * 60 },
    perBlock = { points: 100, seconds: 24 * 3600 },
    perUser = { points: 50, seconds: 3600 },
    backend = { kind: 'memory' },
  }: SignInThrottleOptions = {}) {
    const limiter = (name: string, { points, seconds }: FailureBudget): RateLimiterAbstract => {
      const options = { keyPrefix: `chunfeng:signin:${name}`, points, duration: seconds };
      return backend.kind === 'redis' ? new RateLimiterRedis({ ...options, storeClient: backend.client }) : new RateLimiterMemory(options);
    };
    this.#byUserAndBlock = limiter('user-block', perUserAndBlock);
    this.#byBlock = limiter('block', perBlock);
    this.#byUser = limiter('user', perUser);
  }

  /**
   * Counts an attempt; RATE_LIMITED (with the wait) when this user name from this block, this block,
   * or this user name everywhere has no failures left. A refused attempt costs nothing else.
   */
  async attempt(username: string, address: string | undefined): Promise<void> {
    const taken: [RateLimiterAbstract, string][] = [];
    for (const [limiter, key] of this.#keys(username, address)) {
      try {
        await limiter.consume(key);
        taken.push([limiter, key]);
      } catch (refused) {
        for (const [earlier, earlierKey] of taken) await earlier.reward(earlierKey);
        throw limited(refused);
      }
    }
  }

  /** The right password: this user name's count from this block starts again; the attempt is given back. */
  async succeeded(username: string, address: string | undefined): Promise<void> {
    const [[userAndBlock, pairKey], ...others] = this.#keys(username, address);
    await userAndBlock.delete(pairKey);
    for (const [limiter, key] of others) await limiter.reward(key);
  }

  #keys(username: string, address: string | undefined): [[RateLimiterAbstract, string], ...[RateLimiterAbstract, string][]] {
    const user = username.toLowerCase();
    const block = addressBlock(address);
    return [
      [this.#byUserAndBlock, `${user}@${block}`],
      [this.#byBlock, block],
      [this.#byUser, user],
    ];
  }
}

function limited(refused: unknown): Error {
  if (!(refused instanceof RateLimiterRes)) return refused instanceof Error ? refused : new Error(String(refused));
  const seconds = Math.max(1, Math.ceil(refused.msBeforeNext / 1000));
  return new DomainError('RATE_LIMITED', `too many sign-in attempts; try again in ${seconds} seconds`, { retryAfterSeconds: seconds });
}
