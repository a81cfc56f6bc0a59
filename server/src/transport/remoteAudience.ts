import { z } from 'zod';
import { requestSchemas } from '@chunfeng/shared/events';
import { PeerId, SessionId } from '@chunfeng/shared/ids';
import type { PinsNow, Question } from '@chunfeng/shared/recruitment';
import { StageRole, type StageJoinInput, type StageJoinResult } from '@chunfeng/shared/stage';
import type { Tokens } from '../auth/tokens';
import type { MediaRelays } from '../cluster/mediaRelays';
import type { NodeMail, Sender } from '../cluster/nodeMail';
import type { Placement } from '../cluster/placement';
import { DomainError } from '../domain/errors';
import { questionView } from '../domain/questions';
import type { Logger } from '../logger';
import type { LiveStage } from '../media/liveStage';
import type { StageDirectory } from '../media/stageDirectory';
import type { RecruitmentService } from '../services/recruitment';
import { identityOf } from './identity';
import { staffOf, takePlace, type Asker } from './moderators';
import { PAYLOAD_LIMITS, plainDataProblem } from './plainData';
import { validate } from './requests';
import type { IoSocket } from './socketState';
import { StageActionName, type StageActions } from './stageActions';
import { authorChannel, hostChannel, stageChannel } from './stageSocket';

/** Who a viewer is, as the node they are connected to verified it. */
const Claims = z.strictObject({
  authorId: z.string().min(1).max(200),
  device: z.boolean(),
  staff: z.strictObject({ role: z.enum(['host', 'admin', 'staff']), name: z.string().max(200) }).nullable(),
});
type Claims = z.infer<typeof Claims>;
const Connection = z.string().min(1).max(64);
const JoinMail = z.strictObject({
  sessionId: SessionId,
  connection: Connection,
  displayName: z.string().max(40).optional(),
  resume: z.strictObject({ peerId: PeerId, key: z.string().min(16).max(128) }).optional(),
  claims: Claims,
});
const ActMail = z.strictObject({ sessionId: SessionId, peerId: PeerId, connection: Connection, claims: Claims, name: StageActionName, input: z.unknown() });
const PlaceMail = z.strictObject({ sessionId: SessionId, peerId: PeerId, connection: Connection });
const ClosedMail = z.strictObject({ sessionId: SessionId });
/** Connections asked about at once in a census (a node with more is asked in several). */
const CENSUS_BATCH = 5_000;
const CensusMail = z.strictObject({ connections: z.array(Connection).max(CENSUS_BATCH) });
const CensusReply = z.strictObject({ gone: z.array(Connection).max(CENSUS_BATCH) });
const AnswerMail = z.strictObject({ employerId: z.string().min(1).max(64), questionId: z.string().min(1).max(64), text: z.string().max(500).nullable(), onStage: z.boolean() });
const JoinReply = z.strictObject({
  peerId: PeerId,
  resumeKey: z.string().min(16).max(128),
  resumed: z.boolean(),
  hlsUrl: z.string().max(2048).nullable(),
  /** Whether an interactive seat is free (or held) for it: the page then asks for WebRTC through its own node. */
  interactive: z.boolean(),
  roster: z.strictObject({
    onStage: z.array(z.strictObject({ peerId: PeerId, role: StageRole, displayName: z.string().max(200), handRaised: z.boolean(), away: z.literal(true).optional() })).max(100),
    viewerCount: z.number().int().min(0),
  }),
  // The owner's cards as they are pinned: plain data (checked below), shown as sent.
  pins: z.object({ seq: z.number().int().min(0), vacancy: z.unknown(), policy: z.unknown() }),
});

/** What a reply forwarded to a client may be: plain data, larger than a request (a question list). */
const RESULT_LIMITS = { ...PAYLOAD_LIMITS, maxArrayLength: 10_000, maxNodes: 200_000 };

