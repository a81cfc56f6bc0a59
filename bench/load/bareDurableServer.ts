// The bare baseline of the durable-applies benchmark: what any server doing the same durable writes
// costs on this machine, with none of the platform. node:http answers POST /api/applications with a
// 202 once the raw store (the same SqliteJobStore or RedisJobStore, the same apply) has the
// application on disk, and its socket.io acknowledges `application:submit` (the viewer page's door)
// the same way; socket.io on the same port also takes a `pin` (a vacancy id and the card's bytes),
// stores it durably (putPins, as a pin is stored) and broadcasts the card to every socket before it
// answers. No validation, no limits, no routing, no security headers. Reports its URL over IPC; runs
// as its own process (see bench/lib/child.ts for the protocol it shares).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { hashKey, type ApplicationRecord } from '../../server/src/domain/applications';
import type { JobStore } from '../../server/src/store/jobStore';
import { applicationRecord } from '../../tests/harness/records';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';

export type BareDurableInput = { kind: 'sqlite'; dataDir: string } | { kind: 'redis'; url: string; prefix: string };

interface ApplyBody {
  vacancyId: string;
  sessionId?: string;
  name: string;
  phone: string;
  idempotencyKey: string;
}

function record(body: ApplyBody): ApplicationRecord {
  return applicationRecord({
    vacancyId: body.vacancyId as ApplicationRecord['vacancyId'],
    employerId: 'bare' as ApplicationRecord['employerId'],
    sessionId: body.sessionId ?? null,
    name: body.name,
    phone: body.phone,
    keyHash: hashKey(body.idempotencyKey),
  });
}

function serve(store: JobStore): http.Server {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      store.apply(record(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ApplyBody)).then(
        () => res.writeHead(202, { 'content-type': 'application/json; charset=utf-8' }).end('{"received":true}'),
        () => res.writeHead(500).end(),
      );
    });
  });
  const io = new Server(server);
  let open: { itemId: string; pinnedAt: string } | undefined;
  io.on('connection', (socket) => {
    socket.on('application:submit', (body: ApplyBody, ack: (reply: unknown) => void) => {
      store.apply(record(body)).then(
        () => ack({ ok: true, data: { received: true } }),
        () => ack({ ok: false, error: { code: 'INTERNAL', message: 'not stored' } }),
      );
    });
    socket.on('pin', ({ vacancyId, card }: { vacancyId: string; card: unknown }, ack: () => void) => {
      const pinnedAt = new Date().toISOString();
      const events = [
        ...(open ? [{ sessionId: 'bare', kind: 'vacancy' as const, itemId: open.itemId, pinnedAt: open.pinnedAt, unpinnedAt: pinnedAt }] : []),
        { sessionId: 'bare', kind: 'vacancy' as const, itemId: vacancyId, pinnedAt, unpinnedAt: null },
      ];
      open = { itemId: vacancyId, pinnedAt };
      void store.putPins(events).then(() => {
        io.emit('vacancy:pinned', { vacancy: card });
        ack();
      });
    });
  });
  return server;
}

process.once('message', (input: BareDurableInput) => {
  const store: JobStore = input.kind === 'sqlite' ? new SqliteJobStore({ dataDir: input.dataDir }) : new RedisJobStore({ url: input.url, prefix: input.prefix });
  const server = serve(store);
  server.listen(0, '127.0.0.1', () => process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  process.on('disconnect', () => {
    server.close();
    void store.close().finally(() => process.exit(0));
  });
});
