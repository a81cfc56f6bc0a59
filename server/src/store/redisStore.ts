import { Redis } from 'ioredis';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import type { PinEvent } from '@chunfeng/shared/recruitment';
import { hashKey, upgradeRecord, type ApplicationRecord } from '../domain/applications';
import { DomainError } from '../domain/errors';
import {
  indexValue,
  type ApplicationEvent,
  type ApplicationFilter,
  type CatalogKind,
  type CatalogKinds,
  type JobStore,
} from './jobStore';

// One atomic step: return the application already stored under this key hash, or the one not
// withdrawn for this vacancy and phone; otherwise store it with its indexes and append a 'created' event.
const APPLY_SCRIPT = `
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
redis.call('XADD', p .. 'app-events', '*', 'applicationId', id, 'event', event)
return {1, body}
`;

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
  readonly #upgraded: Promise<void>;

  constructor({ url, prefix = 'cf:' }: { url: string; prefix?: string }) {
    this.#redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    this.#redis.defineCommand('cfApply', { numberOfKeys: 0, lua: APPLY_SCRIPT });
    this.#p = prefix;
    this.#upgraded = this.#upgradeKeys();
    // A failure here surfaces on the first application call that awaits it.
    this.#upgraded.catch(() => undefined);
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

  async put<K extends CatalogKind>(kind: K, doc: CatalogKinds[K]): Promise<void> {
    const p = this.#p;
    const key = `${p}doc:${kind}:${doc.id}`;
    const previous = await this.#redis.get(key);
    const seq = await this.#redis.zscore(`${p}docs:${kind}`, doc.id) ?? String(await this.#redis.incr(`${p}docs:seq`));
    const tx = this.#redis.multi().set(key, JSON.stringify(doc)).zadd(`${p}docs:${kind}`, seq, doc.id);
    const value = indexValue(kind, doc);
    if (value !== undefined) {
      const old = previous ? indexValue(kind, JSON.parse(previous) as CatalogKinds[K]) : undefined;
      if (old !== undefined && old !== value) tx.zrem(`${p}docs:${kind}:idx:${old}`, doc.id);
      tx.zadd(`${p}docs:${kind}:idx:${value}`, seq, doc.id);
    }
    await tx.exec();
  }

  async get<K extends CatalogKind>(kind: K, id: string): Promise<CatalogKinds[K] | undefined> {
    const body = await this.#redis.get(`${this.#p}doc:${kind}:${id}`);
    return body ? (JSON.parse(body) as CatalogKinds[K]) : undefined;
  }

  async list<K extends CatalogKind>(kind: K, where?: { value: string }): Promise<CatalogKinds[K][]> {
    const p = this.#p;
    const ids = await this.#redis.zrange(where ? `${p}docs:${kind}:idx:${where.value}` : `${p}docs:${kind}`, 0, -1);
    if (ids.length === 0) return [];
    const bodies = await this.#redis.mget(ids.map((id) => `${p}doc:${kind}:${id}`));
    return bodies.filter((b): b is string => b !== null).map((b) => JSON.parse(b) as CatalogKinds[K]);
  }

  async putPin(event: PinEvent): Promise<void> {
    await this.#redis.hset(`${this.#p}pins:${event.sessionId}`, `${event.pinnedAt}|${event.kind}`, JSON.stringify(event));
  }

  async putPins(events: PinEvent[]): Promise<void> {
    const first = events[0];
    if (!first) return;
    // One HSET of every field: a single command, so all or none.
    await this.#redis.hset(`${this.#p}pins:${first.sessionId}`, Object.fromEntries(events.map((e) => [`${e.pinnedAt}|${e.kind}`, JSON.stringify(e)])));
  }

  async listPins(sessionId: string): Promise<PinEvent[]> {
    const all = await this.#redis.hgetall(`${this.#p}pins:${sessionId}`);
    return Object.keys(all)
      .sort()
      .map((k) => JSON.parse(all[k]!) as PinEvent);
  }

  async apply(application: ApplicationRecord): Promise<{ application: ApplicationRecord; created: boolean }> {
    await this.#upgraded;
    const a = application;
    const event: ApplicationEvent = { applicationId: a.id, type: 'created', at: a.createdAt, status: a.status };
    const [created, body] = (await (this.#redis as unknown as { cfApply(...args: string[]): Promise<[number, string]> }).cfApply(
      this.#p,
      a.id,
      a.keyHash,
      a.vacancyId,
      a.phone,
      a.employerId,
      a.sessionId ?? '',
      JSON.stringify(a),
      JSON.stringify(event),
    ));
    return { application: upgradeRecord(JSON.parse(body) as ApplicationRecord), created: created === 1 };
  }

  async getApplication(id: string): Promise<ApplicationRecord | undefined> {
    await this.#upgraded;
    const body = await this.#redis.get(`${this.#p}app:${id}`);
    return body ? upgradeRecord(JSON.parse(body) as ApplicationRecord) : undefined;
  }

  async applicationByKey(keyHash: string): Promise<ApplicationRecord | undefined> {
    await this.#upgraded;
    const id = await this.#redis.get(`${this.#p}app:kh:${keyHash}`);
    return id ? this.getApplication(id) : undefined;
  }

  async listApplications({ vacancyId, employerId, sessionId }: ApplicationFilter): Promise<ApplicationRecord[]> {
    await this.#upgraded;
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

  async updateApplication(id: string, change: (current: ApplicationRecord) => ApplicationRecord): Promise<ApplicationRecord> {
    await this.#upgraded;
    const key = `${this.#p}app:${id}`;
    // Optimistic concurrency: WATCH the record; a concurrent write aborts the transaction and we retry.
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const conn = this.#redis.duplicate();
      try {
        await conn.watch(key);
        const body = await conn.get(key);
        if (!body) throw new DomainError('NOT_FOUND', 'no such application');
        const next = change(upgradeRecord(JSON.parse(body) as ApplicationRecord));
        const event: ApplicationEvent = { applicationId: id, type: 'status', at: next.history.at(-1)?.at ?? new Date().toISOString(), status: next.status };
        // A withdrawn application no longer holds its vacancy and phone: a new one may be made.
        const vp = `${this.#p}app:vp:${next.vacancyId}:${next.phone}`;
        let release = false;
        if (next.status === 'withdrawn') {
          await conn.watch(vp);
          release = (await conn.get(vp)) === id;
        }
        const tx = conn.multi().set(key, JSON.stringify(next)).xadd(`${this.#p}app-events`, '*', 'applicationId', id, 'event', JSON.stringify(event));
        if (release) tx.del(vp);
        const result = await tx.exec();
        if (result) return next;
      } finally {
        conn.disconnect();
      }
    }
    throw new DomainError('CONFLICT', 'the application kept changing; try again');
  }

  async applicationEvents(applicationId?: string): Promise<ApplicationEvent[]> {
    const entries = await this.#redis.xrange(`${this.#p}app-events`, '-', '+');
    return entries
      .map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as ApplicationEvent)
      .filter((e) => !applicationId || e.applicationId === applicationId);
  }

  async appendModeration(entry: ModerationEntry): Promise<void> {
    await this.#redis.rpush(`${this.#p}moderation:${entry.sessionId}`, JSON.stringify(entry));
  }

  async listModeration(sessionId: string): Promise<ModerationEntry[]> {
    const bodies = await this.#redis.lrange(`${this.#p}moderation:${sessionId}`, 0, -1);
    return bodies.map((b) => JSON.parse(b) as ModerationEntry);
  }

  /** Reachable, and whether acknowledged writes are fsynced before the reply. */
  async ping(): Promise<{ ok: boolean; detail: string }> {
    try {
      await this.#redis.ping();
      const [, appendonly] = (await this.#redis.config('GET', 'appendonly')) as [string, string];
      const [, fsync] = (await this.#redis.config('GET', 'appendfsync')) as [string, string];
      const durable = appendonly === 'yes' && fsync === 'always';
      return { ok: true, detail: durable ? 'redis, appendfsync always' : `redis NOT durable per write: appendonly ${appendonly}, appendfsync ${fsync}` };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
