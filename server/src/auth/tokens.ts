import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { DomainError } from '../domain/errors';

const StageClaims = z.object({ sid: z.string().min(1), role: z.enum(['host', 'cohost', 'interpreter', 'captioner']), sub: z.string().min(1) });
export type StageClaims = z.infer<typeof StageClaims>;

const BureauClaims = z.object({ sub: z.string().min(1), role: z.enum(['admin', 'staff']), name: z.string() });
export type BureauClaims = z.infer<typeof BureauClaims>;

const EmployerClaims = z.object({ sub: z.string().min(1), eid: z.string().min(1) });
export type EmployerClaims = z.infer<typeof EmployerClaims>;

const DeviceClaims = z.object({ sub: z.string().min(1) });
export type DeviceClaims = z.infer<typeof DeviceClaims>;

/** Who a credential speaks for: audience, the claims it carries, and how long it lasts by default. */
const kinds = {
  stage: { audience: 'chunfeng:stage', schema: StageClaims, ttlSeconds: 12 * 3600 },
  bureau: { audience: 'chunfeng:bureau', schema: BureauClaims, ttlSeconds: 12 * 3600 },
  employer: { audience: 'chunfeng:employer', schema: EmployerClaims, ttlSeconds: 7 * 24 * 3600 },
  /** An anonymous viewer's phone: no person, only a stable id for "my applications" and moderation. */
  device: { audience: 'chunfeng:device', schema: DeviceClaims, ttlSeconds: 365 * 24 * 3600 },
} as const;
type Kind = keyof typeof kinds;
type ClaimsOf<K extends Kind> = z.infer<(typeof kinds)[K]['schema']>;

/**
 * Signs and checks every credential of the platform: stage roles (host, co-host invites), bureau
 * staff sign-ins, and employer-rep invite links. HS256 with the server's secret; each kind has its
 * own audience, so one kind can never pass for another.
 */
export class Tokens {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    this.#key = new TextEncoder().encode(secret);
  }

  async issue<K extends Kind>(kind: K, claims: ClaimsOf<K>, { ttlSeconds }: { ttlSeconds?: number } = {}): Promise<string> {
    const { sub, ...rest } = claims as { sub: string } & Record<string, unknown>;
    return new SignJWT(rest)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (ttlSeconds ?? kinds[kind].ttlSeconds))
      .setAudience(kinds[kind].audience)
      .sign(this.#key);
  }

  /** The claims of a valid, unexpired token of that kind; UNAUTHORIZED otherwise. */
  async verify<K extends Kind>(kind: K, token: string): Promise<ClaimsOf<K>> {
    try {
      const { payload } = await jwtVerify(token, this.#key, { audience: kinds[kind].audience, algorithms: ['HS256'] });
      return kinds[kind].schema.parse(payload) as ClaimsOf<K>;
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      throw new DomainError('UNAUTHORIZED', expired ? 'this link has expired' : 'this link is not valid');
    }
  }
}

/** Stage credentials (host, co-host invites), as the stage code speaks of them. */
export class StageTokens {
  readonly #tokens: Tokens;

  constructor(secretOrTokens: string | Tokens) {
    this.#tokens = typeof secretOrTokens === 'string' ? new Tokens(secretOrTokens) : secretOrTokens;
  }

  issue(claims: StageClaims, options: { ttlSeconds?: number } = {}): Promise<string> {
    return this.#tokens.issue('stage', claims, options);
  }

  verify(token: string): Promise<StageClaims> {
    return this.#tokens.verify('stage', token);
  }
}
