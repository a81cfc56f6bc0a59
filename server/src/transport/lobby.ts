import type { StageDirectory } from '../media/stageDirectory';
import type { IoServer, IoSocket } from './socketState';

/** Connections waiting for a session to go live: told once when it does, instead of asking again and again. */
export const lobbyChannel = (sessionId: string): string => `lobby:${sessionId}`;

/**
 * Tells each session's lobby when its stage opens (with a window to spread the rejoins over) and
 * empties it; tells it too if the host ends the session while someone is still waiting.
 */
export function announceToLobbies(io: IoServer, directory: StageDirectory, { spreadMs }: { spreadMs: number }): void {
  directory.onOpen((stage) => {
    const lobby = lobbyChannel(stage.sessionId);
    io.to(lobby).emit('stage:opened', { sessionId: stage.sessionId, spreadMs });
    io.in(lobby).socketsLeave(lobby);
    stage.room.once('close', (reason) => {
      if (reason === 'ended-by-host') io.to(lobby).emit('stage:ended', { reason });
    });
  });
}

/**
 * Puts a connection in a session's lobby (it waits in at most one, kept in its state). Entered before
 * the session's status is read, so a go-live between that read and the refusal is not missed.
 */
export async function enterLobby(socket: IoSocket, sessionId: string): Promise<void> {
  const channel = lobbyChannel(sessionId);
  if (socket.data.lobby !== channel) await leaveLobby(socket);
  socket.data.lobby = channel;
  // Joined again even when it is this lobby: a go-live empties the room without touching the
  // socket's state, and a socket still waiting after that stage closed must hear of the next one.
  await socket.join(channel);
}

/** Takes a connection out of the lobby it waits in, if any. */
export async function leaveLobby(socket: IoSocket): Promise<void> {
  const channel = socket.data.lobby;
  socket.data.lobby = undefined;
  if (channel) await socket.leave(channel);
}
