import type { Redis } from 'ioredis';
import type { Budget } from '../domain/rateLimiter';
import type { JobStore } from './jobStore';
import { jobKeys, type JobKeys } from './redisKeys';
import { counterFailure, type RateLimitBackend } from './rateLimiters';
import { WindowLimiter } from './windowLimiter';

/** The three budgets an application spends: its phone's, and the caller's own (its device, its address block). */
export interface ApplyBudgets {
  phone: Budget;
  device: Budget;
  block: Budget;
}

/** The keys a tap spends its budgets under. */
export interface ApplyCounterKeys {
  /** The device token's id, when the tap came with a valid one. */
  device: string | undefined;
  /** The caller's address block (/24, /48). */
  block: string;
  phone: string;
}

/** What the admission says of a tap: already answered (nothing spent), or admitted after `waitMs` (0: now). */
export type Admission = { answered: true } | { answered: false; waitMs: number };

/**
 * The gate in front of every application, as one step: a tap whose idempotency key was answered
 * already is told so and spends nothing (a retry must get its answer, never a refusal); any other
 * spends the caller's own budgets (its device, its address block) and, only if within them, the
 * phone's: the phone named is anyone's, so a request refused for its own budgets must not spend it.
 */
export interface ApplyAdmission {
  admit(keyHash: string, keys: ApplyCounterKeys): Promise<Admission>;
}

/** The gate counted in this process: the store says whether the key was answered, the windows are in memory. */
class MemoryAdmission implements ApplyAdmission {
  readonly #store: Pick<JobStore, 'keyAnswered'>;
  readonly #phone: WindowLimiter;
  readonly #device: WindowLimiter;
  readonly #block: WindowLimiter;

  constructor(store: Pick<JobStore, 'keyAnswered'>, budgets: ApplyBudgets) {
    this.#store = store;
    this.#phone = new WindowLimiter(budgets.phone);
    this.#device = new WindowLimiter(budgets.device);
    this.#block = new WindowLimiter(budgets.block);
  }

  async admit(keyHash: string, { device, block, phone }: ApplyCounterKeys): Promise<Admission> {
    if (await this.#store.keyAnswered(keyHash)) return { answered: true };
    // Both of the caller's own budgets are spent, as two separate limiters would be.
    const own = Math.max(device === undefined ? 0 : this.#device.takeNow(device), this.#block.takeNow(block));
    return { answered: false, waitMs: own > 0 ? own : this.#phone.takeNow(phone) };
  }
}

// One round trip on Redis: whether the key hash is answered (an application or a receipt holds it),
// then fixed windows as rate-limiter-flexible counts them (a key's window opens at its first action;
// its value counts the actions, its TTL is the window). KEYS: the application key index, the receipt,
// the device counter (the block counter again when none: every key must be in the tag's slot), the
// block counter, the phone counter. ARGV: points and window
// seconds of the device, the block and the phone. Returns {1} when answered, else {0, wait ms}.
const ADMIT_SCRIPT = `
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return {1} end
local function take(key, points, seconds)
  redis.call('SET', key, 0, 'EX', seconds, 'NX')
  local used = redis.call('INCRBY', key, 1)
  local ttl = redis.call('PTTL', key)
  if ttl == -1 then
    redis.call('EXPIRE', key, seconds)
    ttl = 1000 * seconds
  end
  if used > tonumber(points) then return math.max(1, ttl) end
  return 0
end
local own = take(KEYS[4], ARGV[3], ARGV[4])
if KEYS[3] ~= KEYS[4] then own = math.max(own, take(KEYS[3], ARGV[1], ARGV[2])) end
if own > 0 then return {0, own} end
return {0, take(KEYS[5], ARGV[5], ARGV[6])}
`;

type AdmitCommand = (...args: string[]) => Promise<[number, number?]>;

/**
 * The gate on Redis (one budget across nodes): the answered check and every counter in one script,
 * one round trip per tap where it took three in a row. The counters keep the names rate-limiter-flexible
 * gave them (`rl:apply-device:device:<id>`, `rl:apply-block:<block>`, `rl:apply:phone:<phone>`) with its
 * fixed windows, under the job store's hash tag (`{<prefix>}`, store/redisKeys.ts) with the key index
 * the script reads, so it runs on Redis Cluster; Redis schema migration 2 moved them there.
 */
class RedisAdmission implements ApplyAdmission {
  readonly #admit: AdmitCommand;
  readonly #k: JobKeys;
  readonly #budgets: ApplyBudgets;

  constructor(client: Redis, prefix: string, budgets: ApplyBudgets) {
    client.defineCommand('cfAdmitApply', { numberOfKeys: 5, lua: ADMIT_SCRIPT });
    this.#admit = (client as unknown as { cfAdmitApply: AdmitCommand }).cfAdmitApply.bind(client);
    this.#k = jobKeys(prefix);
    this.#budgets = budgets;
  }

  async admit(keyHash: string, { device, block, phone }: ApplyCounterKeys): Promise<Admission> {
    const k = this.#k;
    const { device: d, block: b, phone: f } = this.#budgets;
    let reply: [number, number?];
    try {
      reply = await this.#admit(
        k.byKeyHash(keyHash),
        k.doc('receipt', keyHash),
        device === undefined ? `${k.tag}rl:apply-block:${block}` : `${k.tag}rl:apply-device:device:${device}`,
        `${k.tag}rl:apply-block:${block}`,
        `${k.tag}rl:apply:phone:${phone}`,
        String(d.points), String(d.seconds), String(b.points), String(b.seconds), String(f.points), String(f.seconds),
      );
    } catch (error) {
      throw counterFailure(error);
    }
    return reply[0] === 1 ? { answered: true } : { answered: false, waitMs: Number(reply[1] ?? 0) };
  }
}

/**
 * The gate on the platform's backend. On Redis the job store must use the same prefix (`cf:` by
 * default): the script reads its key index.
 */
export function applyAdmission({ store, budgets, backend }: { store: Pick<JobStore, 'keyAnswered'>; budgets: ApplyBudgets; backend: RateLimitBackend }): ApplyAdmission {
  return backend.kind === 'redis' ? new RedisAdmission(backend.client, backend.prefix ?? 'cf:', budgets) : new MemoryAdmission(store, budgets);
}
