import { Redis, ReplyError } from 'ioredis';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import type { PinEvent, ShareChannel } from '@chunfeng/shared/recruitment';
import type { Caption } from '@chunfeng/shared/stage';
import { hashKey, upgradeRecord, type ApplicationRecord } from '../domain/applications';
import { DomainError } from '../domain/errors';
import { boundedRedisOptions, REDIS_RETRY_AFTER_SECONDS } from '../cluster/redisOptions';
import { FENCE_LUA, stageEpochKey, stageLeaseKey, type StageFence } from '../cluster/stageLease';
import { fillCatalogPage } from './catalogPages';
import { cacheable } from './docCache';
import { TrackedDocs } from './trackedDocs';
import { countChunks, countField, countsOf, parseCountField, type StoredCount } from './applicationCounts';
import { migrateRedis } from './redisMigrations';
import { globEscape, jobKeys, type JobKeys } from './redisKeys';
import { StoreError, storeErrorFromRedis } from './storeError';
import { countChanges, type ApplicationCounts, type CountChange } from '../domain/statistics';
import { changePosition, latestOrder, matchesPage, PAGE_SCAN, pageNarrowed } from './applicationPages';
import {
  catalogIndex,
  indexValue,
  statusValue,
  type StatusIndexedKind,
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
  type UniqueViewers,
} from './jobStore';
import { RedisQuestions } from './redisQuestions';
import type { QuestionAnswer, StoredQuestion } from '../domain/questions';

/** A fence's epoch as the scripts read it: '' for "nobody may hold the stage". */
const fenceArg = (fence: StageFence): string => (fence.epoch === null ? '' : String(fence.epoch));

// One atomic step, every key named in KEYS (one hash tag: one cluster slot): answer the id of the
// application already stored under this key hash, or of the one open for this vacancy and phone (a
// withdrawal lets go of that key, so it names an open one); otherwise store it with its indexes, its
// own event list, the store's event stream and its employer's (under the same entry id), and add it to
// its session's tallies. KEYS: key hash, vacancy+phone, seq, record, all, vacancy, employer, event
// stream, its events, its employer's event stream, then its session's set and tally hash when it has a
// session. ARGV: id, record, event, then the fields it counts in.
// Exported for the benchmark, which runs it raw as the baseline (see applyScriptArgs).
export const APPLY_SCRIPT = `
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
local open = redis.call('GET', KEYS[2])
if open then return {0, open} end
local id, body, event = ARGV[1], ARGV[2], ARGV[3]
local seq = redis.call('INCR', KEYS[3])
redis.call('SET', KEYS[4], body)
redis.call('SET', KEYS[1], id)
redis.call('SET', KEYS[2], id)
redis.call('ZADD', KEYS[5], seq, id)
redis.call('ZADD', KEYS[6], seq, id)
redis.call('ZADD', KEYS[7], seq, id)
local entry = redis.call('XADD', KEYS[8], '*', 'applicationId', id, 'event', event)
redis.call('RPUSH', KEYS[9], event)
redis.call('XADD', KEYS[10], entry, 'applicationId', id)
if #KEYS >= 11 then redis.call('ZADD', KEYS[11], seq, id) end
if #KEYS >= 12 then for i = 4, #ARGV do redis.call('HINCRBY', KEYS[12], ARGV[i], 1) end end
return {1, body}
`;

// A catalog write in one round trip, if the document is still as the caller read it (ARGV[3]; '' for
// absent): keeps its creation order (its first seq) and moves it from the index value it had (KEYS[5],
// named from what was read) to its new one (KEYS[4]), and likewise from the status set it was in
// (KEYS[7]) to its new status's (KEYS[6]). KEYS: the document, the kind's order, the seq counter, the
// new and the old index set, the new and the old status set (the document's own key twice for a kind
// without an index or without a status index: a key outside the tag would be another slot). ARGV: id,
// body, the body read, whether it was there. 0 = changed meanwhile (read again and retry).
const PUT_BODY = `
local previous = redis.call('GET', KEYS[1])
if ARGV[4] == '1' then
  if previous ~= ARGV[3] then return 0 end
elseif previous then return 0 end
local seq = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not seq then seq = redis.call('INCR', KEYS[3]) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
for i = 4, 6, 2 do
  if KEYS[i] ~= KEYS[1] then
    if previous and KEYS[i + 1] ~= KEYS[i] then redis.call('ZREM', KEYS[i + 1], ARGV[1]) end
    redis.call('ZADD', KEYS[i], seq, ARGV[1])
  end
end
return 1
`;

