import { EventBucket } from '../domain/eventBucket';
import type { Logger } from '../logger';
import type { Admission } from './requests';

export interface FloodLimits {
  /** Events one socket may send per second on average. */
  perSecond: number;
  /** Events one socket may send at once (joining a stage sends a few dozen). */
  burst: number;
  /** Dropped events beyond the allowance before the socket is disconnected. */
  ceiling: number;
}

/**
 * Puts every event a socket sends, whatever its name, through that socket's own token bucket (kept in
 * its state, made on its first event) before any listener runs. A dropped request with an
 * acknowledgement is answered RATE_LIMITED (one without is dropped silently); past the ceiling the
 * socket is disconnected. Nothing is shared between sockets, so one flooding socket costs the others
 * only the work of dropping its events. One guard serves every socket of a server.
 */
export function floodGuard(limits: FloodLimits, logger: Logger): Admission {
  return (socket, packet) => {
    const state = socket.data;
    const verdict = (state.bucket ??= new EventBucket(limits)).take();
    if (verdict === 'allow') return true;
    if (verdict === 'disconnect') {
      if (socket.connected) {
        logger.warn({ socket: socket.id, dropped: state.dropped }, 'disconnected a socket flooding events');
        socket.disconnect(true);
      }
      return false;
    }
    if (state.dropped++ === 0) logger.info({ socket: socket.id, event: String(packet[0]) }, 'dropping events from a socket over its rate');
    const ack: unknown = packet.at(-1);
    if (typeof ack === 'function') {
      try {
        (ack as (reply: unknown) => void)({ ok: false, error: { code: 'RATE_LIMITED', message: 'too many requests; slow down' } });
      } catch (error) {
        logger.error({ err: error, socket: socket.id }, 'could not answer a dropped request');
      }
    }
    return false;
  };
}
