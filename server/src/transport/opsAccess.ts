import crypto from 'node:crypto';
import type { Request } from 'express';
import type { Tokens } from '../auth/tokens';
import { requireBureau } from './auth';

/**
 * Who may read the operational details (/metrics, the /healthz report): a signed-in bureau staff
 * member (cookie or bearer, as the API checks them) or a scraper holding METRICS_TOKEN.
 */
export function opsAccess({ tokens, metricsToken }: { tokens: Tokens; metricsToken: string | undefined }): (req: Request) => Promise<boolean> {
  const expected = metricsToken ? crypto.createHash('sha256').update(metricsToken).digest() : undefined;
  return async (req) => {
    const header = req.get('authorization');
    if (expected && header?.startsWith('Bearer ')) {
      const given = crypto.createHash('sha256').update(header.slice(7).trim()).digest();
      if (crypto.timingSafeEqual(given, expected)) return true;
    }
    return requireBureau(req, tokens).then(
      () => true,
      () => false,
    );
  };
}
