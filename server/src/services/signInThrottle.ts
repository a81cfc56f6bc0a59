import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DomainError } from '../domain/errors';
import type { RateLimitBackend } from '../store/rateLimiters';

export interface SignInThrottleOptions {
  /** Wrong passwords allowed per user name in one window. */
  perUser?: number;
  /** Wrong passwords allowed from one address in one window (a bureau office shares one). */
  perAddress?: number;
  windowSeconds?: number;
  /** In this process, or in Redis so that every node counts the same attempts. */
  backend?: RateLimitBackend;
}

/**
 * Password guessing costs time: each attempt is counted against the user name and the address
 * before the password is checked (so parallel guesses count too); a success gives both back.
 */
export class SignInThrottle {
  readonly #byUser: RateLimiterAbstract;
  readonly #byAddress: RateLimiterAbstract;

  constructor({ perUser = 5, perAddress = 20, windowSeconds = 15 * 60, backend = { kind: 'memory' } }: SignInThrottleOptions = {}) {
    const limiter = (name: string, points: number): RateLimiterAbstract => {
      const options = { keyPrefix: `chunfeng:signin:${name}`, points, duration: windowSeconds };
      return backend.kind === 'redis' ? new RateLimiterRedis({ ...options, storeClient: backend.client }) : new RateLimiterMemory(options);
    };
    this.#byUser = limiter('user', perUser);
    this.#byAddress = limiter('address', perAddress);
  }

  /** Counts an attempt; RATE_LIMITED (with the wait) when the user name or the address has none left. */
  async attempt(username: string, address: string): Promise<void> {
    const user = username.toLowerCase();
    try {
      await this.#byUser.consume(user);
    } catch (refused) {
      throw limited(refused);
    }
    try {
      await this.#byAddress.consume(address);
    } catch (refused) {
      await this.#byUser.reward(user);
      throw limited(refused);
    }
  }

  /** The right password: this user's count starts again, and the address gets its attempt back. */
  async succeeded(username: string, address: string): Promise<void> {
    await this.#byUser.delete(username.toLowerCase());
    await this.#byAddress.reward(address);
  }
}

function limited(refused: unknown): Error {
  if (!(refused instanceof RateLimiterRes)) return refused instanceof Error ? refused : new Error(String(refused));
  const seconds = Math.max(1, Math.ceil(refused.msBeforeNext / 1000));
  return new DomainError('RATE_LIMITED', `too many sign-in attempts; try again in ${seconds} seconds`, { retryAfterSeconds: seconds });
}
