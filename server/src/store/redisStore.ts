import { Redis, ReplyError } from 'ioredis';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import type { PinEvent } from '@chunfeng/shared/recruitment';
import type { Caption } from '@chunfeng/shared/stage';
import { hashKey, upgradeRecord, type ApplicationRecord } from '../domain/applications';
import { DomainError } from '../domain/errors';
import { boundedRedisOptions, REDIS_RETRY_AFTER_SECONDS } from '../cluster/redisOptions';
import { FENCE_LUA, stageEpochKey, stageLeaseKey, type StageFence } from '../cluster/stageLease';
import { fillCatalogPage } from './catalogPages';
import { cacheable } from './docCache';
import { storeErrorFromRedis } from './storeError';
import { TrackedDocs } from './trackedDocs';
import { countChunks, countField, countsOf, parseCountField, type StoredCount } from './applicationCounts';
import { countsKey, migrateRedis } from './redisMigrations';
import { countChanges, type ApplicationCounts, type CountChange } from '../domain/statistics';
import { changePosition, latestOrder, matchesPage, PAGE_SCAN, pageNarrowed } from './applicationPages';
import {
  catalogIndex,
  indexValue,
  type ApplicationChanges,
  type ApplicationEvent,
  type ApplicationFilter,
  type ApplicationPage,
  type ApplicationPageQuery,
  type CatalogKind,
  type CatalogPage,
  type CatalogPageQuery,
  staleFence,
  type CatalogKinds,
  type FencedWrite,
  type JobStore,
  type QuestionState,
  type VoteResult,
} from './jobStore';
import { RedisQuestions } from './redisQuestions';
import type { QuestionAnswer, StoredQuestion } from '../domain/questions';

/** A fence's epoch as the scripts read it: '' for "nobody may hold the stage". */
const fenceArg = (fence: StageFence): string => (fence.epoch === null ? '' : String(fence.epoch));

// One atomic step: return the application already stored under this key hash, or the one not
// withdrawn for this vacancy and phone; otherwise store it with its indexes, add it to its session's
// tallies (KEYS[1], when it has a session: ARGV[10…] are the fields to count it in) and append a
// 'created' event. Exported for the benchmark, which runs it raw as the baseline (see applyScriptArgs).
export const APPLY_SCRIPT = `
local p = ARGV[1]
local id, keyHash, vacancy, phone, employer, session, body, event = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local existing = redis.call('GET', p .. 'app:kh:' .. keyHash)
if existing then return {0, redis.call('GET', p .. 'app:' .. existing)} end
local open = redis.call('GET', p .. 'app:vp:' .. vacancy .. ':' .. phone)
if open then
  local current = redis.call('GET', p .. 'app:' .. open)
  if current and cjson.decode(current).status ~= 'withdrawn' then return {0, current} end
end
local seq = redis.call('INCR', p .. 'apps:seq')
redis.call('SET', p .. 'app:' .. id, body)
redis.call('SET', p .. 'app:kh:' .. keyHash, id)
redis.call('SET', p .. 'app:vp:' .. vacancy .. ':' .. phone, id)
redis.call('ZADD', p .. 'apps:all', seq, id)
redis.call('ZADD', p .. 'apps:vacancy:' .. vacancy, seq, id)
redis.call('ZADD', p .. 'apps:employer:' .. employer, seq, id)
if session ~= '' then redis.call('ZADD', p .. 'apps:session:' .. session, seq, id) end
for i = 10, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
redis.call('XADD', p .. 'app-events', '*', 'applicationId', id, 'event', event)
return {1, body}
`;

// A catalog write in one round trip: keeps the document's creation order (its first seq) and moves
// it between index values. KEYS: the document, the kind's order, the seq counter.
const PUT_BODY = `
local previous = redis.call('GET', KEYS[1])
local seq = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not seq then seq = redis.call('INCR', KEYS[3]) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
if ARGV[3] ~= '' then
  local field = ARGV[3]
  if previous then
    -- As JavaScript's String() names a missing or null field.
    local old = cjson.decode(previous)[field]
    if old == nil then old = 'undefined' elseif old == cjson.null then old = 'null' else old = tostring(old) end
    if old ~= ARGV[4] then redis.call('ZREM', ARGV[5] .. old, ARGV[1]) end
  end
  redis.call('ZADD', ARGV[5] .. ARGV[4], seq, ARGV[1])
end
return 1
`;

