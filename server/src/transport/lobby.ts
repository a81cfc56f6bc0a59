import type { StageDirectory } from '../media/stageDirectory';
import type { IoServer, IoSocket } from './stageSocket';

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
 * The lobby one connection waits in: at most one at a time. Entered before the session's status is
 * read, so a go-live between that read and the refusal is not missed.
 */
export class LobbyMembership {
  readonly #socket: IoSocket;
  #channel: string | undefined;

  constructor(socket: IoSocket) {
    this.#socket = socket;
  }

  async enter(sessionId: string): Promise<void> {
    const channel = lobbyChannel(sessionId);
    if (this.#channel === channel) return;
    await this.leave();
    this.#channel = channel;
    await this.#socket.join(channel);
  }

  async leave(): Promise<void> {
    const channel = this.#channel;
    this.#channel = undefined;
    if (channel) await this.#socket.leave(channel);
  }
}
