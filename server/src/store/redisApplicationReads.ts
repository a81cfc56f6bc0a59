import type { Redis } from 'ioredis';
import { upgradeRecord, type ApplicationRecord } from '../domain/applications';
import { changePosition, latestOrder, matchesPage, PAGE_SCAN, pageNarrowed } from './applicationPages';
import type { ApplicationChanges, ApplicationEvent, ApplicationFilter, ApplicationPage, ApplicationPageQuery } from './jobStore';
import type { JobKeys } from './redisKeys';

/** Records read per round trip wherever a whole set or list is read (a bounded range and an MGET each). */
export const READ_CHUNK = 500;

/** Applications read per round trip while filling a page. */
const PAGE_CHUNK = 250;

/**
 * The bodies a sorted set names, in its order, READ_CHUNK at a time by score (each member's seq,
 * unique): a keyset, so a member added or moved between two chunks shifts nothing. Members whose
 * body is gone are skipped.
 */
export async function readIndexed(redis: Redis, set: string, keyOf: (id: string) => string): Promise<string[]> {
  const out: string[] = [];
  let above = '-inf';
  for (;;) {
    const entries = await redis.zrange(set, above, '+inf', 'BYSCORE', 'LIMIT', 0, READ_CHUNK, 'WITHSCORES');
    const ids = entries.filter((_, i) => i % 2 === 0);
    if (ids.length > 0) {
      const bodies = await redis.mget(ids.map(keyOf));
      for (const b of bodies) if (b !== null) out.push(b);
    }
    if (ids.length < READ_CHUNK) return out;
    above = `(${entries.at(-1)!}`;
  }
}

/** A list read READ_CHUNK entries at a time from its head (lists here only grow at the tail). */
export async function readList(redis: Redis, key: string): Promise<string[]> {
  const out: string[] = [];
  for (let start = 0; ; start += READ_CHUNK) {
    const part = await redis.lrange(key, start, start + READ_CHUNK - 1);
    out.push(...part);
    if (part.length < READ_CHUNK) return out;
  }
}

/**
 * The Redis store's reads of applications: one by id or key, the lists and pages by vacancy, employer
 * or session (the employer console's pages and the CSV export's, a page at a time), the change feeds
 * and the event log. The writes (apply, update) stay with the store, in its scripts; these read what
 * the scripts keep (redisKeys.ts names every key).
 */
export class RedisApplicationReads {
  readonly #redis: Redis;
  readonly #k: JobKeys;

  constructor(redis: Redis, keys: JobKeys) {
    this.#redis = redis;
    this.#k = keys;
  }

  async get(id: string): Promise<ApplicationRecord | undefined> {
    const body = await this.#redis.get(this.#k.application(id));
    return body ? upgradeRecord(JSON.parse(body) as ApplicationRecord) : undefined;
  }

  async byKey(keyHash: string): Promise<ApplicationRecord | undefined> {
    const id = await this.#redis.get(this.#k.byKeyHash(keyHash));
    return id === null ? undefined : this.get(id);
  }

  async keyAnswered(keyHash: string): Promise<boolean> {
    return (await this.#redis.exists(this.#k.byKeyHash(keyHash), this.#k.doc('receipt', keyHash))) > 0;
  }

  #index({ vacancyId, employerId, sessionId }: ApplicationFilter): string {
    const k = this.#k;
    return vacancyId ? k.byVacancy(vacancyId) : sessionId ? k.bySession(sessionId) : employerId ? k.byEmployer(employerId) : k.allApplications;
  }

  async list(filter: ApplicationFilter): Promise<ApplicationRecord[]> {
    const { vacancyId, employerId, sessionId } = filter;
    const bodies = await readIndexed(this.#redis, this.#index(filter), (id) => this.#k.application(id));
    return bodies
      .map((b) => upgradeRecord(JSON.parse(b) as ApplicationRecord))
      .filter((a) => (!employerId || a.employerId === employerId) && (!sessionId || a.sessionId === sessionId) && (!vacancyId || a.vacancyId === vacancyId));
  }

  /**
   * Newest first below `before` from the filter's sorted set, read in chunks (a bounded ZRANGE
   * BYSCORE … LIMIT and an MGET each); narrowing by status, dates or name reads at most PAGE_SCAN.
   */
  async page(query: ApplicationPageQuery): Promise<ApplicationPage> {
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
  async changes(after: string | undefined, limit: number, of?: { employerId: string }): Promise<ApplicationChanges> {
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

  /**
   * One application's events from its own list (written in the same scripts as the stream); every
   * event of the store from the stream, READ_CHUNK entries at a time by id.
   */
  async events(applicationId?: string): Promise<ApplicationEvent[]> {
    if (applicationId !== undefined) {
      const bodies = await readList(this.#redis, this.#k.applicationEvents(applicationId));
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
}