const PUT_SCRIPT = PUT_BODY;
// The same, only while the session's stage lease carries the epoch. KEYS 4-5: the lease and its epoch counter; ARGV[6]: the epoch. 0 = refused.
const PUT_FENCED_SCRIPT = `${FENCE_LUA}
if not fenced(KEYS[4], KEYS[5], ARGV[6]) then return 0 end
${PUT_BODY}`;

// Pin records only while the session's stage lease carries the epoch. KEYS: the pins hash, the lease,
// its epoch counter; ARGV: the epoch, then field, value, field, value… 0 = refused.
const PUT_PINS_FENCED_SCRIPT = `${FENCE_LUA}
if not fenced(KEYS[2], KEYS[3], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
`;

// An application's change stored only if the record is still the one the caller read (compare and
// swap, no connection of its own); a withdrawal releases its vacancy and phone; the sessions' tallies
// (KEYS) move with it: ARGV[8…] in threes, the index of the key, the field, the change. 0 = stale, -1 = gone.
const REPLACE_SCRIPT = `
local p, id, expected, body, withdrawn, vp, event = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local current = redis.call('GET', p .. 'app:' .. id)
if not current then return -1 end
if current ~= expected then return 0 end
redis.call('SET', p .. 'app:' .. id, body)
redis.call('XADD', p .. 'app-events', '*', 'applicationId', id, 'event', event)
if withdrawn == '1' and redis.call('GET', vp) == id then redis.call('DEL', vp) end
for i = 8, #ARGV, 3 do redis.call('HINCRBY', KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2]) end
return 1
`;

// The application stored under a key hash, in one round trip.
const BY_KEY_SCRIPT = `
local id = redis.call('GET', ARGV[1] .. 'app:kh:' .. ARGV[2])
if not id then return false end
return redis.call('GET', ARGV[1] .. 'app:' .. id)
`;

/** How long a reading of Redis's durability settings is kept (they change only by an operator's hand). */
const DURABILITY_RECHECK_MS = 60_000;

/**
 * The apply script's arguments for one application: the number of keys and its session's tally hash
 * (none outside a session), then the record, its indexes' values, its event and the fields it counts in.
 */
export function applyScriptArgs(prefix: string, a: ApplicationRecord): string[] {
  const event: ApplicationEvent = { applicationId: a.id, type: 'created', at: a.createdAt, status: a.status };
  // Every change of a new application is +1 in its own session's hash.
  const fields = countChanges(undefined, a).map((c) => countField(c));
  const keys = a.sessionId && fields.length > 0 ? [countsKey(prefix, a.sessionId)] : [];
  return [String(keys.length), ...keys, prefix, a.id, a.keyHash, a.vacancyId, a.phone, a.employerId, a.sessionId ?? '', JSON.stringify(a), JSON.stringify(event), ...fields];
}

/** Tally changes as script arguments: the number of keys and the keys, then (key index, field, change) in threes. */
function countArgs(prefix: string, changes: readonly CountChange[]): { keys: string[]; argv: string[] } {
  const keys: string[] = [];
  const argv: string[] = [];
  for (const c of changes) {
    const key = countsKey(prefix, c.sessionId);
    let index = keys.indexOf(key);
    if (index < 0) index = keys.push(key) - 1;
    argv.push(String(index + 1), countField(c), String(c.delta));
  }
  return { keys: [String(keys.length), ...keys], argv };
}

/** A catalog document's key (as put() writes it). */
function catalogDocKey(prefix: string, kind: CatalogKind, id: string): string {
  return `${prefix}doc:${kind}:${id}`;
}

/** The sorted set of a kind's documents by creation sequence, or of those with one index value (as put() keeps them). */
function catalogOrderKey(prefix: string, kind: CatalogKind, indexed?: string): string {
  return indexed === undefined ? `${prefix}docs:${kind}` : `${prefix}docs:${kind}:idx:${indexed}`;
}

/** Applications read per round trip while filling a page. */
const PAGE_CHUNK = 250;

