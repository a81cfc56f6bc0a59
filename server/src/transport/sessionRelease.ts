import { z } from 'zod';
import type { SessionRelease } from '../domain/sessionMemory';
import { moderatorChannel } from './chatSocket';
import { lobbyChannel } from './lobby';
import type { IoServer } from './socketState';
import { authorChannel, hostChannel, stageChannel } from './stageSocket';

const RELEASED = 'session:released';
const Released = z.strictObject({ sessionId: z.string().min(1).max(200), ended: z.boolean() });

/** The rooms of one session a socket of this node may be in while it takes part (its lobby apart). */
function sessionRoomsOf(sessionId: string, room: string): boolean {
  return room === stageChannel(sessionId) || room === hostChannel(sessionId) || room === moderatorChannel(sessionId) || room.startsWith(authorChannel(sessionId, ''));
}

const SESSION_ROOM = /^(stage|stage-host|stage-mod|author|lobby):/;

/** This node's socket.io rooms that belong to a session (for the node's session footprint). */
export function sessionRoomCount(io: IoServer): number {
  let count = 0;
  for (const room of io.of('/').adapter.rooms.keys()) if (SESSION_ROOM.test(room)) count += 1;
  return count;
}

/**
 * A session's stage closed here, or the session ended: this node's sockets that were in that stage
 * drop their hold on it (socket.data keeps no closed stage alive) and leave its rooms (its authors',
 * its moderators'). Once it ended, every socket of this node leaves them, and its lobby too: nothing
 * will be said there again. A socket in a stage of the session opened again here keeps its rooms.
 */
export function leaveSessionRooms(io: IoServer, sessionId: string, { ended }: SessionRelease): void {
  const nsp = io.of('/');
  const rooms = [...nsp.adapter.rooms.keys()].filter((room) => sessionRoomsOf(sessionId, room));
  const socketIds = new Set(rooms.flatMap((room) => [...(nsp.adapter.rooms.get(room) ?? [])]));
  const leaving: string[] = [];
  for (const id of socketIds) {
    const socket = nsp.sockets.get(id);
    if (!socket) continue;
    const joined = socket.data.joined;
    if (joined?.stage.sessionId === sessionId) {
      if (!joined.stage.closed) continue;
      socket.data.joined = undefined;
    } else if (!ended) continue;
    leaving.push(id);
  }
  // Through the adapter, never socket.leave() or io.local: with the Redis bus a broadcast reaches
  // this node's own sockets only once Redis has taken it, so the stage:ended the closing stage sent
  // could still be on its way when its closing write is done, and sockets taken out of the rooms
  // now would never hear it. The adapter's leave is published after it on the same connection and
  // applied here after it is delivered (without the bus both are immediate, in the same order).
  if (leaving.length > 0 && rooms.length > 0) io.in(leaving).socketsLeave(rooms);
  if (ended) io.in(lobbyChannel(sessionId)).socketsLeave(lobbyChannel(sessionId));
}

/**
 * Across nodes (the Redis bus): the node whose stage of a session closed tells the others once its
 * closing writes are done, so each lets go of what it kept for that session (caches read for its
 * viewers and readers, funnel state, rooms). Returns the function that tells them.
 */
export function relaySessionReleases(io: IoServer, release: (sessionId: string, how: SessionRelease) => void): (sessionId: string, how: SessionRelease) => void {
  io.on(RELEASED, (raw: unknown) => {
    const released = Released.safeParse(raw);
    if (released.success) release(released.data.sessionId, { ended: released.data.ended });
  });
  return (sessionId, { ended }) => io.serverSideEmit(RELEASED, { sessionId, ended });
}
