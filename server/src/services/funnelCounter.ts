import type { Redis } from 'ioredis';
import { REDIS_RETRY_AFTER_SECONDS } from '../cluster/redisOptions';
import { Funnel, type FunnelCounts, type FunnelStep, type VacancyFunnel } from '../domain/funnel';
import { storeErrorFromRedis } from '../store/storeError';

/** A Redis failure as the typed UNAVAILABLE it is (a bug stays what it is). */
function unavailable(error: unknown): never {
  throw storeErrorFromRedis(error, REDIS_RETRY_AFTER_SECONDS) ?? error;
}

/** What a count did: counted, a viewer's repeat (not counted), or refused because the session's funnel is not open. */
export type CountOutcome = 'counted' | 'repeat' | 'closed';

/**
 * Where a session's funnel counts live: in this process (one node), or in Redis, where every node's
 * viewers and applications add to one count per vacancy. Behind one interface, so the service above
 * does not know which.
 */
export interface FunnelCounter {
  /** The session's funnel takes counts from now on; one already open keeps what it counted. */
  open(sessionId: string): Promise<void>;
  /** Forgets everything the session's funnel counted; counts are refused until it is opened again. */
  release(sessionId: string): Promise<void>;
  /** Counts a step of a vacancy; with a viewer, once per viewer, vacancy and step. */
  count(sessionId: string, vacancyId: string, step: FunnelStep, viewer: string | undefined, at: Date): Promise<CountOutcome>;
  /** The funnel of these vacancies (of every vacancy counted, without a list). */
  read(sessionId: string, vacancyIds?: readonly string[]): Promise<VacancyFunnel[]>;
  /** What this process holds: sessions open, vacancies counted, viewers remembered. */
  held(): { sessions: number; vacancies: number; viewers: number };
}

/** The counts in this process: the funnel of each open session and the viewers already counted. */
export class MemoryFunnelCounter implements FunnelCounter {
  readonly #sessions = new Map<string, { funnel: Funnel; seen: Map<string, Set<string>> }>();