/** Every method that talks to Redis: its connection failures reach the caller as UNAVAILABLE (a StoreError). */
const GUARDED = [
  'put', 'get', 'list', 'pageCatalog', 'putPin', 'putPins', 'listPins', 'apply', 'getApplication', 'applicationByKey', 'keyAnswered',
  'listApplications', 'pageApplications', 'applicationChanges', 'updateApplication', 'applicationCounts', 'applicationEvents', 'appendModeration', 'listModeration', 'appendCaption', 'listCaptions',
  'putQuestion', 'getQuestion', 'voteQuestion', 'answerQuestion', 'questionsOf', 'faq', 'questionVoters',
] as const satisfies ReadonlyArray<keyof JobStore>;

/** The scripts above, as ioredis defines them on the client. */
type Scripts = Record<'cfApply' | 'cfPut' | 'cfPutFenced' | 'cfPutPinsFenced' | 'cfReplace' | 'cfByKey', (...args: string[]) => Promise<unknown>>;

/**
 * The job store on Redis, for several nodes: JSON records, sorted-set indexes per vacancy, employer
 * and session, and an append-only stream of application events. Durable acknowledgements need the
 * server to run with appendonly yes and appendfsync always (the setup script configures the local one).
 */
export class RedisJobStore implements JobStore {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #p: string;
  /** The one-time upgrade of applications written before keys were hashed; application calls wait for it. */
  #upgrading: Promise<void> | undefined;
  #migration: { from: number; to: number } | undefined;
  readonly #scripts: Scripts;
  /** Catalog documents kept here, dropped by Redis's invalidations when any node writes them. */
  readonly #docs: TrackedDocs;
  /** Questions and votes in their own structures (see redisQuestions.ts). */
  readonly #questions: RedisQuestions;
  /** The latest reading of appendonly / appendfsync, and when it was taken. */
  #durability: { at: number; detail: string } | undefined;

  constructor({ url, prefix = 'cf:', onConnectionError }: { url: string; prefix?: string; onConnectionError?: (error: Error) => void }) {
    // Auto-pipelining: the commands of many concurrent requests leave in one write, not one each.
    // Bounded retries: while Redis is away a request fails within seconds as UNAVAILABLE, it never hangs.
    this.#redis = new Redis(url, { ...boundedRedisOptions(), lazyConnect: false, enableAutoPipelining: true });
    // Without a listener ioredis prints every failed reconnect; the caller decides what to log.
    this.#redis.on('error', (error: Error) => onConnectionError?.(error));
    // The number of keys is the first argument: an application outside a session has no tallies to name.
    this.#redis.defineCommand('cfApply', { lua: APPLY_SCRIPT });
    this.#redis.defineCommand('cfPut', { numberOfKeys: 3, lua: PUT_SCRIPT });
    this.#redis.defineCommand('cfPutFenced', { numberOfKeys: 5, lua: PUT_FENCED_SCRIPT });
    this.#redis.defineCommand('cfPutPinsFenced', { numberOfKeys: 3, lua: PUT_PINS_FENCED_SCRIPT });
    this.#redis.defineCommand('cfReplace', { lua: REPLACE_SCRIPT });
    this.#redis.defineCommand('cfByKey', { numberOfKeys: 0, lua: BY_KEY_SCRIPT });
    this.#scripts = this.#redis as unknown as Scripts;
    this.#p = prefix;
    this.#questions = new RedisQuestions(this.#redis, prefix);
    this.#docs = new TrackedDocs({ url, prefix: `${prefix}doc:`, redisOptions: boundedRedisOptions(), onError: (error) => onConnectionError?.(error) });
    this.#ready().catch(() => undefined);
    for (const name of GUARDED) {
      const method = (this[name] as (...args: unknown[]) => Promise<unknown>).bind(this);
      // Writable and configurable as the method it wraps is (defineProperty's defaults are neither):
      // a spy or an instrumentation wrapper replaces it as it would on the embedded store.
      Object.defineProperty(this, name, {
        writable: true,
        configurable: true,
        value: (...args: unknown[]) =>
          method(...args).catch((error: unknown) => {
            throw storeErrorFromRedis(error, REDIS_RETRY_AFTER_SECONDS) ?? error;
          }),
      });
    }
  }

  /**
   * Resolves once the data is this release's schema (what the migration did), or rejects: a
   * RedisSchemaTooNewError for data a newer release wrote. The server waits for it before it listens.
   */
  async opened(): Promise<{ from: number; to: number }> {
    await this.#ready();
    return this.#migration!;
  }

