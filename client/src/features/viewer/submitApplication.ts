import type { RequestInput } from '@chunfeng/shared/events';
import type { ApplyReceipt } from '@chunfeng/shared/recruitment';
import { api, ApiError } from '../../signalling/api';
import { deviceToken } from '../../signalling/device';
import { RequestError, type Signalling } from '../../signalling/signalling';

/**
 * How long a tap waits for the socket's acknowledgement before the same tap goes over HTTP: longer than
 * the server waits for an unreachable Redis (5 s), so a live socket to a slow store is not doubled.
 */
export const SOCKET_ACK_MS = 6000;

export type ApplicationBody = RequestInput<'application:submit'>;

/**
 * Sends one tap, with its idempotency key, over the socket the page already holds when it is
 * connected (no new connection, no headers: on a rural phone that saves the round trips of a new
 * TCP and TLS connection), and over POST /api/applications when it is not, or when the socket gave
 * no answer within SOCKET_ACK_MS. The key is the same on both doors, so a tap the server stored
 * but could not acknowledge over the socket is answered again over HTTP, never stored twice.
 * The server's refusals come back as ApiError whichever door answered.
 */
export async function submitApplication(body: ApplicationBody, { signalling }: { signalling?: Signalling | undefined } = {}): Promise<ApplyReceipt> {
  if (signalling?.state === 'connected') {
    try {
      return await signalling.request('application:submit', body, { timeoutMs: SOCKET_ACK_MS });
    } catch (error) {
      // Answered with a refusal: that is the answer (HTTP would say the same).
      if (error instanceof RequestError && error.answered) {
        throw new ApiError(error.code, error.message, 0, [...error.issues], error.retryAfterSeconds);
      }
      // No answer (the connection dropped, or too slow): the same tap over HTTP.
    }
  }
  return api<ApplyReceipt>('/applications', { method: 'POST', device: await deviceToken(), body });
}
