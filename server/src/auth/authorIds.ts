import crypto from 'node:crypto';

/**
 * The anonymous author ids of chat messages and questions: a keyed hash (HMAC-SHA256 under a key
 * derived from the server's secret) of the session and the device (or connection). Without the
 * secret nobody can compute one from a device id, and the same device has unrelated ids in
 * different sessions, so nothing outside a session's chat can be matched against them. Every node
 * with the same AUTH_SECRET computes the same ids.
 */
export class AuthorIds {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = crypto.createHmac('sha256', secret).update('chunfeng:author-ids:v1').digest();
  }

  /**
   * The viewer id of `basis` (a device-token family) for counting unique viewers: the same in every
   * session, so a campaign's viewers are counted once each, and keyed like the author ids so it names
   * nobody outside the statistics (hex, 32 characters: see ViewerKey).
   */
  viewerOf(basis: string): string {
    return crypto.createHmac('sha256', this.#key).update(`viewer\n${basis}`).digest('hex').slice(0, 32);
  }

  /** The author id of `basis` (a device or connection, never shown) in one session. */
  of(sessionId: string, basis: string): string {
    return crypto.createHmac('sha256', this.#key).update(`${sessionId}\n${basis}`).digest('base64url').slice(0, 22);
  }
}