/**
 * Viewers of one session spread over every node of a cluster. The stage lives on the node holding
 * its lease (the owner); a viewer connected to another node gets a place in the owner's stage by mail
 * (banned families refused there, counted once in its roster) and joins the session's rooms on its
 * own node, so every broadcast reaches it through socket.io's adapter. What it does on the stage
 * (chat, questions, hands, moderation by staff, leaving) is carried out by the owner, by the same
 * actions as for a viewer connected there.
 *
 * Dropping: a viewer's connection lost, its node tells the owner, which keeps the place for the grace
 * period (a resume through any node takes it back). A node that dies has its places let go by the
 * owner once its presence lapses; an owner that dies (or restarts) is noticed the same way, and its
 * viewers here are told `stage:ended` with `host-left`: they wait in the lobby until a host takes the
 * stage on some node. A notice of a drop lost on the way (a Redis blip) is caught by the owner's
 * census: every `censusMs` it asks each node for which of the connections it holds places for are
 * gone there, and lets those places go as if told (the grace period, then released).
 */
/** Actions one socket may have waiting at the owner at once (a page has one, a retry makes two). */
export const FORWARDS_PER_SOCKET = 4;
/** Actions this node may have waiting at owners at once, all sockets together. */
export const FORWARDS_PER_NODE = 2000;

export class RemoteAudience {
  readonly #mail: NodeMail;
  readonly #directory: StageDirectory;
  readonly #service: RecruitmentService;
  readonly #actions: StageActions;
  readonly #tokens: Tokens;
  readonly #logger: Logger;
  readonly #hlsUrl: (sessionId: string) => string | null;
  readonly #ownerElsewhere: (sessionId: SessionId) => Promise<{ node: string; boot: string } | undefined>;
  /** Actions forwarded to an owner and not answered yet, per socket and in all. */
  readonly #inFlight = new Map<string, number>();
  #inFlightTotal = 0;
  /** This node's sockets holding a place on another node's stage. */
  readonly #viewers = new Map<string, IoSocket>();
  /** Owners watched (node and boot), with the function that stops watching. */
  readonly #owners = new Map<string, () => void>();
  /** Owner side: the places held from each other node (by node, then connection). */
  readonly #placesFrom = new Map<string, { boot: string; places: Map<string, { sessionId: string; peerId: string }>; unwatch: () => void }>();
  /** Owner side: the node and connection each of those places is held for (by session and peer), to forget it once it is gone. */
  readonly #heldFor = new Map<string, { nodeId: string; connection: string }>();
  /** WebRTC for the viewers of stages held elsewhere, relayed to this node (set once both exist). */
  relays: MediaRelays | undefined = undefined;
  /** Where a new WebRTC viewer of this node goes when this node is full. */
  placement: Placement | undefined = undefined;
  /** Whether a connection of this node is still open (asked by owners in their census). */
  readonly #connected: (connection: string) => boolean;
  readonly #census: ReturnType<typeof setInterval>;

  readonly #afterBroadcasts: () => Promise<void>;

