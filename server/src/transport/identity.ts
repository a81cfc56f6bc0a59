import type { AuthorIds } from '../auth/authorIds';
import type { Tokens } from '../auth/tokens';
import { sessionCookie } from './auth';
import type { IoSocket } from './socketState';

/**
 * Who is behind a socket. `authorIdIn` is opaque, stable per device-token family within one session:
 * what chat moderation acts on and what questions remember their asker and voters by. A keyed hash
 * (see AuthorIds), never the device id or token, and unrelated between sessions.
 */
export class SocketIdentity {
  readonly #authors: AuthorIds;
  readonly #basis: string;
  /** The socket sent a valid device token: it may chat, ask and vote (without one it can only watch). */
  readonly device: boolean;
  /** That token's device id (`sub`), which an application from this socket is counted against. */
  readonly deviceId: string | undefined;
  /** A bureau staff member signed in on this browser: a moderator everywhere. */
  readonly bureau: boolean;

  constructor(authors: AuthorIds, basis: string, { deviceId, bureau }: { deviceId: string | undefined; bureau: boolean }) {
    this.#authors = authors;
    this.#basis = basis;
    this.device = deviceId !== undefined;
    this.deviceId = deviceId;
    this.bureau = bureau;
  }

  authorIdIn(sessionId: string): string {
    return this.#authors.of(sessionId, this.#basis);
  }

  /** What unique viewers are counted by (AuthorIds.viewerOf): only a device token's family; a bare connection is nobody to count. */
  get viewerKey(): string | undefined {
    return this.device ? this.#authors.viewerOf(this.#basis) : undefined;
  }
}

/**
 * Who is behind a socket: the device token sent in the handshake (`auth.device`, issued by
 * POST /api/device), and the bureau sign-in cookie if any. Without a device token the identity
 * lasts only as long as the connection. Worked out once per socket and kept in its state.
 */
export function identityOf(socket: IoSocket, tokens: Tokens): Promise<SocketIdentity> {
  return (socket.data.identity ??= findIdentity(socket, tokens));
}

async function findIdentity(socket: IoSocket, tokens: Tokens): Promise<SocketIdentity> {
  const auth = socket.handshake.auth as { device?: unknown };
  const device = typeof auth.device === 'string' ? await tokens.verify('device', auth.device).catch(() => undefined) : undefined;
  // The family, not the token: a re-issued token (same family) keeps its bans and mutes.
  const basis = device ? `device:${device.fam ?? device.sub}` : `connection:${socket.id}`;
  const cookie = sessionCookie(socket.request.headers.cookie);
  const bureau = cookie ? Boolean(await tokens.verify('bureau', cookie).catch(() => undefined)) : false;
  return new SocketIdentity(socket.data.authors, basis, { deviceId: device?.sub, bureau });
}
