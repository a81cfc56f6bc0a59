import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { AppError } from '@chunfeng/shared/errors';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import { boundedRedisOptions } from './redisOptions';

/** A node's mailbox channel: requests to it and replies to what it asked arrive there. */
export const mailChannel = (prefix: string, nodeId: string): string => `${prefix}cluster:mail:${nodeId}`;
/** A node's presence key: its boot id while it runs (renewed), gone a TTL after it died. */
export const presenceKey = (prefix: string, nodeId: string): string => `${prefix}cluster:node:${nodeId}`;
/** A node's media load, written with its presence (and lapsing with it). */
export const loadKey = (prefix: string, nodeId: string): string => `${prefix}cluster:load:${nodeId}`;
/** Every node id that ever ran on this Redis (a few names; the dead ones have no presence). */
const nodesKey = (prefix: string): string => `${prefix}cluster:nodes`;

/** What a node says of its media: consumers it carries (or has placed viewers for) and how many it can. */
export interface NodeLoad {
  load: number;
  capacity: number;
}
const NodeLoadSchema = z.strictObject({ load: z.number().min(0), capacity: z.number().min(0) });

/** Who sent a message: the node and the boot (process) it came from. */
export interface Sender {
  nodeId: string;
  boot: string;
}

const NodeName = z.string().min(1).max(200);
const Envelope = z.union([
  z.strictObject({ type: z.literal('ask'), id: z.string().min(1).max(64), from: NodeName, boot: z.string().min(1).max(64), kind: z.string().min(1).max(64), payload: z.unknown() }),
  z.strictObject({ type: z.literal('tell'), from: NodeName, boot: z.string().min(1).max(64), kind: z.string().min(1).max(64), payload: z.unknown() }),
  z.strictObject({ type: z.literal('reply'), id: z.string().min(1).max(64), ok: z.literal(true), data: z.unknown() }),
  z.strictObject({ type: z.literal('reply'), id: z.string().min(1).max(64), ok: z.literal(false), error: AppError }),
]);
type Envelope = z.infer<typeof Envelope>;

/** Messages larger than this are dropped unread (a join reply with a full roster is a few kB). */
const MAX_MESSAGE_BYTES = 256 * 1024;

interface Handler {
  schema: z.ZodType;
  run: (payload: unknown, from: Sender) => unknown;
}

interface Pending {
  resolve: (data: unknown) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Watched {
  boot: string;
  listeners: Set<() => void>;
}

/**
 * Request and reply between the nodes of a cluster, over Redis pub/sub: each node reads its own
 * channel (`cf:cluster:mail:<nodeId>`); a request carries an id and a kind, and its reply comes back
 * on the asker's channel. A request nobody answers within `timeoutMs` (the node died, Redis away)
 * rejects with UNAVAILABLE, which the asker may retry. Everything received is validated: another
 * node is still input, and garbage on a channel is dropped without reaching a handler.
 *
 * Each node also keeps a presence key (`cf:cluster:node:<nodeId>` = its boot id, renewed every
 * third of `ttlMs`): `watch` tells a listener once the node it names stops, or restarted (another boot).
 */
export class NodeMail {
  readonly nodeId: string;
  /** This process: a node restarted under the same id has another. */
  readonly boot = crypto.randomUUID();
  readonly #prefix: string;
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #ttlMs: number;
  readonly #handlers = new Map<string, Handler>();
  readonly #pending = new Map<string, Pending>();
  readonly #watched = new Map<string, Watched>();
  readonly #timers: Array<ReturnType<typeof setInterval>> = [];
  #closed = false;
  #checking = false;
  /** This node's media load, reported with each presence renewal (none until told how to read it). */
  #load: (() => NodeLoad) | undefined;

  constructor({ url, nodeId, ttlMs, logger, prefix = 'cf:', timeoutMs = 3000 }: { url: string; nodeId: string; ttlMs: number; logger: Logger; prefix?: string; timeoutMs?: number }) {
    this.nodeId = nodeId;
    this.#prefix = prefix;
    this.#logger = logger;
    this.#timeoutMs = timeoutMs;
    this.#ttlMs = ttlMs;
    this.#redis = new Redis(url, { ...boundedRedisOptions(), connectionName: `chunfeng-mail:${nodeId}` });
    this.#sub = new Redis(url, { ...boundedRedisOptions(), connectionName: `chunfeng-mail-sub:${nodeId}` });
    // Connection errors are reported by the store's own connection; here they would only repeat it.
    this.#redis.on('error', () => undefined);
    this.#sub.on('error', () => undefined);
    this.#sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.#received(message));
  }

