import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { Tokens } from '../auth/tokens';
import { addressBlock } from '../domain/addressBlock';
import { DomainError } from '../domain/errors';
import type { RateLimiter } from '../domain/rateLimiter';
import { blockRateLimiter, type BlockBudget, type RateLimitBackend } from '../store/rateLimiters';

/**
 * The device-token issuance limit per address block (`DEVICE_TOKENS_PER_MINUTE`, `DEVICE_TOKEN_BURST`),
 * in this process or in Redis on that backend.
 */
export function issuanceLimiter(limits: BlockBudget, backend: RateLimitBackend = { kind: 'memory' }): RateLimiter {
  return blockRateLimiter({ name: 'device', ...limits, backend });
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
