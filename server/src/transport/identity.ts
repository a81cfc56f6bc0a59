import type { AuthorIds } from '../auth/authorIds';
import type { Tokens } from '../auth/tokens';
import { sessionCookie } from './auth';
import type { IoSocket } from './stageSocket';

export interface SocketIdentity {
  /**
   * Opaque, stable per device-token family within one session: what chat moderation acts on and what
   * questions remember their asker and voters by. A keyed hash (see AuthorIds), never the device id
   * or token, and unrelated between sessions.
   */
  authorIdIn(sessionId: string): string;
  /** The socket sent a valid device token: it may chat, ask and vote (without one it can only watch). */
  device: boolean;
  /** A bureau staff member signed in on this browser: a moderator everywhere. */
  bureau: boolean;
}

const cache = new WeakMap<IoSocket, Promise<SocketIdentity>>();
const keyed = new WeakMap<IoSocket, AuthorIds>();

/** Gives a newly connected socket the server's author-id key (done once, where the socket is handled). */
export function attachAuthorIds(socket: IoSocket, authors: AuthorIds): void {
  keyed.set(socket, authors);
}

/**
 * Who is behind a socket: the device token sent in the handshake (`auth.device`, issued by
 * POST /api/device), and the bureau sign-in cookie if any. Without a device token the identity
 * lasts only as long as the connection.
 */
export function identityOf(socket: IoSocket, tokens: Tokens): Promise<SocketIdentity> {
  let found = cache.get(socket);
  if (!found) {
    const authors = keyed.get(socket);
    if (!authors) throw new Error('identityOf: attachAuthorIds was not called for this socket');
    found = (async () => {
      const auth = socket.handshake.auth as { device?: unknown };
      const device = typeof auth.device === 'string' ? await tokens.verify('device', auth.device).catch(() => undefined) : undefined;
      // The family, not the token: a re-issued token (same family) keeps its bans and mutes.
      const basis = device ? `device:${device.fam ?? device.sub}` : `connection:${socket.id}`;
      const cookie = sessionCookie(socket.request.headers.cookie);
      const bureau = cookie ? Boolean(await tokens.verify('bureau', cookie).catch(() => undefined)) : false;
      return { authorIdIn: (sessionId: string) => authors.of(sessionId, basis), bureau, device: Boolean(device) };
    })();
    cache.set(socket, found);
  }
  return found;
}