const PUT_SCRIPT = PUT_BODY;
// The same, only while the session's stage lease carries the epoch. KEYS 8-9: the lease and its epoch counter; ARGV[5]: the epoch. -1 = refused.
const PUT_FENCED_SCRIPT = `${FENCE_LUA}
if not fenced(KEYS[8], KEYS[9], ARGV[5]) then return -1 end
${PUT_BODY}`;

// Pin records only while the session's stage lease carries the epoch. KEYS: the pins hash, the lease,
// its epoch counter; ARGV: the epoch, then field, value, field, value… 0 = refused.
const PUT_PINS_FENCED_SCRIPT = `${FENCE_LUA}
if not fenced(KEYS[2], KEYS[3], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
`;

// An application's change stored only if the record is still the one the caller read (compare and
// swap, no connection of its own), with its event in the stream and its own list; a withdrawal
// releases its vacancy and phone; the sessions' tallies (KEYS 6…) move with it. KEYS: the record, the
// event stream, its events, its vacancy+phone key, its employer's event stream. ARGV: id, the body
// read, the new body, withdrawn, the event, then (key index, field, change) in threes. 0 = stale, -1 = gone.
const REPLACE_SCRIPT = `
local id, expected, body, withdrawn, event = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local current = redis.call('GET', KEYS[1])
if not current then return -1 end
if current ~= expected then return 0 end
redis.call('SET', KEYS[1], body)
local entry = redis.call('XADD', KEYS[2], '*', 'applicationId', id, 'event', event)
redis.call('RPUSH', KEYS[3], event)
redis.call('XADD', KEYS[5], entry, 'applicationId', id)
if withdrawn == '1' and redis.call('GET', KEYS[4]) == id then redis.call('DEL', KEYS[4]) end
for i = 6, #ARGV, 3 do redis.call('HINCRBY', KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2]) end
return 1
`;

/** How long a reading of Redis's durability settings is kept (they change only by an operator's hand). */
const DURABILITY_RECHECK_MS = 60_000;

/**
 * The apply script's arguments for one application: the number of keys and the keys (its session's set
 * and tally hash last, none outside a session), then the record, its event and the fields it counts in.
 */
export function applyScriptArgs(prefix: string, a: ApplicationRecord): string[] {
  const k = jobKeys(prefix);
  const event: ApplicationEvent = { applicationId: a.id, type: 'created', at: a.createdAt, status: a.status };
  // Every change of a new application is +1 in its own session's hash.
  const fields = countChanges(undefined, a).map((c) => countField(c));
  const keys = [
    k.byKeyHash(a.keyHash), k.openFor(a.vacancyId, a.phone), k.applicationSeq, k.application(a.id), k.allApplications,
    k.byVacancy(a.vacancyId), k.byEmployer(a.employerId), k.events, k.applicationEvents(a.id), k.employerEvents(a.employerId),
    ...(a.sessionId ? [k.bySession(a.sessionId), k.counts(a.sessionId)] : []),
  ];
  return [String(keys.length), ...keys, a.id, JSON.stringify(a), JSON.stringify(event), ...(a.sessionId ? fields : [])];
}

/** Tally changes as script arguments after `before` keys: the keys, then (key index, field, change) in threes. */
function countArgs(k: JobKeys, before: number, changes: readonly CountChange[]): { keys: string[]; argv: string[] } {
  const keys: string[] = [];
  const argv: string[] = [];
  for (const c of changes) {
    const key = k.counts(c.sessionId);
    let index = keys.indexOf(key);
    if (index < 0) index = keys.push(key) - 1;
    argv.push(String(before + index + 1), countField(c), String(c.delta));
  }
  return { keys, argv };
}

