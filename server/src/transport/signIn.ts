import crypto from 'node:crypto';
import type { Router } from 'express';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../auth/passwords';
import type { Tokens } from '../auth/tokens';
import { DomainError } from '../domain/errors';
import type { SignInThrottle } from '../services/signInThrottle';
import { SIGN_IN_SECONDS, type SignIns } from '../services/signIns';
import type { StaffAccounts } from '../services/staff';
import { bearer, cookieValue, SESSION_COOKIE } from './auth';
import { parse } from './httpErrors';

const LoginInput = z.object({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) });

/** The browser's proof that it signed in as a user name before: sent only to the sign-in routes. */
export const KNOWN_BROWSER_COOKIE = 'cf_known';
const KNOWN_BROWSER_PATH = '/api/auth';
const KNOWN_BROWSER_SECONDS = 180 * 24 * 3600;

/**
 * Sign-in and sign-out. The token travels only in the httpOnly cookie, names a sign-in record, and
 * signing out ends that record (and the connections opened with it).
 */
export function signInRoutes(api: Router, { tokens, staff, signIns, throttle, secureCookies }: {
  tokens: Tokens;
  staff: StaffAccounts;
  signIns: SignIns;
  throttle: SignInThrottle;
  secureCookies: boolean;
}): void {
  // An unknown user name costs the same scrypt as a known one, so timing does not tell them apart.
  let dummy: Promise<string> | undefined;

  api.post('/auth/login', async (req, res) => {
    const { username, password } = parse(LoginInput, req.body);
    // The client's address as express sees it (behind a proxy that is TRUST_PROXY's to say); the
    // throttle counts its block, so hopping addresses inside a /24 or an IPv6 prefix gains nothing.
    const address = req.ip ?? req.socket.remoteAddress;
    // A browser that signed in as this user name before spends its own budget, not everyone's.
    const known = await knownBrowser(req.get('cookie'), username);
    await throttle.attempt(username, address, known);
    const account = await staff.byUsername(username);
    const ok = await verifyPassword(password, account?.passwordHash ?? (await (dummy ??= hashPassword(crypto.randomUUID()))));
    if (!account || !ok) throw new DomainError('UNAUTHORIZED', 'wrong user name or password');
    await throttle.succeeded(username, address, known);
    const { token } = await signIns.start(account);
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: secureCookies, maxAge: SIGN_IN_SECONDS * 1000, path: '/' });
    const browser = await tokens.issue('known', { sub: username.toLowerCase() }, { jti: known ?? crypto.randomUUID() });
    res.cookie(KNOWN_BROWSER_COOKIE, browser, { httpOnly: true, sameSite: 'strict', secure: secureCookies, maxAge: KNOWN_BROWSER_SECONDS * 1000, path: KNOWN_BROWSER_PATH });
    res.json({ staff: { id: account.id, name: account.displayName, role: account.role } });
  });

  /** The browser id in a known-browser token for this user name, if the request carries a valid one. */
  async function knownBrowser(cookie: string | undefined, username: string): Promise<string | undefined> {
    const token = cookieValue(cookie, KNOWN_BROWSER_COOKIE);
    if (!token) return undefined;
    const known = await tokens.inspect('known', token).catch(() => undefined);
    return known && known.claims.sub === username.toLowerCase() ? known.jti : undefined;
  }

  api.post('/auth/logout', async (req, res) => {
    const token = bearer(req);
    const signIn = token ? await tokens.inspect('bureau', token).catch(() => undefined) : undefined;
    if (signIn?.jti) await signIns.end(signIn.jti);
    res.clearCookie(SESSION_COOKIE, { path: '/' }).json({});
  });
}
