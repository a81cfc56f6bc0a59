import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { DomainError } from '../domain/errors';

const StageClaims = z.object({
  sid: z.string().min(1),
  role: z.enum(['host', 'cohost']),
  sub: z.string().min(1),
});
export type StageClaims = z.infer<typeof StageClaims>;

/** Signs and checks the credentials that let someone take a stage role. */
export class StageTokens {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    this.#key = new TextEncoder().encode(secret);
  }

  async issue(claims: StageClaims, { ttlSeconds = 12 * 3600 }: { ttlSeconds?: number } = {}): Promise<string> {
    return new SignJWT({ sid: claims.sid, role: claims.role })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .setAudience('chunfeng:stage')
      .sign(this.#key);
  }

  /** Returns the claims of a valid, unexpired token; throws UNAUTHORIZED otherwise. */
  async verify(token: string): Promise<StageClaims> {
    try {
      const { payload } = await jwtVerify(token, this.#key, { audience: 'chunfeng:stage', algorithms: ['HS256'] });
      return StageClaims.parse(payload);
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      throw new DomainError('UNAUTHORIZED', expired ? 'this link has expired' : 'this link is not valid');
    }
  }
}