  /** The key upgrade and the schema migration, started once; a failure surfaces on the call waiting for it and the next call tries again. */
  #ready(): Promise<void> {
    this.#upgrading ??= this.#upgradeKeys()
      .then(async () => {
        this.#migration = await migrateRedis(this.#redis, this.#p);
      })
      .catch((error: unknown) => {
        this.#upgrading = undefined;
        throw error;
      });
    return this.#upgrading;
  }

  /**
   * Applications written before keys were hashed are indexed by the raw key (app:key:<key>) and carry
   * it in their record: index them by its hash instead, and drop the raw key from the record.
   */
  async #upgradeKeys(): Promise<void> {
    const p = this.#p;
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${p}app:key:*`, 'COUNT', 500);
      cursor = next;
      for (const rawKeyName of keys) {
        const id = await this.#redis.get(rawKeyName);
        const body = id ? await this.#redis.get(`${p}app:${id}`) : null;
        const tx = this.#redis.multi();
        if (id) tx.set(`${p}app:kh:${hashKey(rawKeyName.slice(`${p}app:key:`.length))}`, id);
        if (id && body) tx.set(`${p}app:${id}`, JSON.stringify(upgradeRecord(JSON.parse(body) as ApplicationRecord)));
        await tx.del(rawKeyName).exec();
      }
    } while (cursor !== '0');
  }

  async put<K extends CatalogKind>(kind: K, doc: CatalogKinds[K], { fence }: FencedWrite = {}): Promise<void> {
    const p = this.#p;
    const field = catalogIndex[kind] ?? '';
    const args = [`${p}doc:${kind}:${doc.id}`, `${p}docs:${kind}`, `${p}docs:seq`, doc.id, JSON.stringify(doc), field, indexValue(kind, doc) ?? '', `${p}docs:${kind}:idx:`] as const;
    const [docKey, order, seq, ...argv] = args;
    await this.#docs.writing(docKey, async () => {
      if (!fence) {
        await this.#scripts.cfPut(...args);
        return;
      }
      const stored = await this.#scripts.cfPutFenced(docKey, order, seq, stageLeaseKey(p, fence.sessionId), stageEpochKey(p, fence.sessionId), ...argv, fenceArg(fence));
      if (stored === 0) throw staleFence(fence);
    });
  }

  async get<K extends CatalogKind>(kind: K, id: string): Promise<CatalogKinds[K] | undefined> {
    const key = `${this.#p}doc:${kind}:${id}`;
    const body = cacheable(kind) ? await this.#docs.get(key, () => this.#redis.get(key)) : await this.#redis.get(key);
    return body ? (JSON.parse(body) as CatalogKinds[K]) : undefined;
  }

  async list<K extends CatalogKind>(kind: K, where?: { value: string }): Promise<CatalogKinds[K][]> {
    const p = this.#p;
    const ids = await this.#redis.zrange(where ? `${p}docs:${kind}:idx:${where.value}` : `${p}docs:${kind}`, 0, -1);
    if (ids.length === 0) return [];
    const bodies = await this.#redis.mget(ids.map((id) => `${p}doc:${kind}:${id}`));
    return bodies.filter((b): b is string => b !== null).map((b) => JSON.parse(b) as CatalogKinds[K]);
  }

  /**
   * Chunks of the kind's order (or one index value's set) by score past the position — a bounded
   * ZRANGE … BYSCORE LIMIT and an MGET each, never the whole set. A document deleted between the
   * two reads is skipped.
   */
  async pageCatalog<K extends CatalogKind>(kind: K, query: CatalogPageQuery<K>): Promise<CatalogPage<K>> {
    const set = catalogOrderKey(this.#p, kind, query.where?.value);
    const newest = query.order === 'newest';
    return fillCatalogPage(query, async (after, count) => {
      const entries = newest
        ? await this.#redis.zrange(set, after === undefined ? '+inf' : `(${after}`, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, count, 'WITHSCORES')
        : await this.#redis.zrange(set, after === undefined ? '-inf' : `(${after}`, '+inf', 'BYSCORE', 'LIMIT', 0, count, 'WITHSCORES');
      const ids = entries.filter((_, i) => i % 2 === 0);
      if (ids.length === 0) return [];
      const bodies = await this.#redis.mget(ids.map((id) => catalogDocKey(this.#p, kind, id)));
      return ids.map((_, i) => ({ seq: Number(entries[i * 2 + 1]), doc: bodies[i] ? (JSON.parse(bodies[i]) as CatalogKinds[K]) : undefined }));
    });
  }

  async putPin(event: PinEvent): Promise<void> {
    await this.#redis.hset(`${this.#p}pins:${event.sessionId}`, `${event.pinnedAt}|${event.kind}`, JSON.stringify(event));
  }

  async putPins(events: PinEvent[], { fence }: FencedWrite = {}): Promise<void> {
    const first = events[0];
    if (!first) return;
    const key = `${this.#p}pins:${first.sessionId}`;
    const fields = events.flatMap((e) => [`${e.pinnedAt}|${e.kind}`, JSON.stringify(e)]);
    if (fence) {
      const p = this.#p;
      if ((await this.#scripts.cfPutPinsFenced(key, stageLeaseKey(p, fence.sessionId), stageEpochKey(p, fence.sessionId), fenceArg(fence), ...fields)) === 0) throw staleFence(fence);
      return;
    }
    // One HSET of every field: a single command, so all or none.
    await this.#redis.hset(key, ...fields);
  }

  async listPins(sessionId: string): Promise<PinEvent[]> {
    const all = await this.#redis.hgetall(`${this.#p}pins:${sessionId}`);
    return Object.keys(all)
      .sort()
      .map((k) => JSON.parse(all[k]!) as PinEvent);
  }

  async apply(application: ApplicationRecord): Promise<{ application: ApplicationRecord; created: boolean }> {
    await this.#ready();
    const [created, body] = (await this.#scripts.cfApply(...applyScriptArgs(this.#p, application))) as [number, string];
    return { application: upgradeRecord(JSON.parse(body) as ApplicationRecord), created: created === 1 };
  }

  async getApplication(id: string): Promise<ApplicationRecord | undefined> {
    await this.#ready();
    const body = await this.#redis.get(`${this.#p}app:${id}`);
    return body ? upgradeRecord(JSON.parse(body) as ApplicationRecord) : undefined;
  }

  async applicationByKey(keyHash: string): Promise<ApplicationRecord | undefined> {
    await this.#ready();
    const body = (await this.#scripts.cfByKey(this.#p, keyHash)) as string | null;
    return body ? upgradeRecord(JSON.parse(body) as ApplicationRecord) : undefined;
  }

  async keyAnswered(keyHash: string): Promise<boolean> {
    await this.#ready();
    return (await this.#redis.exists(`${this.#p}app:kh:${keyHash}`, `${this.#p}doc:receipt:${keyHash}`)) > 0;
  }

  async listApplications({ vacancyId, employerId, sessionId }: ApplicationFilter): Promise<ApplicationRecord[]> {
    await this.#ready();
    const p = this.#p;
    const index = vacancyId ? `apps:vacancy:${vacancyId}` : sessionId ? `apps:session:${sessionId}` : employerId ? `apps:employer:${employerId}` : 'apps:all';
    const ids = await this.#redis.zrange(`${p}${index}`, 0, -1);
    if (ids.length === 0) return [];
    const bodies = await this.#redis.mget(ids.map((id) => `${p}app:${id}`));
    return bodies
      .filter((b): b is string => b !== null)
      .map((b) => upgradeRecord(JSON.parse(b) as ApplicationRecord))
      .filter((a) => (!employerId || a.employerId === employerId) && (!sessionId || a.sessionId === sessionId) && (!vacancyId || a.vacancyId === vacancyId));
  }

  /**
   * Newest first below `before` from the filter's sorted set, read in chunks (a bounded ZRANGE
   * BYSCORE … LIMIT and an MGET each); narrowing by status, dates or name reads at most PAGE_SCAN.
   */
  async pageApplications(query: ApplicationPageQuery): Promise<ApplicationPage> {
    await this.#ready();
    const p = this.#p;
    const { vacancyId, employerId, sessionId, before, limit } = query;
    const index = vacancyId ? `apps:vacancy:${vacancyId}` : sessionId ? `apps:session:${sessionId}` : employerId ? `apps:employer:${employerId}` : 'apps:all';
    const budget = pageNarrowed(query) ? PAGE_SCAN : limit + 1;
    const found: Array<{ seq: number; record: ApplicationRecord }> = [];
    let below = before === undefined ? '+inf' : `(${before}`;
    let read = 0;
    let floor: number | undefined;
    while (found.length <= limit && read < budget) {
      const chunk = Math.min(PAGE_CHUNK, budget - read);
      const entries = await this.#redis.zrange(`${p}${index}`, below, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, chunk, 'WITHSCORES');
      const ids = entries.filter((_, i) => i % 2 === 0);
      if (ids.length === 0) break;
      const bodies = await this.#redis.mget(ids.map((id) => `${p}app:${id}`));
      for (const [i, body] of bodies.entries()) {
        const seq = Number(entries[i * 2 + 1]);
        floor = seq;
        read += 1;
        if (body === null) continue;
        const record = upgradeRecord(JSON.parse(body) as ApplicationRecord);
        const inFilter = (!employerId || record.employerId === employerId) && (!sessionId || record.sessionId === sessionId) && (!vacancyId || record.vacancyId === vacancyId);
        if (inFilter && matchesPage(record, query)) found.push({ seq, record });
        if (found.length > limit) break;
      }
      if (ids.length < chunk) {
        // The set ends here: nothing below.
        floor = undefined;
        break;
      }
      below = `(${floor}`;
    }
    const page = found.slice(0, limit);
    const next = found.length > limit ? page.at(-1)!.seq : read >= budget ? floor : undefined;
    return { applications: page.map((f) => f.record), next };
  }

  async applicationChanges(after: string | undefined, limit: number): Promise<ApplicationChanges> {
    const stream = `${this.#p}app-events`;
    if (after === undefined) {
      const [last] = await this.#redis.xrevrange(stream, '+', '-', 'COUNT', 1);
      return { ids: [], position: last?.[0] ?? '0-0', more: false };
    }
    const entries = await this.#redis.xrange(stream, `(${changePosition('redis', after)}`, '+', 'COUNT', limit);
    const ids = entries.map(([, fields]) => fields[fields.indexOf('applicationId') + 1]!);
    return { ids: latestOrder(ids), position: entries.at(-1)?.[0] ?? after, more: entries.length === limit };
  }

  async updateApplication(id: string, change: (current: ApplicationRecord) => ApplicationRecord): Promise<ApplicationRecord> {
    await this.#ready();
    const key = `${this.#p}app:${id}`;
    // Optimistic concurrency: the change is stored only if the record is still the one read.
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const body = await this.#redis.get(key);
      if (!body) throw new DomainError('NOT_FOUND', 'no such application');
      const current = upgradeRecord(JSON.parse(body) as ApplicationRecord);
      const next = change(current);
      const event: ApplicationEvent = { applicationId: id, type: 'status', at: next.history.at(-1)?.at ?? new Date().toISOString(), status: next.status };
      // A withdrawn application no longer holds its vacancy and phone: a new one may be made.
      const vp = `${this.#p}app:vp:${next.vacancyId}:${next.phone}`;
      const withdrawn = next.status === 'withdrawn' ? '1' : '0';
      const tallies = countArgs(this.#p, countChanges(current, next));
      const result = (await this.#scripts.cfReplace(...tallies.keys, this.#p, id, body, JSON.stringify(next), withdrawn, vp, JSON.stringify(event), ...tallies.argv)) as number;
      if (result === 1) return next;
      if (result === -1) throw new DomainError('NOT_FOUND', 'no such application');
    }
    throw new DomainError('CONFLICT', 'the application kept changing; try again');
  }

  /** The sessions' tally hashes, COUNT_CHUNK HGETALLs at a time (one pipeline each). */
  async applicationCounts(sessionIds: readonly string[]): Promise<Map<string, ApplicationCounts>> {
    await this.#ready();
    const stored: StoredCount[] = [];
    for (const chunk of countChunks(sessionIds)) {
      const hashes = await Promise.all(chunk.map((id) => this.#redis.hgetall(countsKey(this.#p, id))));
      for (const [i, hash] of hashes.entries()) {
        const sessionId = chunk[i]!;
        for (const [field, value] of Object.entries(hash)) stored.push({ sessionId, ...parseCountField(field, value, `the tallies of session ${sessionId}`) });
      }
    }
    return countsOf(sessionIds, stored);
  }

  async applicationEvents(applicationId?: string): Promise<ApplicationEvent[]> {
    const entries = await this.#redis.xrange(`${this.#p}app-events`, '-', '+');
    return entries
      .map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as ApplicationEvent)
      .filter((e) => !applicationId || e.applicationId === applicationId);
  }

  // Questions wait for the migration that moves the question documents of the releases before.
  async putQuestion(question: StoredQuestion): Promise<void> {
    await this.#ready();
    await this.#questions.put(question);
  }

  async getQuestion(id: string): Promise<StoredQuestion | undefined> {
    await this.#ready();
    return this.#questions.get(id);
  }

  async voteQuestion(id: string, voter: string): Promise<VoteResult> {
    await this.#ready();
    return this.#questions.vote(id, voter);
  }

  async answerQuestion(id: string, answer: QuestionAnswer): Promise<StoredQuestion> {
    await this.#ready();
    return this.#questions.answer(id, answer);
  }

  async questionsOf(of: { sessionId: string } | { vacancyId: string }, state: QuestionState, limit: number): Promise<StoredQuestion[]> {
    await this.#ready();
    return this.#questions.of(of, state, limit);
  }

  async faq(vacancyId: string, limit: number): Promise<StoredQuestion[]> {
    await this.#ready();
    return this.#questions.of({ vacancyId }, 'answered', limit);
  }

  async questionVoters(ids: readonly string[]): Promise<Map<string, string[]>> {
    await this.#ready();
    return this.#questions.voters(ids);
  }

  async appendModeration(entry: ModerationEntry): Promise<void> {
    await this.#redis.rpush(`${this.#p}moderation:${entry.sessionId}`, JSON.stringify(entry));
  }

  async appendCaption(sessionId: string, { text, at }: { text: string; at: string }): Promise<Caption> {
    // RPUSH answers the list's new length: the line's number, whichever node pushed before it.
    const seq = await this.#redis.rpush(`${this.#p}captions:${sessionId}`, JSON.stringify({ text, at }));
    return { seq, text, at };
  }

  async listCaptions(sessionId: string, last?: number): Promise<Caption[]> {
    const key = `${this.#p}captions:${sessionId}`;
    if (last !== undefined && last <= 0) return [];
    // The length and the lines in one transaction: the numbers are the lines' positions.
    const replies = await this.#redis.multi().llen(key).lrange(key, last === undefined ? 0 : -last, -1).exec();
    const [[lengthError, length], [rangeError, bodies]] = replies as [[Error | null, number], [Error | null, string[]]];
    const failed = lengthError ?? rangeError;
    if (failed) throw failed;
    const first = length - bodies.length + 1;
    return bodies.map((b, i) => ({ seq: first + i, ...(JSON.parse(b) as { text: string; at: string }) }));
  }

  async listModeration(sessionId: string): Promise<ModerationEntry[]> {
    const bodies = await this.#redis.lrange(`${this.#p}moderation:${sessionId}`, 0, -1);
    return bodies.map((b) => JSON.parse(b) as ModerationEntry);
  }

  /**
   * Reachable, and whether acknowledged writes are fsynced before the reply. Where CONFIG is not
   * allowed (managed Redis services rename or forbid it) durability cannot be read: that is said,
   * and the store is still reachable. The answer about durability is kept for a minute.
   */
  async ping(): Promise<{ ok: boolean; detail: string }> {
    try {
      await this.#redis.ping();
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
    if (!this.#durability || Date.now() - this.#durability.at > DURABILITY_RECHECK_MS) {
      this.#durability = { at: Date.now(), detail: await this.#readDurability() };
    }
    return { ok: true, detail: this.#durability.detail };
  }

  async #readDurability(): Promise<string> {
    try {
      const [, appendonly] = (await this.#redis.config('GET', 'appendonly')) as [string, string];
      const [, fsync] = (await this.#redis.config('GET', 'appendfsync')) as [string, string];
      return appendonly === 'yes' && fsync === 'always' ? 'redis, appendfsync always' : `redis NOT durable per write: appendonly ${appendonly}, appendfsync ${fsync}`;
    } catch (error) {
      // A reply error (the command is unknown or refused) is the service's policy, not an outage.
      if (error instanceof ReplyError) return `redis, durability UNKNOWN: CONFIG GET is not allowed here (${(error as Error).message.slice(0, 80)}); make sure it runs with appendonly yes and appendfsync always`;
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#redis.quit().catch(() => this.#redis.disconnect()), this.#docs.close()]);
  }
}
