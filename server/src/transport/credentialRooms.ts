import type { Tokens } from '../auth/tokens';
import type { Credential, Revocations } from '../services/revocations';
import { sessionCookie } from './auth';
import type { IoServer, IoSocket } from './socketState';

/**
 * Every socket that used a credential sits in a room named after it, so withdrawing the credential
 * is one `disconnectSockets()` — which the socket.io Redis adapter carries to every node.
 */
export const credentialRoom = ({ kind, id }: Credential): string => `credential:${kind}:${id}`;

/** The credentials named by a socket's rooms (the inverse of credentialRoom). */
export function credentialsIn(rooms: Iterable<string>): Credential[] {
  const found: Credential[] = [];
  for (const room of rooms) {
    const m = /^credential:(signin|staff|invite):(.+)$/.exec(room);
    if (m) found.push({ kind: m[1] as Credential['kind'], id: m[2]! });
  }
  return found;
}

/** Closes the connections of every withdrawn credential as soon as it is withdrawn. */
export function disconnectRevoked(io: IoServer, revocations: Revocations): void {
  revocations.on('revoked', (credential) => io.in(credentialRoom(credential)).disconnectSockets(true));
}

/**
 * Puts the socket in the rooms of the credentials it was opened or authenticated with. Checked again
 * after joining: a withdrawal that landed while the socket was joining still closes it.
 */
export async function holdCredentials(socket: IoSocket, credentials: Credential[], stillValid: () => Promise<boolean>): Promise<void> {
  if (credentials.length === 0) return;
  await socket.join(credentials.map(credentialRoom));
  if (!(await stillValid())) socket.disconnect(true);
}

/** A bureau sign-in cookie on the handshake: the socket answers to that sign-in and that account. */
export async function holdBureauCookie(socket: IoSocket, tokens: Tokens): Promise<void> {
  const token = sessionCookie(socket.request.headers.cookie);
  if (!token) return;
  const signIn = await tokens.inspect('bureau', token).catch(() => undefined);
  if (!signIn?.jti) return;
  await holdCredentials(socket, [{ kind: 'signin', id: signIn.jti }, { kind: 'staff', id: signIn.claims.sub }], () =>
    tokens.verify('bureau', token).then(
      () => true,
      () => false,
    ),
  );
}

/** The credentials a console token (bureau sign-in or employer link) answers to. */
export async function consoleCredentials(token: string, tokens: Tokens): Promise<Credential[]> {
  const bureau = await tokens.inspect('bureau', token).catch(() => undefined);
  if (bureau) return bureau.jti ? [{ kind: 'signin', id: bureau.jti }, { kind: 'staff', id: bureau.claims.sub }] : [{ kind: 'staff', id: bureau.claims.sub }];
  const employer = await tokens.inspect('employer', token);
  return employer.jti ? [{ kind: 'invite', id: employer.jti }] : [];
}