/** Records read per round trip wherever a whole set or list is read (a bounded range and an MGET each). */
const READ_CHUNK = 500;
/** How often a catalog write is tried when the document keeps changing between its read and its write. */
const PUT_ATTEMPTS = 10;

/** Applications read per round trip while filling a page. */
const PAGE_CHUNK = 250;

/**
 * The chunked reads (a range of ids, then their bodies) go straight to the connection, never into an
 * auto-pipeline: a batch's replies are handed on only once the whole batch has answered, a tick
 * later, and a read of hundreds of records held that long outlives the young generation. A CSV export
 * of 200,000 applications grew the server by about 90 MB with them in the batches, by 7-12 MB
 * without (the `store-scale` benchmark's export measures it). Each is one command of bounded size,
 * so nothing is lost by sending it alone.
 */
const BULK_READS = ['mget', 'zrange'];

/** Every method that talks to Redis: its connection failures reach the caller as UNAVAILABLE (a StoreError). */
const GUARDED = [
  'put', 'get', 'list', 'listByStatus', 'pageCatalog', 'putPin', 'putPins', 'listPins', 'apply', 'getApplication', 'applicationByKey', 'keyAnswered',
  'listApplications', 'pageApplications', 'applicationChanges', 'updateApplication', 'applicationCounts', 'countVisit', 'countViewer', 'uniqueViewers', 'applicationEvents', 'appendModeration', 'listModeration', 'appendCaption', 'listCaptions',
  'putQuestion', 'getQuestion', 'voteQuestion', 'answerQuestion', 'questionsOf', 'faq', 'questionVoters',
] as const satisfies ReadonlyArray<keyof JobStore>;

/** The scripts above, as ioredis defines them on the client. */
type Scripts = Record<'cfApply' | 'cfPut' | 'cfPutFenced' | 'cfPutPinsFenced' | 'cfReplace', (...args: string[]) => Promise<unknown>>;

/** A record the store's own keys point at is missing: the data was changed behind the store's back. */
const dangling = (what: string): StoreError => new StoreError('corrupt', `${what} names an application that is not stored`);

/**
 * The job store on Redis, for several nodes: JSON records, sorted-set indexes per vacancy, employer
 * and session, an append-only stream of application events (and one per employer, its change feed) and each application's own list of them.
 * Every key is under one hash tag (store/redisKeys.ts) and every script is given all its keys, so it
 * runs on Redis Cluster as on one server. Durable acknowledgements need the server to run with
 * appendonly yes and appendfsync always (the setup script configures the local one).
 */
