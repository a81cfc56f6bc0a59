import { Redis } from 'ioredis';
import { jobTag } from '../store/redisKeys';
import { storeErrorFromRedis } from '../store/storeError';
import { boundedRedisOptions, REDIS_RETRY_AFTER_SECONDS } from './redisOptions';

/** Who holds a session's stage: the node, the lease's epoch, and since when (ISO time). */
export interface StageHolder {
  nodeId: string;
  epoch: number;
  since: string;
}

/**
 * What a write about a session's stage is fenced with: accepted only while the session's lease
 * carries this epoch (or, with `epoch: null`, while nobody holds it).
 */
export interface StageFence {
  sessionId: string;
  epoch: number | null;
}

/** Taking a session's stage: taken with a new epoch, or held by another node (named). */
export type TakeOutcome = { taken: true; epoch: number } | { taken: false; holder: StageHolder };

/**
 * What a renewal found: still ours, ours again after it had expired with nobody taking it since
 * (same epoch), or lost (another node took it, or it expired and was taken and let go meanwhile).
 */
export type RenewOutcome = 'held' | 'retaken' | 'lost';

/**
 * The fenced lease of each live stage: one key per session naming the node holding it and the
 * lease's epoch, alive for `ttlMs` unless that node renews it. Every take raises the session's epoch,
 * so whatever a node that lost its lease still writes with its old epoch can be refused.
 */
export interface StageLeases {
  readonly ttlMs: number;
  readonly nodeId: string;
  /**
   * Takes the session's stage for this node with a new epoch, unless another node holds it. Called
   * only when no stage of this session is open here: a lease this node still holds from a stage that
   * closed is taken anew (its pending release, with the old epoch, then changes nothing).
   */
  acquire(sessionId: string): Promise<TakeOutcome>;
  renew(sessionId: string, epoch: number): Promise<RenewOutcome>;
  /** Lets go of the session's stage if this node holds it with this epoch. */
  release(sessionId: string, epoch: number): Promise<void>;
  holder(sessionId: string): Promise<StageHolder | undefined>;
  close(): Promise<void>;
}

/**
 * The Redis key of a session's lease. The job store's fenced writes read it in their scripts, so it
 * is under the store's hash tag (see store/redisKeys.ts): one slot with the keys those scripts write.
 */
export const stageLeaseKey = (prefix: string, sessionId: string): string => `${jobTag(prefix)}cluster:stage:${sessionId}`;
/** The Redis key of a session's epoch counter, raised by every take (under the store's tag, as the lease). */
export const stageEpochKey = (prefix: string, sessionId: string): string => `${jobTag(prefix)}cluster:stage-epoch:${sessionId}`;

/**
 * The fence check, for the job store's scripts: `fenced(leaseKey, epochKey, epoch)` is true while
 * the lease carries `epoch`, or has expired with nobody taking it since (its renewal will retake it
 * with the same epoch); with epoch '' only while nobody holds the lease.
 */
export const FENCE_LUA = `
local function fenced(leaseKey, epochKey, epoch)
  local current = redis.call('GET', leaseKey)
  if epoch == '' then return not current end
  if current then return cjson.decode(current).epoch == tonumber(epoch) end
  return tonumber(redis.call('GET', epochKey) or '0') == tonumber(epoch)
end
`;

// KEYS: the lease, the epoch counter. ARGV: node id, ttl ms, since.
// {1, epoch} = taken (free, expired, or this node's own from a stage that closed); {0, holder json} = another node holds it.
const TAKE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).nodeId ~= ARGV[1] then return {0, current} end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], cjson.encode({nodeId = ARGV[1], epoch = epoch, since = ARGV[3]}), 'PX', ARGV[2])
return {1, epoch}
`;

// KEYS: the lease, the epoch counter. ARGV: node id, epoch, ttl ms, since.
// 1 = held (extended), 2 = retaken (it had expired and nobody took it since), 0 = lost.
const RENEW_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local epoch = tonumber(ARGV[2])
if current then
  local holder = cjson.decode(current)
  if holder.nodeId == ARGV[1] and holder.epoch == epoch then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return 1
  end
  return 0
end
if tonumber(redis.call('GET', KEYS[2]) or '0') ~= epoch then return 0 end
redis.call('SET', KEYS[1], cjson.encode({nodeId = ARGV[1], epoch = epoch, since = ARGV[4]}), 'PX', ARGV[3])
return 2
`;

