import { Redis } from 'ioredis';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import type { Application, PinEvent } from '@chunfeng/shared/recruitment';
import { DomainError } from '../domain/errors';
import {
  indexValue,
  type ApplicationEvent,
  type ApplicationFilter,
  type CatalogKind,
  type CatalogKinds,
  type JobStore,
} from './jobStore';

// One atomic step: return the application already stored under this idempotency key, or for this
// vacancy and phone; otherwise store it with its indexes and append a 'created' event.
const APPLY_SCRIPT = `
local p = ARGV[1]
local id, key, vacancy, phone, employer, session, body, event = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local existing = redis.call('GET', p .. 'app:key:' .. key)
if not existing then existing = redis.call('GET', p .. 'app:vp:' .. vacancy .. ':' .. phone) end
if existing then return {0, redis.call('GET', p .. 'app:' .. existing)} end
local seq = redis.call('INCR', p .. 'apps:seq')
redis.call('SET', p .. 'app:' .. id, body)
redis.call('SET', p .. 'app:key:' .. key, id)
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

  constructor({ url, prefix = 'cf:' }: { url: string; prefix?: string }) {
    this.#redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    this.#redis.defineCommand('cfApply', { numberOfKeys: 0, lua: APPLY_SCRIPT });
    this.#p = prefix;
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

  async listPins(sessionId: string): Promise<PinEvent[]> {
    const all = await this.#redis.hgetall(`${this.#p}pins:${sessionId}`);
    return Object.keys(all)
      .sort()
      .map((k) => JSON.parse(all[k]!) as PinEvent);
  }

  async apply(application: Application): Promise<{ application: Application; created: boolean }> {
    const a = application;
    const event: ApplicationEvent = { applicationId: a.id, type: 'created', at: a.createdAt, status: a.status };
    const [created, body] = (await (this.#redis as unknown as { cfApply(...args: string[]): Promise<[number, string]> }).cfApply(
      this.#p,
      a.id,
      a.idempotencyKey,
      a.vacancyId,
      a.phone,
      a.employerId,
      a.sessionId ?? '',
      JSON.stringify(a),
      JSON.stringify(event),
    ));
    return { application: JSON.parse(body) as Application, created: created === 1 };
  }

  async getApplication(id: string): Promise<Application | undefined> {
    const body = await this.#redis.get(`${this.#p}app:${id}`);
    return body ? (JSON.parse(body) as Application) : undefined;
  }

  async listApplications({ vacancyId, employerId, sessionId }: ApplicationFilter): Promise<Application[]> {
    const p = this.#p;
    const index = vacancyId ? `apps:vacancy:${vacancyId}` : sessionId ? `apps:session:${sessionId}` : employerId ? `apps:employer:${employerId}` : 'apps:all';
    const ids = await this.#redis.zrange(`${p}${index}`, 0, -1);
    if (ids.length === 0) return [];
    const bodies = await this.#redis.mget(ids.map((id) => `${p}app:${id}`));
    return bodies
      .filter((b): b is string => b !== null)
      .map((b) => JSON.parse(b) as Application)
      .filter((a) => (!employerId || a.employerId === employerId) && (!sessionId || a.sessionId === sessionId) && (!vacancyId || a.vacancyId === vacancyId));
  }

  async updateApplication(id: string, change: (current: Application) => Application): Promise<Application> {
    const key = `${this.#p}app:${id}`;
    // Optimistic concurrency: WATCH the record; a concurrent write aborts the transaction and we retry.
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const conn = this.#redis.duplicate();
      try {
        await conn.watch(key);
        const body = await conn.get(key);
        if (!body) throw new DomainError('NOT_FOUND', 'no such application');
        const next = change(JSON.parse(body) as Application);
        const event: ApplicationEvent = { applicationId: id, type: 'status', at: next.history.at(-1)?.at ?? new Date().toISOString(), status: next.status };
        const result = await conn.multi().set(key, JSON.stringify(next)).xadd(`${this.#p}app-events`, '*', 'applicationId', id, 'event', JSON.stringify(event)).exec();
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
