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
 * A viewer watching, through this node, a stage another node holds: their place is there, and what
 * they do on the stage is carried out there (see remoteAudience).
 */
export interface RemoteJoined {
  sessionId: string;
  peerId: string;
  /** The node holding the stage, and its boot: a restarted owner holds none of its old places. */
  owner: string;
  ownerBoot: string;
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
  /** The place this connection holds on another node's stage, if it joined one through this node. */
  remote: RemoteJoined | undefined = undefined;
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
  /** The sessions this connection was counted a viewer of (see countViewer in stageSocket): made on the first. */
  viewerCounted: Set<string> | undefined = undefined;

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

/** The session and place a socket joined, on this node's stage or through it on another node's. */
export function placeOf(socket: IoSocket): { sessionId: string; peerId: string } {
  const remote = socket.data.remote;
  if (remote) return { sessionId: remote.sessionId, peerId: remote.peerId };
  const { stage, peer } = joinedOf(socket);
  return { sessionId: stage.sessionId, peerId: peer.id };
}
