import type { IncomingMessage } from 'node:http';
import express from 'express';
import { describe, expect, test } from 'vitest';
import { clientAddress } from '../../server/src/transport/handshakeBudget';

const from = (remoteAddress: string, forwardedFor?: string): IncomingMessage =>
  ({ headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}, socket: { remoteAddress } }) as unknown as IncomingMessage;

/** What express's req.ip says for the same request under the same `trust proxy`. */
function expressIp(trustProxy: string | number | false, req: IncomingMessage): string | undefined {
  const app = express();
  app.set('trust proxy', trustProxy);
  const r = Object.create(app.request as object) as { app: unknown; ip: string | undefined };
  Object.assign(r, req, { app });
  return r.ip;
}

describe('clientAddress (the handshake side of req.ip)', () => {
  const cases: Array<[string | number | false, string, string | undefined, string]> = [
    [false, '127.0.0.1', '203.0.113.5', '127.0.0.1'],
    ['loopback', '127.0.0.1', '203.0.113.5', '203.0.113.5'],
    ['loopback', '10.0.0.7', '203.0.113.5', '10.0.0.7'],
    ['loopback, 10.0.0.0/8', '127.0.0.1', '203.0.113.5, 10.0.0.7', '203.0.113.5'],
    [1, '10.0.0.1', '203.0.113.5, 198.51.100.1', '198.51.100.1'],
    [2, '10.0.0.1', '203.0.113.5, 198.51.100.1', '203.0.113.5'],
    ['uniquelocal', '::1', '203.0.113.5', '::1'],
  ];
  test.each(cases)('trust proxy %j, peer %s, X-Forwarded-For %j → %s, as express says', (trust, peer, forwarded, expected) => {
    const req = from(peer, forwarded);
    expect(clientAddress(trust)(req)).toBe(expected);
    expect(expressIp(trust, req)).toBe(expected);
  });
});
