// The baseline of the audience benchmarks: a socket.io server with no application, on the same
// socket.io version and transport as the platform. A client's `pin` is broadcast to every socket,
// as the platform broadcasts a pinned vacancy to a session's audience. Reports its URL over IPC.
//
// With BARE_REDIS_URL it runs as one node of a bare cluster: socket.io's Redis streams adapter on that
// Redis, configured as the platform's bus is (server/src/transport/clusterBus.ts: stream length,
// plaintext packets, connection-state recovery), so a broadcast reaches the sockets of every bare node
// the way a pin reaches every platform node, and the difference between the two is the application.
import http from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { Server, type ServerOptions } from 'socket.io';
import { BUS_MAX_LEN, RECOVERY_WINDOW_MS } from '../../server/src/transport/clusterBus';

const redisUrl = process.env.BARE_REDIS_URL;
const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: 'bare-bus' }) : undefined;
const base = 'bare:bus';
const options: Partial<ServerOptions> = redis
  ? {
      adapter: createAdapter(redis, { streamName: base, channelPrefix: base, sessionKeyPrefix: `${base}:session:`, maxLen: BUS_MAX_LEN, onlyPlaintext: true }),
      connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: true },
    }
  : {};

const server = http.createServer();
const io = new Server(server, options);
io.on('connection', (socket) => {
  socket.on('pin', (payload: unknown) => io.emit('vacancy:pinned', payload));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.send?.({ type: 'listening', url: `http://127.0.0.1:${address.port}` });
});
process.on('disconnect', () => {
  redis?.disconnect();
  process.exit(0);
});
