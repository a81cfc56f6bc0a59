import type { Request } from 'express';
import type { Tokens } from '../auth/tokens';
import { DomainError } from '../domain/errors';
import type { Actor } from '../services/recruitment';

export const SESSION_COOKIE = 'cf_session';

/** The credential a request carries: an Authorization bearer token, else the sign-in cookie. */
export function bearer(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  return sessionCookie(req.get('cookie'));
}

/** The sign-in session token in a Cookie header, if any. */
export function sessionCookie(cookie: string | undefined): string | undefined {
  return cookieValue(cookie, SESSION_COOKIE);
}

/** One cookie's value in a Cookie header, if it is there and well formed. */
export function cookieValue(cookie: string | undefined, wanted: string): string | undefined {
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name !== wanted) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Who sent the request: a bureau staff session or an employer rep's invite credential. */
export async function authenticate(req: Request, tokens: Tokens): Promise<Actor> {
  return actorFor(bearer(req), tokens);
}

/** The actor a bureau session token or an employer invite token speaks for. */
export async function actorFor(token: string | undefined, tokens: Tokens): Promise<Actor> {
  if (!token) throw new DomainError('UNAUTHORIZED', 'sign in first');
  // Not a bureau token: try it as an employer's. A store that cannot be asked is not a wrong token.
  const bureau = await tokens.verify('bureau', token).catch((error: unknown) => {
    if (error instanceof DomainError && error.code === 'UNAVAILABLE') throw error;
    return undefined;
  });
  if (bureau) return { kind: 'bureau', id: bureau.sub, name: bureau.name, role: bureau.role };
  const employer = await tokens.verify('employer', token);
  return { kind: 'employer', id: employer.sub, employerId: employer.eid };
}

export async function requireBureau(req: Request, tokens: Tokens): Promise<Extract<Actor, { kind: 'bureau' }>> {
  const actor = await authenticate(req, tokens);
  if (actor.kind !== 'bureau') throw new DomainError('FORBIDDEN', 'only the bureau can do that');
  return actor;
}

/** Staff accounts are managed by the bureau's admins only. */
export async function requireAdmin(req: Request, tokens: Tokens): Promise<Extract<Actor, { kind: 'bureau' }>> {
  const actor = await requireBureau(req, tokens);
  if (actor.role !== 'admin') throw new DomainError('FORBIDDEN', 'only an admin can manage staff accounts');
  return actor;
}
