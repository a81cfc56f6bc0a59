import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { DomainError } from '../domain/errors';

const StageClaims = z.object({ sid: z.string().min(1), role: z.enum(['host', 'cohost', 'interpreter', 'captioner']), sub: z.string().min(1) });
export type StageClaims = z.infer<typeof StageClaims>;

const BureauClaims = z.object({ sub: z.string().min(1), role: z.enum(['admin', 'staff']), name: z.string() });
export type BureauClaims = z.infer<typeof BureauClaims>;

const EmployerClaims = z.object({ sub: z.string().min(1), eid: z.string().min(1) });
export type EmployerClaims = z.infer<typeof EmployerClaims>;

/** `fam`: the device's family, kept when the token is re-issued; moderation acts on it (older tokens: their `sub`). */
const DeviceClaims = z.object({ sub: z.string().min(1), fam: z.string().min(1).optional() });
export type DeviceClaims = z.infer<typeof DeviceClaims>;

/** A browser a staff member signed in from before (`sub`: the user name, folded to lower case; `jti`: the browser). */
const KnownClaims = z.object({ sub: z.string().min(1) });
export type KnownClaims = z.infer<typeof KnownClaims>;

/** Who a credential speaks for: audience, the claims it carries, and how long it lasts by default. */
const kinds = {
  stage: { audience: 'chunfeng:stage', schema: StageClaims, ttlSeconds: 12 * 3600 },
  bureau: { audience: 'chunfeng:bureau', schema: BureauClaims, ttlSeconds: 12 * 3600 },
  employer: { audience: 'chunfeng:employer', schema: EmployerClaims, ttlSeconds: 7 * 24 * 3600 },
  /** An anonymous viewer's phone: no person, only a stable id for "my applications" and moderation. */
  device: { audience: 'chunfeng:device', schema: DeviceClaims, ttlSeconds: 365 * 24 * 3600 },
  /** A browser that signed in as a user name before: its failures are counted apart from everyone's (signInThrottle.ts). */
  known: { audience: 'chunfeng:known-browser', schema: KnownClaims, ttlSeconds: 180 * 24 * 3600 },
} as const;
export type TokenKind = keyof typeof kinds;
type Kind = TokenKind;

/** Asked after a token's signature and expiry check out: true when it was withdrawn since it was issued. */
export type RevocationCheck = (kind: TokenKind, claims: { sub: string; jti: string | undefined }) => Promise<boolean>;
type ClaimsOf<K extends Kind> = z.infer<(typeof kinds)[K]['schema']>;

/**
 * Signs and checks every credential of the platform: stage roles (host, co-host invites), bureau
 * staff sign-ins, and employer-rep invite links. HS256 with the server's secret; each kind has its
 * own audience, so one kind can never pass for another.
 */
export class Tokens {
  readonly #key: Uint8Array;
  readonly #revoked: RevocationCheck;

  constructor(secret: string, { revoked = () => Promise.resolve(false) }: { revoked?: RevocationCheck } = {}) {
    this.#key = new TextEncoder().encode(secret);
    this.#revoked = revoked;
  }

  /** Signs a credential; `jti` names it so it can be withdrawn later (invite links keep a record by it). */
  async issue<K extends Kind>(kind: K, claims: ClaimsOf<K>, { ttlSeconds, jti }: { ttlSeconds?: number; jti?: string } = {}): Promise<string> {
    const { sub, ...rest } = claims as { sub: string } & Record<string, unknown>;
    const jwt = new SignJWT(rest).setProtectedHeader({ alg: 'HS256' });
    if (jti) jwt.setJti(jti);
    return jwt
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (ttlSeconds ?? kinds[kind].ttlSeconds))
      .setAudience(kinds[kind].audience)
      .sign(this.#key);
  }

  /** The claims of a valid, unexpired token of that kind; UNAUTHORIZED otherwise. */
  async verify<K extends Kind>(kind: K, token: string): Promise<ClaimsOf<K>> {
    return (await this.inspect(kind, token)).claims;
  }

  /** Like verify(), with the credential's id (`jti`), which names the record it can be withdrawn by. */
  async inspect<K extends Kind>(kind: K, token: string): Promise<{ claims: ClaimsOf<K>; jti: string | undefined }> {
    let claims: ClaimsOf<K>;
    let jti: string | undefined;
    try {
      const { payload } = await jwtVerify(token, this.#key, { audience: kinds[kind].audience, algorithms: ['HS256'] });
      claims = kinds[kind].schema.parse(payload) as ClaimsOf<K>;
      jti = payload.jti;
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      throw new DomainError('UNAUTHORIZED', expired ? 'this link has expired' : 'this link is not valid');
    }
    if (await this.#revoked(kind, { sub: claims.sub, jti })) throw new DomainError('UNAUTHORIZED', 'this link has been withdrawn');
    return { claims, jti };
  }
}

/** Stage credentials (host, co-host invites), as the stage code speaks of them. */
export class StageTokens {
  readonly #tokens: Tokens;

  constructor(secretOrTokens: string | Tokens) {
    this.#tokens = typeof secretOrTokens === 'string' ? new Tokens(secretOrTokens) : secretOrTokens;
  }

  issue(claims: StageClaims, options: { ttlSeconds?: number; jti?: string } = {}): Promise<string> {
    return this.#tokens.issue('stage', claims, options);
  }

  verify(token: string): Promise<StageClaims> {
    return this.#tokens.verify('stage', token);
  }

  inspect(token: string): Promise<{ claims: StageClaims; jti: string | undefined }> {
    return this.#tokens.inspect('stage', token);
  }
}
