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
 * Resolves once every broadcast this node made before it has been delivered to this node's own
 * sockets: an empty leave, published through the adapter after them (socket.io's cluster adapter
 * publishes in order and delivers a broadcast here once it is published, then resolves its own
 * operations; the in-memory adapter does both at once).
 */
export function busBarrier(io: IoServer, { timeoutMs = 2000 }: { timeoutMs?: number } = {}): Promise<void> {
  const adapter = io.of('/').adapter as unknown as { delSockets(opts: { rooms: Set<string>; except: Set<string> }, rooms: string[]): unknown };
  // A publish that fails (Redis gone, the node closing) is no barrier: it goes on as after a timeout,
  // and the failure is handled here, not left to reject unobserved after the race was won.
  const passed = Promise.resolve()
    .then(() => adapter.delSockets({ rooms: new Set(['cf:bus-barrier']), except: new Set() }, []))
    .then(
      () => undefined,
      () => undefined,
    );
  // A bus waiting for Redis holds its publishes until Redis is back: past timeoutMs this goes on
  // without it, so a session's rooms are not kept for as long as Redis is away (this node's sockets
  // then miss what was held for them).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  return Promise.race([passed, timedOut]).finally(() => clearTimeout(timer));
}

/**
 * A session's stage closed here, or the session ended: this node's sockets that were in that stage
 * drop their hold on it (socket.data keeps no closed stage alive) and leave its rooms (its authors',
 * its moderators'). Once it ended, every socket of this node leaves them, and its lobby too: nothing
 * will be said there again. A socket in a stage of the session opened again here keeps its rooms.
 */
export async function leaveSessionRooms(io: IoServer, sessionId: string, { ended }: SessionRelease): Promise<void> {
  // With the Redis bus, the stage:ended the closing stage broadcast reaches this node's own sockets
  // only once Redis has taken it, which can be after the closing write is done: sockets taken out of
  // the rooms before that would never hear it. Who leaves is decided after it, so a socket that
  // joined the session's next stage meanwhile keeps its rooms.
  await busBarrier(io);
  const nsp = io.of('/');
  const rooms = [...nsp.adapter.rooms.keys()].filter((room) => sessionRoomsOf(sessionId, room));
  const socketIds = new Set(rooms.flatMap((room) => [...(nsp.adapter.rooms.get(room) ?? [])]));
  for (const id of socketIds) {
    const socket = nsp.sockets.get(id);
    if (!socket) continue;
    const joined = socket.data.joined;
    if (joined?.stage.sessionId === sessionId) {
      if (!joined.stage.closed) continue;
      socket.data.joined = undefined;
    } else if (!ended) continue;
    for (const room of rooms) void socket.leave(room);
  }
  if (ended) io.local.in(lobbyChannel(sessionId)).socketsLeave(lobbyChannel(sessionId));
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