export class RedisJobStore implements JobStore {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  /** The prefix as given: what the migrations and the untagged keys of earlier releases are named from. */
  readonly #p: string;
  readonly #k: JobKeys;
  /** The one-time upgrade of applications written before keys were hashed and the schema migration; every call waits for it. */
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
    this.#k = jobKeys(prefix);
    // Auto-pipelining: the commands of many concurrent requests leave in one write, not one each.
    // Bounded retries: while Redis is away a request fails within seconds as UNAVAILABLE, it never hangs.
    this.#redis = new Redis(url, { ...boundedRedisOptions(), lazyConnect: false, enableAutoPipelining: true, autoPipeliningIgnoredCommands: BULK_READS });
    // Without a listener ioredis prints every failed reconnect; the caller decides what to log.
    this.#redis.on('error', (error: Error) => onConnectionError?.(error));
    // The number of keys is the first argument: an application outside a session has no tallies to name.
    this.#redis.defineCommand('cfApply', { lua: APPLY_SCRIPT });
    this.#redis.defineCommand('cfPut', { numberOfKeys: 7, lua: PUT_SCRIPT });
    this.#redis.defineCommand('cfPutFenced', { numberOfKeys: 9, lua: PUT_FENCED_SCRIPT });
    this.#redis.defineCommand('cfPutPinsFenced', { numberOfKeys: 3, lua: PUT_PINS_FENCED_SCRIPT });
    this.#redis.defineCommand('cfReplace', { lua: REPLACE_SCRIPT });
    this.#scripts = this.#redis as unknown as Scripts;
    this.#p = prefix;
    this.#questions = new RedisQuestions(this.#redis, this.#k.tag);
    this.#docs = new TrackedDocs({ url, prefix: this.#k.docPrefix, redisOptions: boundedRedisOptions(), onError: (error) => onConnectionError?.(error) });
    this.#ready().catch(() => undefined);
    for (const name of GUARDED) {
      const method = (this[name] as (...args: unknown[]) => Promise<unknown>).bind(this);
      // Writable and configurable as the method it wraps is (defineProperty's defaults are neither):
      // a spy or an instrumentation wrapper replaces it as it would on the embedded store.
      Object.defineProperty(this, name, {
        writable: true,
        configurable: true,
        // Every key is read under this release's names: nothing is read or written before the data is migrated.
        value: (...args: unknown[]) =>
          this.#ready()
            .then(() => method(...args))
            .catch((error: unknown) => {
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
   * it in their record: index them by its hash instead, and drop the raw key from the record. That
   * layout is older than the hash tag, so these keys are the untagged ones (schema migration 2 then
   * moves them under the tag).
   */
  async #upgradeKeys(): Promise<void> {
    const p = this.#p;
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${globEscape(p)}app:key:*`, 'COUNT', 500);
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

  /**
   * A compare-and-swap in one script: the document is read, and written only if it is still that
   * body, so the index value it leaves is the one read (named in KEYS, never built inside the script).
   */
  async put<K extends CatalogKind>(kind: K, doc: CatalogKinds[K], { fence }: FencedWrite = {}): Promise<void> {
    const k = this.#k;
    const docKey = k.doc(kind, doc.id);
    const body = JSON.stringify(doc);
    const value = indexValue(kind, doc);
    const indexed = catalogIndex[kind] !== undefined && value !== undefined;
    const status = statusValue(kind, doc);
    const fenceKeys = fence ? [stageLeaseKey(this.#p, fence.sessionId), stageEpochKey(this.#p, fence.sessionId)] : [];
    await this.#docs.writing(docKey, async () => {
      for (let attempt = 0; attempt < PUT_ATTEMPTS; attempt += 1) {
        const previous = await this.#redis.get(docKey);
        // As JavaScript's String() names the field it had (missing or null included), as indexValue does.
        const was = previous === null ? undefined : (JSON.parse(previous) as CatalogKinds[K]);
        const before = was === undefined || !indexed ? undefined : indexValue(kind, was);
        const newIndex = indexed ? k.docIndex(kind, value) : docKey;
        const oldIndex = before === undefined ? newIndex : k.docIndex(kind, before);
        const statusBefore = was === undefined || status === undefined ? undefined : statusValue(kind, was);
        const newStatus = status === undefined ? docKey : k.docStatus(kind, status);
        const oldStatus = statusBefore === undefined ? newStatus : k.docStatus(kind, statusBefore);
        const keys = [docKey, k.docOrder(kind), k.docSeq, newIndex, oldIndex, newStatus, oldStatus, ...fenceKeys];
        const argv = [doc.id, body, previous ?? '', previous === null ? '0' : '1'];
        const stored = fence ? await this.#scripts.cfPutFenced(...keys, ...argv, fenceArg(fence)) : await this.#scripts.cfPut(...keys, ...argv);
        if (stored === -1) throw staleFence(fence!);
        if (stored === 1) return;
      }
      throw new DomainError('CONFLICT', `the ${kind} kept changing; try again`);
    });
  }

  async get<K extends CatalogKind>(kind: K, id: string): Promise<CatalogKinds[K] | undefined> {
    const key = this.#k.doc(kind, id);
    const body = cacheable(kind) ? await this.#docs.get(key, () => this.#redis.get(key)) : await this.#redis.get(key);
    return body ? (JSON.parse(body) as CatalogKinds[K]) : undefined;
  }

  /** In creation order, READ_CHUNK at a time (a bounded ZRANGE and an MGET each): no command reads the whole kind. */
  async list<K extends CatalogKind>(kind: K, where?: { value: string }): Promise<CatalogKinds[K][]> {
    const k = this.#k;
    const bodies = await this.#readIndexed(where ? k.docIndex(kind, where.value) : k.docOrder(kind), (id) => k.doc(kind, id));
    return bodies.map((b) => JSON.parse(b) as CatalogKinds[K]);
  }

  /**
   * The bodies a sorted set names, in its order, READ_CHUNK at a time by score (each member's seq,
   * unique): a keyset, so a member added or moved between two chunks shifts nothing. Members whose
   * body is gone are skipped.
   */
  async #readIndexed(set: string, keyOf: (id: string) => string): Promise<string[]> {
    const out: string[] = [];
    let above = '-inf';
    for (;;) {
      const entries = await this.#redis.zrange(set, above, '+inf', 'BYSCORE', 'LIMIT', 0, READ_CHUNK, 'WITHSCORES');
      const ids = entries.filter((_, i) => i % 2 === 0);
      if (ids.length > 0) {
        const bodies = await this.#redis.mget(ids.map(keyOf));
        for (const b of bodies) if (b !== null) out.push(b);
      }
      if (ids.length < READ_CHUNK) return out;
      above = `(${entries.at(-1)!}`;
    }
  }

  /** Each status's set READ_CHUNK at a time (as list reads the kind's order), merged by creation seq. */
  async listByStatus<K extends StatusIndexedKind>(kind: K, statuses: ReadonlyArray<CatalogKinds[K]['status']>): Promise<CatalogKinds[K][]> {
    const k = this.#k;
    const entries: Array<{ seq: number; id: string }> = [];
    for (const status of new Set(statuses)) {
      const set = k.docStatus(kind, status);
      let above = '-inf';
      for (;;) {
        const chunk = await this.#redis.zrange(set, above, '+inf', 'BYSCORE', 'LIMIT', 0, READ_CHUNK, 'WITHSCORES');
        for (let i = 0; i < chunk.length; i += 2) entries.push({ id: chunk[i]!, seq: Number(chunk[i + 1]) });
        if (chunk.length < READ_CHUNK * 2) break;
        above = `(${chunk.at(-1)!}`;
      }
    }
    entries.sort((a, b) => a.seq - b.seq);
    const docs: Array<CatalogKinds[K]> = [];
    for (let i = 0; i < entries.length; i += READ_CHUNK) {
      const bodies = await this.#redis.mget(entries.slice(i, i + READ_CHUNK).map((e) => k.doc(kind, e.id)));
      for (const b of bodies) if (b !== null) docs.push(JSON.parse(b) as CatalogKinds[K]);
    }
    return docs;
  }

  /**
   * Chunks of the kind's order (or one index value's set) by score past the position — a bounded
   * ZRANGE … BYSCORE LIMIT and an MGET each, never the whole set. A document deleted between the
   * two reads is skipped.
   */
  async pageCatalog<K extends CatalogKind>(kind: K, query: CatalogPageQuery<K>): Promise<CatalogPage<K>> {
    const set = query.where === undefined ? this.#k.docOrder(kind) : this.#k.docIndex(kind, query.where.value);
    const newest = query.order === 'newest';
    return fillCatalogPage(query, async (after, count) => {
      const entries = newest
        ? await this.#redis.zrange(set, after === undefined ? '+inf' : `(${after}`, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, count, 'WITHSCORES')
        : await this.#redis.zrange(set, after === undefined ? '-inf' : `(${after}`, '+inf', 'BYSCORE', 'LIMIT', 0, count, 'WITHSCORES');
      const ids = entries.filter((_, i) => i % 2 === 0);
      if (ids.length === 0) return [];
      const bodies = await this.#redis.mget(ids.map((id) => this.#k.doc(kind, id)));
      return ids.map((_, i) => ({ seq: Number(entries[i * 2 + 1]), doc: bodies[i] ? (JSON.parse(bodies[i]) as CatalogKinds[K]) : undefined }));
    });
  }

  async putPin(event: PinEvent): Promise<void> {
    await this.#redis.hset(this.#k.pins(event.sessionId), `${event.pinnedAt}|${event.kind}`, JSON.stringify(event));
  }

  async putPins(events: PinEvent[], { fence }: FencedWrite = {}): Promise<void> {
    const first = events[0];
    if (!first) return;
    const key = this.#k.pins(first.sessionId);
    const fields = events.flatMap((e) => [`${e.pinnedAt}|${e.kind}`, JSON.stringify(e)]);
    if (fence) {
      const p = this.#p;
      if ((await this.#scripts.cfPutPinsFenced(key, stageLeaseKey(p, fence.sessionId), stageEpochKey(p, fence.sessionId), fenceArg(fence), ...fields)) === 0) throw staleFence(fence);
      return;
    }
    // One HSET of every field: a single command, so all or none.
    await this.#redis.hset(key, ...fields);
  }

  /** A session's pins, read with HSCAN (bounded replies) rather than one HGETALL of the whole hash. */
  async listPins(sessionId: string): Promise<PinEvent[]> {
    const all = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, pairs] = await this.#redis.hscan(this.#k.pins(sessionId), cursor, 'COUNT', READ_CHUNK);
      cursor = next;
      for (let i = 0; i + 1 < pairs.length; i += 2) all.set(pairs[i]!, pairs[i + 1]!);
    } while (cursor !== '0');
    return [...all.keys()].sort().map((k) => JSON.parse(all.get(k)!) as PinEvent);
  }

  async apply(application: ApplicationRecord): Promise<{ application: ApplicationRecord; created: boolean }> {
    const [created, reply] = (await this.#scripts.cfApply(...applyScriptArgs(this.#p, application))) as [number, string];
    if (created === 1) return { application: upgradeRecord(JSON.parse(reply) as ApplicationRecord), created: true };
    // The script answered the id of the one stored already (its record is read as it is now).
    const stored = await this.getApplication(reply);
    if (!stored) throw dangling(`the key or the vacancy and phone of application ${application.id}`);
    return { application: stored, created: false };
  }

  async getApplication(id: string): Promise<ApplicationRecord | undefined> {
    const body = await this.#redis.get(this.#k.application(id));
    return body ? upgradeRecord(JSON.parse(body) as ApplicationRecord) : undefined;
  }

  async applicationByKey(keyHash: string): Promise<ApplicationRecord | undefined> {
    const id = await this.#redis.get(this.#k.byKeyHash(keyHash));
    return id === null ? undefined : this.getApplication(id);
  }

  async keyAnswered(keyHash: string): Promise<boolean> {
    return (await this.#redis.exists(this.#k.byKeyHash(keyHash), this.#k.doc('receipt', keyHash))) > 0;
  }

  #index({ vacancyId, employerId, sessionId }: ApplicationFilter): string {
    const k = this.#k;
    return vacancyId ? k.byVacancy(vacancyId) : sessionId ? k.bySession(sessionId) : employerId ? k.byEmployer(employerId) : k.allApplications;
  }

  async listApplications(filter: ApplicationFilter): Promise<ApplicationRecord[]> {
    const { vacancyId, employerId, sessionId } = filter;
    const bodies = await this.#readIndexed(this.#index(filter), (id) => this.#k.application(id));
    return bodies
      .map((b) => upgradeRecord(JSON.parse(b) as ApplicationRecord))
      .filter((a) => (!employerId || a.employerId === employerId) && (!sessionId || a.sessionId === sessionId) && (!vacancyId || a.vacancyId === vacancyId));
  }

  /**
   * Newest first below `before` from the filter's sorted set, read in chunks (a bounded ZRANGE
   * BYSCORE … LIMIT and an MGET each); narrowing by status, dates or name reads at most PAGE_SCAN.
   */
  async pageApplications(query: ApplicationPageQuery): Promise<ApplicationPage> {
    const { vacancyId, employerId, sessionId, before, limit } = query;
    const index = this.#index(query);
    const budget = pageNarrowed(query) ? PAGE_SCAN : limit + 1;
    const found: Array<{ seq: number; record: ApplicationRecord }> = [];
    let below = before === undefined ? '+inf' : `(${before}`;
    let read = 0;
    let floor: number | undefined;
    while (found.length <= limit && read < budget) {
      const chunk = Math.min(PAGE_CHUNK, budget - read);
      const entries = await this.#redis.zrange(index, below, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, chunk, 'WITHSCORES');
      const ids = entries.filter((_, i) => i % 2 === 0);
      if (ids.length === 0) break;
      const bodies = await this.#redis.mget(ids.map((id) => this.#k.application(id)));
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

  /** The store's event stream, or one employer's (the same entry ids): XRANGE past the position, at most `limit`. */
  async applicationChanges(after: string | undefined, limit: number, of?: { employerId: string }): Promise<ApplicationChanges> {
    // An employer's log is its own stream, under the ids of the store's: its position now is its own last entry.
    const stream = of ? this.#k.employerEvents(of.employerId) : this.#k.events;
    if (after === undefined) {
      const [last] = await this.#redis.xrevrange(stream, '+', '-', 'COUNT', 1);
      return { ids: [], position: last?.[0] ?? '0-0', more: false };
    }
    const entries = await this.#redis.xrange(stream, `(${changePosition('redis', after)}`, '+', 'COUNT', limit);
    const ids = entries.map(([, fields]) => fields[fields.indexOf('applicationId') + 1]!);
    return { ids: latestOrder(ids), position: entries.at(-1)?.[0] ?? after, more: entries.length === limit };
  }

  async updateApplication(id: string, change: (current: ApplicationRecord) => ApplicationRecord): Promise<ApplicationRecord> {
    const k = this.#k;
    const key = k.application(id);
    // Optimistic concurrency in one script (no WATCH, no connection of its own): the change is stored only if the record is still the one read.
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const body = await this.#redis.get(key);
      if (!body) throw new DomainError('NOT_FOUND', 'no such application');
      const current = upgradeRecord(JSON.parse(body) as ApplicationRecord);
      const next = change(current);
      const event: ApplicationEvent = { applicationId: id, type: 'status', at: next.history.at(-1)?.at ?? new Date().toISOString(), status: next.status };
      // A withdrawn application no longer holds its vacancy and phone: a new one may be made.
      const withdrawn = next.status === 'withdrawn' ? '1' : '0';
      const keys = [key, k.events, k.applicationEvents(id), k.openFor(next.vacancyId, next.phone), k.employerEvents(next.employerId)];
      const tallies = countArgs(k, keys.length, countChanges(current, next));
      keys.push(...tallies.keys);
      const result = (await this.#scripts.cfReplace(String(keys.length), ...keys, id, body, JSON.stringify(next), withdrawn, JSON.stringify(event), ...tallies.argv)) as number;
      if (result === 1) return next;
      if (result === -1) throw new DomainError('NOT_FOUND', 'no such application');
    }
    throw new DomainError('CONFLICT', 'the application kept changing; try again');
  }

  /** One field of the session's tally hash: atomic, whichever node counts. */
  async countVisit(sessionId: string, channel: ShareChannel): Promise<void> {
    await this.#redis.hincrby(this.#k.counts(sessionId), countField({ dimension: 'visit', key: channel }), 1);
  }

  /** PFADD to the session's HyperLogLog: a fixed ~12 kB per session however many viewers, atomic on every node. */
  async countViewer(sessionId: string, viewer: string): Promise<void> {
    await this.#redis.pfadd(this.#k.viewers(sessionId), viewer);
  }

  /**
   * Estimates (HyperLogLog, standard error 0.81%): PFCOUNT of each session's key, and one PFCOUNT of
   * all of them, which Redis answers for the union (every key is in the tag's slot, so this works on
   * a cluster too).
   */
  async uniqueViewers(sessionIds: readonly string[]): Promise<UniqueViewers> {
    const ids = [...new Set(sessionIds)];
    const perSession = new Map<string, number>();
    for (const chunk of countChunks(ids)) {
      const counts = await Promise.all(chunk.map((id) => this.#redis.pfcount(this.#k.viewers(id))));
      for (const [i, n] of counts.entries()) perSession.set(chunk[i]!, n);
    }
    const together = ids.length === 0 ? 0 : await this.#redis.pfcount(...ids.map((id) => this.#k.viewers(id)));
    return { perSession, together, approximate: true };
  }

  /** The sessions' tally hashes, COUNT_CHUNK HGETALLs at a time (one pipeline each). */
  async applicationCounts(sessionIds: readonly string[]): Promise<Map<string, ApplicationCounts>> {
    const stored: StoredCount[] = [];
    for (const chunk of countChunks(sessionIds)) {
      const hashes = await Promise.all(chunk.map((id) => this.#redis.hgetall(this.#k.counts(id))));
      for (const [i, hash] of hashes.entries()) {
        const sessionId = chunk[i]!;
        for (const [field, value] of Object.entries(hash)) stored.push({ sessionId, ...parseCountField(field, value, `the tallies of session ${sessionId}`) });
      }
    }
    return countsOf(sessionIds, stored);
  }

  /**
   * One application's events from its own list (written in the same scripts as the stream); every
   * event of the store from the stream, READ_CHUNK entries at a time by id.
   */
  async applicationEvents(applicationId?: string): Promise<ApplicationEvent[]> {
    if (applicationId !== undefined) {
      const bodies = await this.#readList(this.#k.applicationEvents(applicationId));
      return bodies.map((b) => JSON.parse(b) as ApplicationEvent);
    }
    const events: ApplicationEvent[] = [];
    let from = '-';
    for (;;) {
      const entries = await this.#redis.xrange(this.#k.events, from, '+', 'COUNT', READ_CHUNK);
      for (const [, fields] of entries) events.push(JSON.parse(fields[fields.indexOf('event') + 1]!) as ApplicationEvent);
      if (entries.length < READ_CHUNK) return events;
      from = `(${entries.at(-1)![0]}`;
    }
  }

  /** A list read READ_CHUNK entries at a time from its head (lists here only grow at the tail). */
  async #readList(key: string): Promise<string[]> {
    const out: string[] = [];
    for (let start = 0; ; start += READ_CHUNK) {
      const part = await this.#redis.lrange(key, start, start + READ_CHUNK - 1);
      out.push(...part);
      if (part.length < READ_CHUNK) return out;
    }
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
    await this.#redis.rpush(this.#k.moderation(entry.sessionId), JSON.stringify(entry));
  }

  async appendCaption(sessionId: string, { text, at }: { text: string; at: string }): Promise<Caption> {
    // RPUSH answers the list's new length: the line's number, whichever node pushed before it.
    const seq = await this.#redis.rpush(this.#k.captions(sessionId), JSON.stringify({ text, at }));
    return { seq, text, at };
  }

  async listCaptions(sessionId: string, last?: number): Promise<Caption[]> {
    const key = this.#k.captions(sessionId);
    if (last !== undefined && last <= 0) return [];
    if (last === undefined || last > READ_CHUNK) {
      // Lines are only appended: a line's number is its position, so the list is read in chunks from the head.
      const bodies = await this.#readList(key);
      const from = last === undefined ? 0 : Math.max(0, bodies.length - last);
      return bodies.slice(from).map((b, i) => ({ seq: from + i + 1, ...(JSON.parse(b) as { text: string; at: string }) }));
    }
    // The length and the lines in one transaction: the numbers are the lines' positions.
    const replies = await this.#redis.multi().llen(key).lrange(key, -last, -1).exec();
    const [[lengthError, length], [rangeError, bodies]] = replies as [[Error | null, number], [Error | null, string[]]];
    const failed = lengthError ?? rangeError;
    if (failed) throw failed;
    const first = length - bodies.length + 1;
    return bodies.map((b, i) => ({ seq: first + i, ...(JSON.parse(b) as { text: string; at: string }) }));
  }

  async listModeration(sessionId: string): Promise<ModerationEntry[]> {
    const bodies = await this.#readList(this.#k.moderation(sessionId));
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