// KEYS: the lease. ARGV: node id, epoch.
const RELEASE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local holder = cjson.decode(current)
if holder.nodeId == ARGV[1] and holder.epoch == tonumber(ARGV[2]) then return redis.call('DEL', KEYS[1]) end
return 0
`;

type Scripts = {
  cfStageTake(lease: string, epochs: string, nodeId: string, ttl: string, since: string): Promise<[number, number | string]>;
  cfStageRenew(lease: string, epochs: string, nodeId: string, epoch: string, ttl: string, since: string): Promise<number>;
  cfStageRelease(lease: string, nodeId: string, epoch: string): Promise<number>;
};

/** Stage leases in Redis (`{<prefix>}cluster:stage:<sessionId>` → `{ nodeId, epoch, since }`), shared by every node. */
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
    this.#prefix = prefix;
    this.#now = now;
    this.#redis = new Redis(url, boundedRedisOptions({ commandTimeoutMs: Math.max(1000, Math.floor(ttlMs / 3)) }));
    this.#redis.on('error', (error: Error) => onConnectionError?.(error));
    this.#redis.defineCommand('cfStageTake', { numberOfKeys: 2, lua: TAKE_SCRIPT });
    this.#redis.defineCommand('cfStageRenew', { numberOfKeys: 2, lua: RENEW_SCRIPT });
    this.#redis.defineCommand('cfStageRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  }

  get #scripts(): Scripts {
    return this.#redis as unknown as Scripts;
  }

  async acquire(sessionId: string): Promise<TakeOutcome> {
    const [taken, value] = await this.#guard(
      this.#scripts.cfStageTake(stageLeaseKey(this.#prefix, sessionId), stageEpochKey(this.#prefix, sessionId), this.nodeId, String(this.ttlMs), this.#now().toISOString()),
    );
    return taken === 1 ? { taken: true, epoch: Number(value) } : { taken: false, holder: JSON.parse(String(value)) as StageHolder };
  }

  async renew(sessionId: string, epoch: number): Promise<RenewOutcome> {
    const outcome = await this.#guard(
      this.#scripts.cfStageRenew(stageLeaseKey(this.#prefix, sessionId), stageEpochKey(this.#prefix, sessionId), this.nodeId, String(epoch), String(this.ttlMs), this.#now().toISOString()),
    );
    return outcome === 1 ? 'held' : outcome === 2 ? 'retaken' : 'lost';
  }

  async release(sessionId: string, epoch: number): Promise<void> {
    await this.#guard(this.#scripts.cfStageRelease(stageLeaseKey(this.#prefix, sessionId), this.nodeId, String(epoch)));
  }

  async holder(sessionId: string): Promise<StageHolder | undefined> {
    const body = await this.#guard(this.#redis.get(stageLeaseKey(this.#prefix, sessionId)));
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

/**
 * One node alone (the embedded store): its own stages are the only ones, kept in memory with the
 * same contract — epochs raised by every take, renewal and release only for the same epoch — and
 * `fenced` for the embedded store's same-process check. Epochs are numbered across all sessions and
 * never reused, so a released session's lease and epoch are forgotten: a node running session after
 * session keeps nothing of those that ended (a write still fenced with a released epoch is refused).
 */
export class LocalStageLeases implements StageLeases {
  readonly ttlMs: number;
  readonly nodeId: string;
  readonly #held = new Map<string, { holder: StageHolder; expiresAt: number }>();
  readonly #epochs = new Map<string, number>();
  #lastEpoch = 0;
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

  #hold(sessionId: string, epoch: number): void {
    const now = this.#now();
    this.#held.set(sessionId, { holder: { nodeId: this.nodeId, epoch, since: now.toISOString() }, expiresAt: now.getTime() + this.ttlMs });
  }

  acquire(sessionId: string): Promise<TakeOutcome> {
    const current = this.#live(sessionId);
    if (current && current.nodeId !== this.nodeId) return Promise.resolve({ taken: false, holder: current });
    const epoch = ++this.#lastEpoch;
    this.#epochs.set(sessionId, epoch);
    this.#hold(sessionId, epoch);
    return Promise.resolve({ taken: true, epoch });
  }

  renew(sessionId: string, epoch: number): Promise<RenewOutcome> {
    const current = this.#live(sessionId);
    if (current) {
      if (current.nodeId !== this.nodeId || current.epoch !== epoch) return Promise.resolve('lost');
      this.#held.get(sessionId)!.expiresAt = this.#now().getTime() + this.ttlMs;
      return Promise.resolve('held');
    }
    if (this.#epochs.get(sessionId) !== epoch) return Promise.resolve('lost');
    this.#hold(sessionId, epoch);
    return Promise.resolve('retaken');
  }

  release(sessionId: string, epoch: number): Promise<void> {
    const current = this.#live(sessionId);
    if (current?.nodeId === this.nodeId && current.epoch === epoch) this.#held.delete(sessionId);
    if (this.#epochs.get(sessionId) === epoch) this.#epochs.delete(sessionId);
    return Promise.resolve();
  }

  holder(sessionId: string): Promise<StageHolder | undefined> {
    return Promise.resolve(this.#live(sessionId));
  }

  /** Whether a write fenced with `fence` may be stored now (the same rule as the Redis store's script). */
  fenced({ sessionId, epoch }: StageFence): boolean {
    const current = this.#live(sessionId);
    if (epoch === null) return current === undefined;
    return current ? current.epoch === epoch : (this.#epochs.get(sessionId) ?? 0) === epoch;
  }

  /** Sessions whose lease or epoch this process keeps (for the node's session footprint). */
  held(): number {
    return new Set([...this.#held.keys(), ...this.#epochs.keys()]).size;
  }

  close(): Promise<void> {
    this.#held.clear();
    return Promise.resolve();
  }
}
