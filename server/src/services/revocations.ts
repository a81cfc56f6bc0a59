import { EventEmitter } from 'node:events';

/**
 * A credential that can be withdrawn: one bureau sign-in (its jti), every sign-in of a staff
 * account, or an invite link (host, employer console, or a stage invite made in the studio).
 */
export type Credential = { kind: 'signin' | 'staff' | 'invite'; id: string };

export interface RevocationEvents {
  revoked: [Credential];
}

/**
 * Announces withdrawn credentials, so that whatever holds connections opened with them (the
 * socket.io server) can close those at once instead of waiting for their next request.
 */
export class Revocations extends EventEmitter<RevocationEvents> {
  revoke(credential: Credential): void {
    this.emit('revoked', credential);
  }
}
