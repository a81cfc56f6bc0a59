import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import proxyaddr from 'proxy-addr';
import type { AppError } from '@chunfeng/shared/errors';
import { addressBlock } from '../domain/addressBlock';
import type { RateLimiter } from '../domain/rateLimiter';

/**
 * The client's address as express's `req.ip` names it under the same `trust proxy` setting: the
 * peer's own address unless it is a trusted proxy, and only then a hop from X-Forwarded-For.
 * socket.io's handshake is a raw Node request that never passes through express, so it gets its own.
 */
export function clientAddress(trustProxy: string | number | false): (req: IncomingMessage) => string {
  const trust =
    typeof trustProxy === 'number'
      ? (_address: string, hop: number): boolean => hop < trustProxy
      : proxyaddr.compile(trustProxy === false ? [] : trustProxy.split(',').map((part) => part.trim()));
  return (req) => proxyaddr(req, trust);
}

function isHandshake(req: IncomingMessage): boolean {
  // Later requests of a connection (polling, the websocket upgrade of one) name its sid.
  return !new URL(req.url ?? '/', 'http://x').searchParams.has('sid');
}

function refuse(req: IncomingMessage, res: ServerResponse, seconds: number): void {
  const error: AppError = { code: 'RATE_LIMITED', message: `too many new connections from this network; please try again in ${seconds} seconds`, retryAfterSeconds: seconds };
  const body = JSON.stringify({ error });
  if (res instanceof http.ServerResponse) {
    res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': String(seconds) });
    res.end(body);
    return;
  }
  // A websocket upgrade: engine.io hands middleware a stand-in response that cannot write a status,
  // so the refusal is written on the raw socket before it is closed.
  const socket: Duplex = req.socket;
  if (socket.writable) {
    socket.write(
      'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: application/json\r\n' +
        `Retry-After: ${seconds}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * engine.io middleware: every new socket.io connection (a handshake, not the later requests of one)
 * costs its address block one unit of `limiter`; past it the handshake is answered 429 with
 * Retry-After and a `RATE_LIMITED` body, before any socket exists. A flooder that is disconnected
 * for its flood and simply reconnects meets this budget instead of getting a fresh allowance each
 * time. If the counter itself fails (Redis down) the connection is let through: refusing everyone
 * would be worse than a flood.
 */
export function handshakeBudget({ limiter, addressOf, onCounterError }: {
  limiter: RateLimiter;
  addressOf: (req: IncomingMessage) => string;
  onCounterError: (err: unknown) => void;
}) {
  return (req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void): void => {
    if (!isHandshake(req)) {
      next();
      return;
    }
    limiter.take(addressBlock(addressOf(req))).then(
      (wait) => {
        if (wait === 0) {
          next();
          return;
        }
        refuse(req, res, Math.ceil(wait / 1000));
        // engine.io sees the refusal too (its connection_error event); the response is already sent.
        next(new Error('RATE_LIMITED'));
      },
      (err: unknown) => {
        onCounterError(err);
        next();
      },
    );
  };
}