  /** Subscribes to this node's channel and writes its presence; then renews it and checks the watched nodes. */
  async start(): Promise<void> {
    await this.#sub.subscribe(mailChannel(this.#prefix, this.nodeId));
    await this.#present();
    const every = Math.max(100, Math.floor(this.#ttlMs / 3));
    const renew = setInterval(() => void this.#present().catch(() => undefined), every);
    const check = setInterval(() => void this.#checkWatched(), every);
    renew.unref();
    check.unref();
    this.#timers.push(renew, check);
  }

  /** Answers requests (and notices) of one kind; the payload is validated with `schema` first. */
  handle<S extends z.ZodType>(kind: string, schema: S, run: (payload: z.output<S>, from: Sender) => unknown): void {
    if (this.#handlers.has(kind)) throw new Error(`two handlers for mail ${kind}`);
    this.#handlers.set(kind, { schema, run: run as Handler['run'] });
  }

  /**
   * Asks `nodeId` and resolves with its answer (validate it: it came over the wire), or rejects with
   * the coded error it answered, or UNAVAILABLE when no answer came in time.
   */
  ask(nodeId: string, kind: string, payload: unknown): Promise<unknown> {
    if (this.#closed) return Promise.reject(unavailable('this node is stopping'));
    const id = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(unavailable(`node ${nodeId} did not answer in time`));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#publish(nodeId, { type: 'ask', id, from: this.nodeId, boot: this.boot, kind, payload }).then(
        (receivers) => {
          // Nobody reads that channel: the node is not running. No need to wait for the timeout.
          if (receivers === 0) this.#settle(id, (p) => p.reject(unavailable(`node ${nodeId} is not running`)));
        },
        () => this.#settle(id, (p) => p.reject(unavailable('the cluster\'s Redis is out of reach'))),
      );
    });
  }

  /** Sends a notice that has no answer; failures are logged, never thrown. */
  tell(nodeId: string, kind: string, payload: unknown): void {
    if (this.#closed) return;
    this.#publish(nodeId, { type: 'tell', from: this.nodeId, boot: this.boot, kind, payload }).catch((err: unknown) =>
      this.#logger.debug({ err, nodeId, kind }, 'could not send a notice to another node'),
    );
  }

  /** The boot id of a running node, or null when it is not running. */
  async presence(nodeId: string): Promise<string | null> {
    return this.#redis.get(presenceKey(this.#prefix, nodeId));
  }

  /** Every running node (this one included) with its boot id. */
  async running(): Promise<Map<string, string>> {
    const nodes = await this.#redis.smembers(nodesKey(this.#prefix));
    if (nodes.length === 0) return new Map();
    const boots = await this.#redis.mget(nodes.map((n) => presenceKey(this.#prefix, n)));
    return new Map(nodes.flatMap((n, i): Array<[string, string]> => (boots[i] ? [[n, boots[i]]] : [])));
  }

  /**
   * Calls `gone` once when the node stops running or restarts (its presence lapses or names another
   * boot than `boot`). Returns the function that stops watching.
   */
  watch(nodeId: string, boot: string, gone: () => void): () => void {
    const key = `${nodeId}\u0000${boot}`;
    let watched = this.#watched.get(key);
    if (!watched) {
      watched = { boot, listeners: new Set() };
      this.#watched.set(key, watched);
    }
    const listener = (): void => gone();
    watched.listeners.add(listener);
    const entry = watched;
    return () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0 && this.#watched.get(key) === entry) this.#watched.delete(key);
    };
  }

  /** Stops answering and asking (pending requests reject UNAVAILABLE), removes the presence key and closes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const id of [...this.#pending.keys()]) this.#settle(id, (p) => p.reject(unavailable('this node is stopping')));
    await this.#redis.del(presenceKey(this.#prefix, this.nodeId)).catch(() => undefined);
    this.#sub.disconnect();
    await this.#redis.quit().catch(() => undefined);
    this.#redis.disconnect();
  }

  async #present(): Promise<void> {
    if (this.#closed) return;
    const multi = this.#redis.multi().set(presenceKey(this.#prefix, this.nodeId), this.boot, 'PX', this.#ttlMs).sadd(nodesKey(this.#prefix), this.nodeId);
    if (this.#load) multi.set(loadKey(this.#prefix, this.nodeId), JSON.stringify(this.#load()), 'PX', this.#ttlMs);
    await multi.exec();
  }

  /** Reports this node's media load with every renewal of its presence, from now on. */
  reportLoad(read: () => NodeLoad): void {
    this.#load = read;
  }

  /** Every running node's last reported media load (a node that reports none, or garbage, is left out). */
  async loads(): Promise<Map<string, NodeLoad>> {
    const running = [...(await this.running()).keys()];
    if (running.length === 0) return new Map();
    const raw = await this.#redis.mget(running.map((n) => loadKey(this.#prefix, n)));
    const loads = new Map<string, NodeLoad>();
    running.forEach((node, i) => {
      try {
        const parsed = NodeLoadSchema.safeParse(JSON.parse(raw[i] ?? 'null'));
        if (parsed.success) loads.set(node, parsed.data);
      } catch {
        // Not JSON: as if it reported nothing.
      }
    });
    return loads;
  }

  async #checkWatched(): Promise<void> {
    if (this.#checking || this.#watched.size === 0) return;
    this.#checking = true;
    try {
      const entries = [...this.#watched];
      const nodes = [...new Set(entries.map(([key]) => key.split('\u0000')[0]!))];
      const boots = await this.#redis.mget(nodes.map((n) => presenceKey(this.#prefix, n)));
      const running = new Map(nodes.map((n, i) => [n, boots[i] ?? null]));
      for (const [key, watched] of entries) {
        if (running.get(key.split('\u0000')[0]!) === watched.boot) continue;
        this.#watched.delete(key);
        for (const listener of watched.listeners) {
          try {
            listener();
          } catch (err) {
            this.#logger.error({ err }, 'a listener of a stopped node failed');
          }
        }
      }
    } catch (err) {
      // Redis away: nobody can tell who is running; try again next round.
      this.#logger.debug({ err }, 'could not read the presence of other nodes');
    } finally {
      this.#checking = false;
    }
  }

  #publish(nodeId: string, envelope: Envelope): Promise<number> {
    return this.#redis.publish(mailChannel(this.#prefix, nodeId), JSON.stringify(envelope));
  }

  #settle(id: string, how: (pending: Pending) => void): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    how(pending);
  }

  #received(message: Buffer): void {
    if (this.#closed || message.length > MAX_MESSAGE_BYTES) return;
    let envelope: Envelope;
    try {
      const parsed = Envelope.safeParse(JSON.parse(message.toString('utf8')));
      if (!parsed.success) {
        this.#logger.warn({ issues: parsed.error.issues.slice(0, 3) }, 'dropped a malformed message on this node\'s mail channel');
        return;
      }
      envelope = parsed.data;
    } catch {
      this.#logger.warn('dropped a message on this node\'s mail channel that is not JSON');
      return;
    }
    if (envelope.type === 'reply') {
      const reply = envelope;
      this.#settle(reply.id, (p) => (reply.ok ? p.resolve(reply.data) : p.reject(fromAppError(reply.error))));
      return;
    }
    const from = { nodeId: envelope.from, boot: envelope.boot };
    const answer = (outcome: { ok: true; data: unknown } | { ok: false; error: AppError }): void => {
      if (envelope.type !== 'ask') return;
      this.#publish(envelope.from, { type: 'reply', id: envelope.id, ...outcome }).catch((err: unknown) =>
        this.#logger.debug({ err, to: envelope.from }, 'could not send a reply to another node'),
      );
    };
    const handler = this.#handlers.get(envelope.kind);
    if (!handler) {
      answer({ ok: false, error: { code: 'VALIDATION', message: 'unknown mail kind' } });
      return;
    }
    const payload = handler.schema.safeParse(envelope.payload);
    if (!payload.success) {
      answer({ ok: false, error: { code: 'VALIDATION', message: 'the request is not valid' } });
      return;
    }
    Promise.resolve()
      .then(() => handler.run(payload.data, from))
      .then(
        (data) => answer({ ok: true, data: data ?? {} }),
        (error: unknown) => {
          if (!(error instanceof DomainError)) this.#logger.error({ err: error, kind: envelope.kind, from: from.nodeId }, 'a request from another node failed unexpectedly');
          answer({ ok: false, error: toWire(error) });
        },
      );
  }
}

function unavailable(message: string): DomainError {
  return new DomainError('UNAVAILABLE', message, { retryAfterSeconds: 1 });
}

function toWire(error: unknown): AppError {
  if (!(error instanceof DomainError)) return { code: 'INTERNAL', message: 'something went wrong on the server; please try again' };
  return {
    code: error.code,
    message: error.message,
    ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    ...(error.node !== undefined ? { node: error.node } : {}),
  };
}

function fromAppError(error: AppError): DomainError {
  return new DomainError(error.code, error.message, {
    ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    ...(error.node !== undefined ? { node: error.node } : {}),
  });
}
