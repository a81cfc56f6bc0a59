import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Tokens } from '../auth/tokens';
import { addressBlock } from '../domain/addressBlock';
import { DomainError } from '../domain/errors';
import type { RateLimiter } from '../domain/rateLimiter';
import type { RateLimitBackend } from '../store/rateLimiters';

export interface IssuanceLimits {
  /** New device tokens per minute per address block, steadily. */
  perMinute: number;
  /** Extra tokens a block may take beyond that within ten minutes (a crowd arriving at once). */
  burst: number;
}

/**
 * The device-token issuance limit per address block: a steady budget per minute, and a burst budget
 * over ten minutes spent only once the steady one is used up. Counted in this process, or in Redis
 * (one budget across nodes) on that backend.
 */
export function issuanceLimiter({ perMinute, burst }: IssuanceLimits, backend: RateLimitBackend = { kind: 'memory' }): RateLimiter {
  const counter = (keyPrefix: string, points: number, duration: number) =>
    backend.kind === 'redis'
      ? new RateLimiterRedis({ keyPrefix, points, duration, storeClient: backend.client })
      : new RateLimiterMemory({ keyPrefix, points, duration });
  const steady = counter('chunfeng:rl:device', perMinute, 60);
  const limiter = burst > 0 ? new BurstyRateLimiter(steady, counter('chunfeng:rl:device-burst', burst, 600)) : steady;
  return {
    async take(key) {
      try {
        await limiter.consume(key);
        return 0;
      } catch (refused) {
        if (refused instanceof RateLimiterRes) return Math.max(1, refused.msBeforeNext);
        throw refused;
      }
    },
  };
}

/**
 * POST /api/device: an anonymous device token for a phone. Each costs its address block one unit of
 * the issuance limit (RATE_LIMITED past it), so a script cannot mint fresh identities to shake off a
 * ban. A phone that presents its old, still valid token (`x-device-token`) gets a new one of the same
 * family — and keeps whatever bans and mutes that family has.
 */
export function deviceTokenRoute({ tokens, limiter }: { tokens: Tokens; limiter: RateLimiter }) {
  return async (req: Request, res: Response): Promise<void> => {
    const wait = await limiter.take(addressBlock(req.ip ?? req.socket.remoteAddress));
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      res.set('Retry-After', String(seconds));
      throw new DomainError('RATE_LIMITED', `too many new devices from this network; please try again in ${seconds} seconds`);
    }
    const presented = req.get('x-device-token');
    const previous = presented ? await tokens.verify('device', presented).catch(() => undefined) : undefined;
    const deviceId = crypto.randomUUID();
    const fam = previous ? (previous.fam ?? previous.sub) : crypto.randomUUID();
    res.status(201).json({ deviceId, token: await tokens.issue('device', { sub: deviceId, fam }) });
  };
}
