import { Redis } from 'ioredis';
import { storeErrorFromRedis } from '../store/storeError';
import { boundedRedisOptions, REDIS_RETRY_AFTER_SECONDS } from './redisOptions';

/** Who holds a session's stage, and since when (ISO time). */
export interface StageHolder {
  nodeId: string;
  since: string;
}

/** What a renewal found: still ours, ours again after it had expired, or held by another node. */
export type RenewOutcome = 'held' | 'retaken' | 'lost';

/**
 * The heartbeat of each live stage: a key per session naming the node holding it, alive for `ttlMs`
 * unless that node renews it. A node killed without a clean shutdown stops renewing, so its sessions
 * can be told apart from live ones. (Issue 13 turns this into the fenced ownership lease with an epoch.)
 */
export interface StageLeases {
  readonly ttlMs: number;
  readonly nodeId: string;
  /** Takes the session's stage for this node (or extends its own hold); false when another node holds it. */
  acquire(sessionId: string): Promise<boolean>;
  renew(sessionId: string): Promise<RenewOutcome>;
  /** Lets go of the session's stage if this node holds it. */
  release(sessionId: string): Promise<void>;
  holder(sessionId: string): Promise<StageHolder | undefined>;
  close(): Promise<void>;
}

// KEYS[1] the stage key; ARGV: node id, the holder record to write, ttl ms.
// 1 = held (extended), 2 = taken (it was free or expired), 0 = another node holds it.
const TAKE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 2
end
if cjson.decode(current).nodeId == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
`;

const RELEASE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).nodeId == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type Scripts = Record<'cfStageTake' | 'cfStageRelease', (key: string, ...args: string[]) => Promise<number>>;

/** Stage heartbeats in Redis (`<prefix>cluster:stage:<sessionId>` → `{ nodeId, since }`), shared by every node. */
export class RedisStageLeases implements StageLeases {
  readonly ttlMs: number;
  readonly nodeId: string;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #now: () => Date;

  constructor({ url, nodeId, ttlMs, prefix = 'cf:', now = () => new Date(), onConnectionError }: {
    url: string;
    nodeId: string;
    ttlMs: number;
    prefix?: string;
    now?: () => Date;
    onConnectionError?: (error: Error) => void;
  }) {
    this.ttlMs = ttlMs;
    this.nodeId = nodeId;
    this.#prefix = `${prefix}cluster:stage:`;
    this.#now = now;
    this.#redis = new Redis(url, boundedRedisOptions({ commandTimeoutMs: Math.max(1000, Math.floor(ttlMs / 3)) }));
    this.#redis.on('error', (error: Error) => onConnectionError?.(error));
    this.#redis.defineCommand('cfStageTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    this.#redis.defineCommand('cfStageRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  }

  get #scripts(): Scripts {
    return this.#redis as unknown as Scripts;
  }

  async #take(sessionId: string): Promise<number> {
    const record: StageHolder = { nodeId: this.nodeId, since: this.#now().toISOString() };
    return this.#guard(this.#scripts.cfStageTake(this.#prefix + sessionId, this.nodeId, JSON.stringify(record), String(this.ttlMs)));
  }

  async acquire(sessionId: string): Promise<boolean> {
    return (await this.#take(sessionId)) !== 0;
  }

  async renew(sessionId: string): Promise<RenewOutcome> {
    const taken = await this.#take(sessionId);
    return taken === 1 ? 'held' : taken === 2 ? 'retaken' : 'lost';
  }

  async release(sessionId: string): Promise<void> {
    await this.#guard(this.#scripts.cfStageRelease(this.#prefix + sessionId, this.nodeId));
  }

  async holder(sessionId: string): Promise<StageHolder | undefined> {
    const body = await this.#guard(this.#redis.get(this.#prefix + sessionId));
    return body ? (JSON.parse(body) as StageHolder) : undefined;
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  async #guard<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      throw storeErrorFromRedis(error, REDIS_RETRY_AFTER_SECONDS) ?? error;
    }
  }
}

/** One node alone (the embedded store): its own stages are the only ones, kept in memory. */
export class LocalStageLeases implements StageLeases {
  readonly ttlMs: number;
  readonly nodeId: string;
  readonly #held = new Map<string, { holder: StageHolder; expiresAt: number }>();
  readonly #now: () => Date;

  constructor({ nodeId, ttlMs, now = () => new Date() }: { nodeId: string; ttlMs: number; now?: () => Date }) {
    this.nodeId = nodeId;
    this.ttlMs = ttlMs;
    this.#now = now;
  }

  #live(sessionId: string): StageHolder | undefined {
    const entry = this.#held.get(sessionId);
    if (entry && entry.expiresAt > this.#now().getTime()) return entry.holder;
    this.#held.delete(sessionId);
    return undefined;
  }

  acquire(sessionId: string): Promise<boolean> {
    return this.renew(sessionId).then((outcome) => outcome !== 'lost');
  }

  renew(sessionId: string): Promise<RenewOutcome> {
    const current = this.#live(sessionId);
    const now = this.#now();
    this.#held.set(sessionId, { holder: current ?? { nodeId: this.nodeId, since: now.toISOString() }, expiresAt: now.getTime() + this.ttlMs });
    return Promise.resolve(current ? 'held' : 'retaken');
  }

  release(sessionId: string): Promise<void> {
    this.#held.delete(sessionId);
    return Promise.resolve();
  }

  holder(sessionId: string): Promise<StageHolder | undefined> {
    return Promise.resolve(this.#live(sessionId));
  }

  close(): Promise<void> {
    this.#held.clear();
    return Promise.resolve();
  }
}