  constructor({ mail, directory, service, actions, tokens, logger, hlsUrl, ownerElsewhere, connected, censusMs = 15_000, afterBroadcasts = () => Promise.resolve() }: {
    mail: NodeMail;
    directory: StageDirectory;
    service: RecruitmentService;
    actions: StageActions;
    tokens: Tokens;
    logger: Logger;
    hlsUrl: (sessionId: string) => string | null;
    /** The running node holding the session's stage when it is another one. */
    ownerElsewhere: (sessionId: SessionId) => Promise<{ node: string; boot: string } | undefined>;
    /** Whether a socket of this node with this id is still connected. */
    connected: (connection: string) => boolean;
    /** How often the owner checks with each node that the places it holds for it are still wanted. */
    censusMs?: number;
    /** Resolves once what this node has broadcast so far is on the bus (node mail must not overtake it). */
    afterBroadcasts?: () => Promise<void>;
  }) {
    this.#afterBroadcasts = afterBroadcasts;
    this.#mail = mail;
    this.#directory = directory;
    this.#service = service;
    this.#actions = actions;
    this.#tokens = tokens;
    this.#logger = logger;
    this.#hlsUrl = hlsUrl;
    this.#ownerElsewhere = ownerElsewhere;
    this.#connected = connected;
    actions.forward = (socket, name, input) => this.#forward(socket, name, input);
    mail.handle('stage.join', JoinMail, (payload, from) => this.#placeFor(payload, from));
    mail.handle('stage.act', ActMail, (payload) => this.#act(payload));
    mail.handle('stage.detach', PlaceMail, async ({ sessionId, peerId, connection }) => {
      (await this.#stage(sessionId))?.detach(peerId, connection);
    });
    mail.handle('stage.closed', ClosedMail, ({ sessionId }, from) => this.#closedThere(sessionId, from));
    // The owner let a place go, or it was taken back through another connection: what this node
    // keeps for the old connection (its rooms, its relayed media) goes, so it holds no media without a seat.
    mail.handle('stage.letGo', PlaceMail, ({ sessionId, peerId, connection }, from) => {
      const socket = this.#viewers.get(connection);
      const remote = socket?.data.remote;
      if (socket && remote?.sessionId === sessionId && remote.peerId === peerId && remote.owner === from.nodeId && remote.ownerBoot === from.boot) this.#leaveRooms(socket);
    });
    mail.handle('stage.census', CensusMail, ({ connections }) => ({ gone: connections.filter((c) => !this.#connected(c)) }));
    this.#census = setInterval(() => void this.#takeCensus(), censusMs);
    this.#census.unref();
    mail.handle('question.answer', AnswerMail, async ({ employerId, questionId, text, onStage }) =>
      questionView(await service.questions.answer({ kind: 'employer', employerId }, questionId, { text, onStage }), null),
    );
    directory.onOpen((stage) => {
      stage.on('left', (peerId) => this.#gone(stage.sessionId, peerId));
      stage.room.once('close', () => this.#closedHere(stage));
    });
  }

  /** The session's stage is held by `owner` (running as `boot`): a place there for this viewer. */
  async join(socket: IoSocket, input: StageJoinInput, owner: { node: string; boot: string }): Promise<StageJoinResult> {
    const sessionId = input.sessionId;
    const claims = await this.#claims(socket, sessionId);
    // In the rooms before the owner reads its pins for the reply: a pin made meanwhile reaches this
    // socket as an event or in the reply, never neither (this node's own pin cache follows no pins).
    const rooms = [stageChannel(sessionId), authorChannel(sessionId, claims.authorId)];
    await socket.join(rooms);
    let raw: unknown;
    try {
      raw = await this.#mail.ask(owner.node, 'stage.join', {
        sessionId,
        connection: socket.id,
        ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
        ...(input.resume ? { resume: input.resume } : {}),
        claims,
      });
    } catch (error) {
      for (const room of rooms) await socket.leave(room);
      throw error;
    }
    const reply = JoinReply.safeParse(raw);
    if (!reply.success || plainDataProblem(raw, RESULT_LIMITS)) throw new DomainError('UNAVAILABLE', 'the node holding the stage answered something unexpected', { retryAfterSeconds: 1 });
    const { peerId, resumeKey, resumed, roster, hlsUrl, pins, interactive } = reply.data;
    if (!socket.connected || socket.data.remote || socket.data.joined) {
      // Gone (or joined meanwhile by another request): the place taken for it is let go at once.
      this.#mail.tell(owner.node, 'stage.detach', { sessionId, peerId, connection: socket.id });
      throw new DomainError('CONFLICT', 'already joined');
    }
    socket.data.remote = { sessionId, peerId, owner: owner.node, ownerBoot: owner.boot };
    this.#viewers.set(socket.id, socket);
    this.#watchOwner(owner.node, owner.boot);
    this.#logger.debug({ socket: socket.id, sessionId, owner: owner.node, peerId, resumed }, 'joined a stage held by another node');
    return { peerId, role: 'viewer', resumeKey, resumed, roster, hlsUrl: hlsUrl ?? this.#hlsUrl(sessionId), interactive: interactive && this.relays !== undefined, pins: pins as PinsNow, mode: 'hls' };
  }

  /** An employer's answer, given on the node holding the question's session (undefined when that is this node, or none). */
  async answerElsewhere(employerId: string, questionId: string, answer: { text: string | null; onStage: boolean }): Promise<Question | undefined> {
    const question = await this.#service.store.getQuestion(questionId);
    const owner = question ? await this.#ownerElsewhere(question.sessionId as SessionId) : undefined;
    if (!owner) return undefined;
    const data = await this.#mail.ask(owner.node, 'question.answer', { employerId, questionId, ...answer });
    if (plainDataProblem(data, RESULT_LIMITS) || typeof data !== 'object' || data === null) throw new DomainError('UNAVAILABLE', 'the node holding the stage answered something unexpected', { retryAfterSeconds: 1 });
    return data as Question;
  }

  /** A remotely joined socket's connection dropped: the owner keeps its place for the grace period. */
  dropped(socket: IoSocket): void {
    const remote = socket.data.remote;
    if (!remote) return;
    this.#forget(socket);
    this.#mail.tell(remote.owner, 'stage.detach', { sessionId: remote.sessionId, peerId: remote.peerId, connection: socket.id });
  }

  /** The socket left its place (the owner let it go): nothing is relayed for it any more. */
  left(socket: IoSocket): void {
    this.#forget(socket);
  }

  async #claims(socket: IoSocket, sessionId: string): Promise<Claims> {
    const identity = await identityOf(socket, this.#tokens);
    return { authorId: identity.authorIdIn(sessionId), device: identity.device, staff: await staffOf(socket, this.#tokens) };
  }

  async #forward(socket: IoSocket, name: StageActionName, input: unknown): Promise<unknown> {
    const remote = socket.data.remote;
    if (!remote) throw new DomainError('NOT_JOINED', 'join the session first');
    // A page waits for its answer before it sends the next action; a socket with more waiting is a
    // script, and a node with thousands waiting would make every viewer of it wait behind them.
    const mine = this.#inFlight.get(socket.id) ?? 0;
    if (mine >= FORWARDS_PER_SOCKET) throw new DomainError('RATE_LIMITED', 'wait for the answers to your last requests', { retryAfterSeconds: 1 });
    if (this.#inFlightTotal >= FORWARDS_PER_NODE) throw new DomainError('UNAVAILABLE', 'the stage is busy; try again in a moment', { retryAfterSeconds: 1 });
    this.#inFlight.set(socket.id, mine + 1);
    this.#inFlightTotal += 1;
    const data = await this.#ask(socket, remote, name, input).finally(() => {
      this.#inFlightTotal -= 1;
      const left = (this.#inFlight.get(socket.id) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(socket.id, left);
      else this.#inFlight.delete(socket.id);
    });
    if (plainDataProblem(data, RESULT_LIMITS)) throw new DomainError('UNAVAILABLE', 'the node holding the stage answered something unexpected', { retryAfterSeconds: 1 });
    return data;
  }

  async #ask(socket: IoSocket, remote: NonNullable<IoSocket['data']['remote']>, name: StageActionName, input: unknown): Promise<unknown> {
    const claims = await this.#claims(socket, remote.sessionId);
    return this.#mail.ask(remote.owner, 'stage.act', { sessionId: remote.sessionId, peerId: remote.peerId, connection: socket.id, claims, name, input }).catch((error: unknown) => {
      // The owner holds no place for it any more: it may join again.
      if (error instanceof DomainError && error.code === 'NOT_JOINED' && socket.data.remote === remote) this.#leaveRooms(socket);
      throw error;
    });
  }

  #forget(socket: IoSocket): void {
    this.relays?.drop(socket);
    socket.data.remote = undefined;
    this.#viewers.delete(socket.id);
  }

  #leaveRooms(socket: IoSocket): void {
    const remote = socket.data.remote;
    this.#forget(socket);
    if (!remote) return;
    for (const room of [...socket.rooms]) {
      if (room === stageChannel(remote.sessionId) || room === hostChannel(remote.sessionId) || room.startsWith(`author:${remote.sessionId}:`)) void socket.leave(room);
    }
  }

  #watchOwner(node: string, boot: string): void {
    const key = `${node}\u0000${boot}`;
    if (this.#owners.has(key)) return;
    this.#owners.set(key, this.#mail.watch(node, boot, () => {
      this.#owners.delete(key);
      const orphans = [...this.#viewers.values()].filter((s) => s.data.remote?.owner === node && s.data.remote.ownerBoot === boot);
      if (orphans.length > 0) this.#logger.warn({ owner: node, viewers: orphans.length }, 'the node holding a stage stopped; its viewers here join again');
      for (const socket of orphans) {
        this.#leaveRooms(socket);
        // The host's connection went with that node, the session did not end: the page waits in the
        // lobby (as when a host leaves) and joins whichever node the host takes the stage on next.
        socket.emit('stage:ended', { reason: 'host-left' });
      }
    }));
  }

  /** The owner closed a stage: its viewers here were told by broadcast; what is relayed for them goes. */
  #closedThere(sessionId: string, from: Sender): void {
    for (const socket of [...this.#viewers.values()]) {
      const remote = socket.data.remote;
      if (remote?.sessionId === sessionId && remote.owner === from.nodeId && remote.ownerBoot === from.boot) this.#leaveRooms(socket);
    }
  }

  // ---- The owner's side ----

  async #stage(sessionId: string): Promise<LiveStage | undefined> {
    const stage = await this.#directory.get(sessionId as SessionId)?.catch(() => undefined);
    return stage && !stage.closed ? stage : undefined;
  }

  async #placeFor({ sessionId, connection, displayName, resume, claims }: z.output<typeof JoinMail>, from: Sender): Promise<z.input<typeof JoinReply>> {
    const stage = await this.#stage(sessionId);
    if (!stage) {
      // Its host ended it a moment ago: the status write (queued here as the stage closed) says so.
      if ((await this.#service.sessionStatus(sessionId)) === 'ended') throw new DomainError('SESSION_ENDED', 'this session has ended');
      throw new DomainError('SESSION_NOT_LIVE', 'this session is not live yet');
    }
    const { seat, resumed } = await takePlace(stage, { role: 'viewer', displayName, resume, connection, authorId: claims.authorId, device: claims.device, staff: () => Promise.resolve(claims.staff) });
    this.#held(from, sessionId, seat.place.id, connection);
    // Read last, as for a socket here: the asking node put the socket in the rooms first.
    const pins = await this.#service.pinsNow(sessionId);
    const interactive = stage.interactive.has(seat.place.id) || stage.interactive.free;
    return { peerId: seat.place.id, resumeKey: seat.resumeKey, resumed, roster: stage.rosterView(), hlsUrl: this.#hlsUrl(sessionId), interactive, pins };
  }

  async #act({ sessionId, peerId, connection, claims, name, input }: z.output<typeof ActMail>): Promise<unknown> {
    const stage = await this.#stage(sessionId);
    const peer = stage?.placeOf(peerId);
    if (!stage || !peer || peer.closed || stage.connectionOf(peerId) !== connection) throw new DomainError('NOT_JOINED', 'join the session first');
    const parsed = validate(requestSchemas[name], input);
    if (!parsed.ok) throw new DomainError('VALIDATION', 'the request is not valid');
    const asker: Asker = { stage, peer, connection, authorId: claims.authorId, device: claims.device, staff: () => Promise.resolve(claims.staff) };
    return this.#actions.run(name, asker, parsed.data);
  }

  /** Records a place held for a connection of another node, and watches that node. */
  #held(from: Sender, sessionId: string, peerId: string, connection: string): void {
    let node = this.#placesFrom.get(from.nodeId);
    if (node && node.boot !== from.boot) {
      // That node restarted: what it held before is let go with its old boot.
      this.#lapsed(from.nodeId, node.boot);
      node = undefined;
    }
    if (!node) {
      const boot = from.boot;
      node = { boot, places: new Map(), unwatch: this.#mail.watch(from.nodeId, boot, () => this.#lapsed(from.nodeId, boot)) };
      this.#placesFrom.set(from.nodeId, node);
    }
    node.places.set(connection, { sessionId, peerId });
    // A place resumed through another connection (or node): its record under the old one goes.
    const key = placeKey(sessionId, peerId);
    const before = this.#heldFor.get(key);
    if (before && (before.nodeId !== from.nodeId || before.connection !== connection)) {
      this.#unrecord(before.nodeId, before.connection, key);
      this.#mail.tell(before.nodeId, 'stage.letGo', { sessionId, peerId, connection: before.connection });
    }
    this.#heldFor.set(key, { nodeId: from.nodeId, connection });
  }

  /** A place of the stage held here was let go: if it was held for another node's connection, it is forgotten. */
  #gone(sessionId: string, peerId: string): void {
    const key = placeKey(sessionId, peerId);
    const held = this.#heldFor.get(key);
    if (!held) return;
    this.#heldFor.delete(key);
    this.#unrecord(held.nodeId, held.connection, key);
    this.#mail.tell(held.nodeId, 'stage.letGo', { sessionId, peerId, connection: held.connection });
  }

  /** Removes a node's record of a connection's place, when it is still that place's. */
  #unrecord(nodeId: string, connection: string, key: string): void {
    const places = this.#placesFrom.get(nodeId)?.places;
    const place = places?.get(connection);
    if (place && placeKey(place.sessionId, place.peerId) === key) places!.delete(connection);
  }

  /** A node stopped: the places its connections still hold are let go (those resumed elsewhere meanwhile are not theirs any more). */
  #lapsed(nodeId: string, boot: string): void {
    const node = this.#placesFrom.get(nodeId);
    if (!node || node.boot !== boot) return;
    this.#placesFrom.delete(nodeId);
    node.unwatch();
    if (node.places.size > 0) this.#logger.warn({ node: nodeId, places: node.places.size }, 'a node with viewers of stages held here stopped; their places are let go');
    for (const [connection, { sessionId, peerId }] of node.places) {
      this.#heldFor.delete(placeKey(sessionId, peerId));
      void this.#stage(sessionId).then((stage) => stage?.release(peerId as PeerId, connection));
    }
  }

