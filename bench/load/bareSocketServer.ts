// The baseline of the audience benchmark: a socket.io server with no application, on the same
// socket.io version and transport as the platform. A client's `pin` is broadcast to every socket,
// as the platform broadcasts a pinned vacancy to a session's audience. Reports its URL over IPC.
import http from 'node:http';
import { Server } from 'socket.io';

const server = http.createServer();
const io = new Server(server);
io.on('connection', (socket) => {
  socket.on('pin', (payload: unknown) => io.emit('vacancy:pinned', payload));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.send?.({ type: 'listening', url: `http://127.0.0.1:${address.port}` });
});
process.on('disconnect', () => process.exit(0));
