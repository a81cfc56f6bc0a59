import type { DefaultEventsMap, Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@chunfeng/shared/events';
import type { AuthorIds } from '../auth/authorIds';
import { DomainError } from '../domain/errors';
import type { EventBucket } from '../domain/eventBucket';
import type { KeyedQueue } from '../domain/keyedQueue';
import type { LiveStage, Place } from '../media/liveStage';
import type { SocketIdentity } from './identity';

/** What a socket has joined, if anything. */
export interface Joined {
  stage: LiveStage;
  /** The person's place; its `media` is set only while they are on WebRTC. */
  peer: Place;
}

/**
 * Everything the server keeps for one connection, as its `socket.data`: one small object with a
 * fixed shape, read by handlers shared by every socket. Thousands of idle viewers each hold one, so
 * what a viewer never uses (a hand-raise queue, a console scope) is made on first use.
 */
export class SocketState {
  /** The server's author-id key, for this connection's identity. */
  readonly authors: AuthorIds;
  /** The stage this connection joined and its place there. */
  joined: Joined | undefined = undefined;
  /** The lobby channel this connection waits in for a session to go live (at most one). */
  lobby: string | undefined = undefined;
  /** Who is behind this connection, worked out once (see identityOf). */
  identity: Promise<SocketIdentity> | undefined = undefined;
  /** This connection's event allowance (see guardFlood), made on its first event. */
  bucket: EventBucket | undefined = undefined;
  /** Events dropped over the allowance so far. */
  dropped = 0;
  /** Raises and lowers of a hand, in order: made on the first raise (most viewers never raise one). */
  hands: KeyedQueue | undefined = undefined;
  /** HLS ↔ WebRTC switches, in order: made on the first switch. */
  switches: KeyedQueue | undefined = undefined;
  /** The employer whose console this connection subscribed to, if any. */
  consoleEmployer: string | undefined = undefined;

  constructor(authors: AuthorIds) {
    this.authors = authors;
  }
}

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, DefaultEventsMap, SocketState>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, DefaultEventsMap, SocketState>;

/** The stage a socket joined and its place there; NOT_JOINED if it has none (or it closed). */
export function joinedOf(socket: IoSocket): Joined {
  const joined = socket.data.joined;
  if (!joined || joined.stage.closed || joined.peer.closed) throw new DomainError('NOT_JOINED', 'join the session first');
  return joined;
}