  /**
   * Asks each node holding places here which of their connections are gone, and detaches those places
   * (a drop whose notice was lost). Only what is still recorded for the same connection when the
   * answer comes is touched; a node that does not answer is left to its presence.
   */
  async #takeCensus(): Promise<void> {
    for (const [nodeId, node] of this.#placesFrom) {
      const connections = [...node.places.keys()];
      for (let at = 0; at < connections.length; at += CENSUS_BATCH) {
        const reply = CensusReply.safeParse(await this.#mail.ask(nodeId, 'stage.census', { connections: connections.slice(at, at + CENSUS_BATCH) }).catch(() => undefined));
        if (!reply.success) break;
        for (const connection of reply.data.gone) {
          const place = this.#placesFrom.get(nodeId) === node ? node.places.get(connection) : undefined;
          if (!place) continue;
          this.#logger.info({ node: nodeId, sessionId: place.sessionId, peerId: place.peerId }, 'a place held for a connection gone from its node (its notice was lost) is let go');
          void this.#stage(place.sessionId).then((stage) => stage?.detach(place.peerId as PeerId, connection));
        }
      }
    }
  }

  /** A stage held here closed: each node with places in it lets go of what it relays for them. */
  #closedHere(stage: LiveStage): void {
    const told: string[] = [];
    for (const [nodeId, node] of this.#placesFrom) {
      let had = false;
      for (const [connection, place] of node.places) {
        if (place.sessionId !== stage.sessionId) continue;
        had = true;
        node.places.delete(connection);
        this.#heldFor.delete(placeKey(place.sessionId, place.peerId));
      }
      if (had) told.push(nodeId);
    }
    if (told.length === 0) return;
    // The notice goes by pub/sub, the stage:ended broadcast by the bus's stream: sent at once, it
    // could reach a node first, whose viewers would leave the stage's rooms before hearing it ended.
    void this.#afterBroadcasts()
      .catch(() => undefined)
      .then(() => {
        for (const nodeId of told) this.#mail.tell(nodeId, 'stage.closed', { sessionId: stage.sessionId });
      });
  }

  /** What it keeps (the session memory's footprint): sockets relayed from here, places held here for other nodes. */
  held(): { viewers: number; places: number } {
    let places = 0;
    for (const node of this.#placesFrom.values()) places += node.places.size;
    return { viewers: this.#viewers.size, places };
  }

  /** Stops watching other nodes. */
  close(): void {
    clearInterval(this.#census);
    for (const unwatch of this.#owners.values()) unwatch();
    this.#owners.clear();
    for (const node of this.#placesFrom.values()) node.unwatch();
    this.#placesFrom.clear();
    this.#heldFor.clear();
  }
}

const placeKey = (sessionId: string, peerId: string): string => `${sessionId}\u0000${peerId}`;