  open(sessionId: string): Promise<void> {
    if (!this.#sessions.has(sessionId)) this.#sessions.set(sessionId, { funnel: new Funnel(), seen: new Map() });
    return Promise.resolve();
  }

  release(sessionId: string): Promise<void> {
    this.#sessions.delete(sessionId);
    return Promise.resolve();
  }

  count(sessionId: string, vacancyId: string, step: FunnelStep, viewer: string | undefined, at: Date): Promise<CountOutcome> {
    const entry = this.#sessions.get(sessionId);
    if (!entry) return Promise.resolve('closed');
    if (viewer !== undefined) {
      const key = `${vacancyId}|${step}`;
      let seen = entry.seen.get(key);
      if (!seen) entry.seen.set(key, (seen = new Set()));
      if (seen.has(viewer)) return Promise.resolve('repeat');
      seen.add(viewer);
    }
    entry.funnel.count(vacancyId, step, at);
    return Promise.resolve('counted');
  }

  read(sessionId: string, vacancyIds?: readonly string[]): Promise<VacancyFunnel[]> {
    const funnel = this.#sessions.get(sessionId)?.funnel;
    if (!funnel) return Promise.resolve([]);
    return Promise.resolve(vacancyIds ? vacancyIds.map((id) => funnel.of(id)) : funnel.all());
  }

  held(): { sessions: number; vacancies: number; viewers: number } {
    let vacancies = 0;
    let viewers = 0;
    for (const entry of this.#sessions.values()) {
      vacancies += entry.funnel.all().length;
      for (const seen of entry.seen.values()) viewers += seen.size;
    }
    return { sessions: this.#sessions.size, vacancies, viewers };
  }
}

// KEYS: open marker, the viewers seen for this vacancy and step, totals, minutes of this vacancy,
// vacancies counted. ARGV: viewer ('' for none), vacancy, step, minute, ttl seconds, oldest minute kept.
// -1 = not open, 0 = this viewer was counted already, 1 = counted.
const COUNT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if ARGV[1] ~= '' then
  if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
redis.call('HINCRBY', KEYS[3], ARGV[2] .. '|' .. ARGV[3], 1)
if redis.call('HINCRBY', KEYS[4], ARGV[4] .. '|' .. ARGV[3], 1) == 1 then
  -- A new minute of this vacancy: minutes older than the oldest kept go.
  for _, field in ipairs(redis.call('HKEYS', KEYS[4])) do
    if string.sub(field, 1, 16) < ARGV[6] then redis.call('HDEL', KEYS[4], field) end
  end
end
redis.call('SADD', KEYS[5], ARGV[2])
for i = 1, 5 do if i ~= 2 then redis.call('EXPIRE', KEYS[i], ARGV[5]) end end
return 1
`;

// ARGV: the session's key prefix. Deletes the session's funnel: every vacancy's viewers and minutes too.
const RELEASE_SCRIPT = `
local p = ARGV[1]
for _, v in ipairs(redis.call('SMEMBERS', p .. 'vacancies')) do
  redis.call('DEL', p .. 'seen:' .. v .. ':shown', p .. 'seen:' .. v .. ':opened', p .. 'm:' .. v)
end
redis.call('DEL', p .. 'open', p .. 'totals', p .. 'vacancies')
return 1
`;

type Scripts = {
  cfFunnelCount: (...args: string[]) => Promise<number>;
  cfFunnelRelease: (prefix: string) => Promise<number>;
};

const STEPS: readonly FunnelStep[] = ['shown', 'opened', 'applied'];

/**
 * The counts in Redis under `<prefix>cluster:funnel:<sessionId>:`: a set of the viewers counted per
 * vacancy and step (unique viewers, exactly), a hash of totals, a hash of per-minute counts per
 * vacancy (the last `keepMinutes`), each counted in one script run. Everything expires `ttlSeconds`
 * after the last count, so a session whose owner died without releasing it does not stay for ever.
 */
export class RedisFunnelCounter implements FunnelCounter {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSeconds: number;
  readonly #keepMinutes: number;

  constructor({ redis, prefix = 'cf:', ttlSeconds = 24 * 3600, keepMinutes = 60 }: { redis: Redis; prefix?: string; ttlSeconds?: number; keepMinutes?: number }) {
    this.#redis = redis;
    this.#prefix = `${prefix}cluster:funnel:`;
    this.#ttlSeconds = ttlSeconds;
    this.#keepMinutes = keepMinutes;
    redis.defineCommand('cfFunnelCount', { numberOfKeys: 5, lua: COUNT_SCRIPT });
    redis.defineCommand('cfFunnelRelease', { numberOfKeys: 0, lua: RELEASE_SCRIPT });
  }

  get #scripts(): Scripts {
    return this.#redis as unknown as Scripts;
  }

  #keys(sessionId: string): string {
    return `${this.#prefix}${sessionId}:`;
  }

  async open(sessionId: string): Promise<void> {
    await this.#redis.set(`${this.#keys(sessionId)}open`, '1', 'EX', this.#ttlSeconds, 'NX').catch(unavailable);
  }

  async release(sessionId: string): Promise<void> {
    await this.#scripts.cfFunnelRelease(this.#keys(sessionId)).catch(unavailable);
  }

  async count(sessionId: string, vacancyId: string, step: FunnelStep, viewer: string | undefined, at: Date): Promise<CountOutcome> {
    const p = this.#keys(sessionId);
    const minute = at.toISOString().slice(0, 16);
    const oldest = new Date(at.getTime() - (this.#keepMinutes - 1) * 60_000).toISOString().slice(0, 16);
    const result = await this.#scripts.cfFunnelCount(
      `${p}open`, `${p}seen:${vacancyId}:${step}`, `${p}totals`, `${p}m:${vacancyId}`, `${p}vacancies`,
      viewer ?? '', vacancyId, step, minute, String(this.#ttlSeconds), oldest,
    ).catch(unavailable);
    return result === 1 ? 'counted' : result === 0 ? 'repeat' : 'closed';
  }

  read(sessionId: string, vacancyIds?: readonly string[]): Promise<VacancyFunnel[]> {
    return this.#read(sessionId, vacancyIds).catch(unavailable);
  }

  async #read(sessionId: string, vacancyIds?: readonly string[]): Promise<VacancyFunnel[]> {
    const p = this.#keys(sessionId);
    const ids = vacancyIds ?? (await this.#redis.smembers(`${p}vacancies`)).sort();
    if (ids.length === 0) return [];
    const [totals, ...minutes] = await Promise.all([this.#redis.hgetall(`${p}totals`), ...ids.map((id) => this.#redis.hgetall(`${p}m:${id}`))]);
    return ids.map((vacancyId, i) => {
      const perMinute = new Map<string, FunnelCounts>();
      for (const [field, value] of Object.entries(minutes[i] ?? {})) {
        const [minute = '', step] = field.split('|') as [string, FunnelStep];
        const bucket = perMinute.get(minute) ?? { shown: 0, opened: 0, applied: 0 };
        if (STEPS.includes(step)) bucket[step] = Number(value);
        perMinute.set(minute, bucket);
      }
      const total = (step: FunnelStep): number => Number(totals[`${vacancyId}|${step}`] ?? 0);
      return {
        vacancyId,
        shown: total('shown'),
        opened: total('opened'),
        applied: total('applied'),
        perMinute: [...perMinute].sort(([a], [b]) => a.localeCompare(b)).map(([minute, c]) => ({ minute, ...c })),
      };
    });
  }

  held(): { sessions: number; vacancies: number; viewers: number } {
    return { sessions: 0, vacancies: 0, viewers: 0 };
  }
}
