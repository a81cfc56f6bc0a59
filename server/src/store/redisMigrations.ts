import crypto from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { upgradeRecord, type ApplicationRecord } from '../domain/applications';
import { countCells, type CountCell } from '../domain/statistics';
import { StartupError } from '../startupError';
import { countField } from './applicationCounts';
import { globEscape, jobKeys, UNTAGGED_FAMILIES } from './redisKeys';
import { ApplicationRecordSchema, QuestionDocumentRecord, readRecord } from './recordSchemas';
import { writeMovedQuestion } from './redisQuestions';
import { StoreError } from './storeError';

/** The key holding the schema version of the data under a prefix (absent: 0, written before versions). */
export const schemaVersionKey = (prefix: string): string => `${prefix}schema:version`;
/** Held by the node migrating, so nodes starting together migrate once. */
const migratingKey = (prefix: string): string => `${prefix}schema:migrating`;
/** A session's application tallies as version 1 named them, before the hash tag (migration 2 moves them under it). */
const untaggedCountsKey = (prefix: string, sessionId: string): string => `${prefix}counts:session:${sessionId}`;

/** Applications read per round trip while counting (a bounded ZRANGE and an MGET each); keys per SCAN and stream entries per XRANGE. */
const CHUNK = 500;
/** How long the migrating node's hold lasts unless renewed (it is, after every chunk). */
const HOLD_MS = 30_000;
/** How often a node waiting for another's migration looks again. */
const WAIT_MS = 200;

// The hold is renewed and let go only by the node that took it (its token).
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface RedisMigration {
  version: number;
  name: string;
  /** Runs while the node holds the migration; `stillHeld` throws once another node has taken it. */
  up(redis: Redis, prefix: string, stillHeld: () => Promise<void>): Promise<void>;
}

/**
 * Counts every application stored so far into its session's tallies, as the apply and update scripts
 * keep them from now on. Reads `apps:all` a chunk at a time; each session's hash is then replaced
 * whole (DEL and HSET in one MULTI), so a run cut short and run again counts nothing twice. A record
 * that cannot be read is not counted (reading it reports it corrupt). This layout is before the hash
 * tag: it reads and writes the untagged names, which migration 2 then moves.
 */
async function countStoredApplications(redis: Redis, p: string, stillHeld: () => Promise<void>): Promise<void> {
  const tallies = await tallyStoredApplications(redis, { all: `${p}apps:all`, application: (id) => `${p}app:${id}` }, () => true, stillHeld);
  const sessions = [...tallies];
  for (let i = 0; i < sessions.length; i += CHUNK) {
    await Promise.all(
      sessions.slice(i, i + CHUNK).map(([sessionId, fields]) => {
        const key = untaggedCountsKey(p, sessionId);
        return redis.multi().del(key).hset(key, Object.fromEntries(fields)).exec();
      }),
    );
    await stillHeld();
  }
}

/**
 * Version 6, follow-up tallies: each session's status-by-group and status-by-vacancy cells, counted
 * from the applications stored (`apps:all` a chunk at a time, as version 1 counted) and written into
 * the session's tally hash beside the cells it has, replacing any follow-up field there was, so a run
 * cut short and run again counts nothing twice; the other fields of the hash are left alone.
 */
async function countFollowUp(redis: Redis, p: string, stillHeld: () => Promise<void>): Promise<void> {
  const k = jobKeys(p);
  const tallies = await tallyStoredApplications(redis, { all: k.allApplications, application: k.application }, (cell) => cell.dimension === 'groupStatus' || cell.dimension === 'vacancyStatus', stillHeld);
  // Each session's follow-up fields are replaced whole (HDEL of those there, HSET of the counted, in
  // one MULTI): a run cut short and run again, or a field no application backs, leaves nothing stale.
  const rewrite = async (key: string, fields: Map<string, number> | undefined): Promise<void> => {
    const stale = (await redis.hkeys(key)).filter(isFollowUpField);
    const tx = redis.multi();
    if (stale.length > 0) tx.hdel(key, ...stale);
    if (fields && fields.size > 0) tx.hset(key, Object.fromEntries(fields));
    if (stale.length > 0 || fields) await execAll(tx);
  };
  const prefix = k.counts('');
  await scanKeys(redis, `${globEscape(prefix)}*`, async (keys) => {
    for (const key of new Set(keys)) {
      const sessionId = key.slice(prefix.length);
      await rewrite(key, tallies.get(sessionId));
      tallies.delete(sessionId);
    }
    await stillHeld();
  });
  // Sessions with applications but no hash yet (none should be: every application writes its tallies).
  for (const [sessionId, fields] of tallies) await rewrite(k.counts(sessionId), fields);
}

/**
 * Each session's tallies of the applications stored, as field → count, only the cells `keep` takes:
 * `all` read a chunk at a time, the records with one MGET a chunk. A record that cannot be read is
 * not counted (reading it reports it corrupt); one made in no session counts nowhere.
 */
async function tallyStoredApplications(
  redis: Redis,
  keys: { all: string; application: (id: string) => string },
  keep: (cell: CountCell) => boolean,
  stillHeld: () => Promise<void>,
): Promise<Map<string, Map<string, number>>> {
  const tallies = new Map<string, Map<string, number>>();
  for (let start = 0; ; start += CHUNK) {
    const ids = await redis.zrange(keys.all, start, start + CHUNK - 1);
    if (ids.length === 0) break;
    const bodies = await redis.mget(ids.map(keys.application));
    for (const body of bodies) {
      if (body === null) continue;
      let record;
      try {
        // As the store reads it: a record from before keys were hashed in today's shape.
        record = readRecord(ApplicationRecordSchema, upgradeRecord(JSON.parse(body) as ApplicationRecord), 'an application');
      } catch {
        continue;
      }
      if (!record.sessionId) continue;
      let fields = tallies.get(record.sessionId);
      if (!fields) tallies.set(record.sessionId, (fields = new Map<string, number>()));
      for (const cell of countCells(record).filter(keep)) fields.set(countField(cell), (fields.get(countField(cell)) ?? 0) + 1);
    }
    await stillHeld();
  }
  return tallies;
}

const isFollowUpField = (field: string): boolean => field.startsWith('groupStatus:') || field.startsWith('vacancyStatus:');

/** The keys a SCAN of `match` finds, COUNT at a time, handed to `each` batch by batch. */
async function scanKeys(redis: Redis, match: string, each: (keys: string[]) => Promise<void>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', CHUNK);
    cursor = next;
    if (keys.length > 0) await each(keys);
  } while (cursor !== '0');
}

/**
 * Version 2, cluster-safe keys: every key of the job store moves under its hash tag (`cf:app:1` →
 * `{cf:}app:1`, RENAME keeps values and TTLs), found with SCAN a batch at a time, so a run cut short
 * and run again moves the rest. Then two things the new scripts rely on: a vacancy-and-phone key names
 * only an open application (the apply script no longer reads the record it names: keys left pointing at
 * a withdrawn or missing one are dropped), and each application has its own list of its events, filled
 * from the event stream in order a chunk at a time, each chunk in one MULTI with the stream position
 * reached (`{p}schema:v2:events`, kept afterwards), so a run cut short never pushes an event twice.
 */
async function tagKeys(redis: Redis, p: string, stillHeld: () => Promise<void>): Promise<void> {
  const k = jobKeys(p);
  await scanKeys(redis, `${globEscape(p)}*`, async (keys) => {
    // A pipeline, not a MULTI: the old names are in many slots. Each RENAME is atomic on its own.
    const moves = redis.pipeline();
    for (const key of new Set(keys)) {
      const rest = key.slice(p.length);
      if (UNTAGGED_FAMILIES.some((family) => rest.startsWith(family))) moves.rename(key, `${k.tag}${rest}`);
    }
    // SCAN may name a key twice; the second RENAME finds it gone.
    if (moves.length > 0) await execAll(moves, /no such key/);
    await stillHeld();
  });
  await scanKeys(redis, `${globEscape(k.tag)}app:vp:*`, async (keys) => {
    const ids = await redis.mget(keys);
    const bodies = await redis.mget(ids.map((id) => k.application(id ?? '')));
    const closed = keys.filter((_, i) => {
      const body = bodies[i];
      if (ids[i] === null || !body) return true;
      try {
        return (JSON.parse(body) as { status?: unknown }).status === 'withdrawn';
      } catch {
        // Unreadable: reading it reports it corrupt; the key stays as it was.
        return false;
      }
    });
    if (closed.length > 0) await redis.del(...closed);
    await stillHeld();
  });
  const progress = `${k.tag}schema:v2:events`;
  for (;;) {
    const reached = await redis.get(progress);
    const entries = await redis.xrange(k.events, reached === null ? '-' : `(${reached}`, '+', 'COUNT', CHUNK);
    if (entries.length === 0) break;
    const tx = redis.multi();
    for (const [, fields] of entries) {
      const id = fields[fields.indexOf('applicationId') + 1];
      const event = fields[fields.indexOf('event') + 1];
      if (id !== undefined && event !== undefined) tx.rpush(k.applicationEvents(id), event);
    }
    await execAll(tx.set(progress, entries.at(-1)![0]));
    await stillHeld();
  }
  // The position stays: a node dying between here and the version being recorded leaves the step to
  // run again, and it must find every event listed already.
}

/** Runs a MULTI or pipeline and throws the first of its commands' errors (ioredis answers them per command) not `expected`. */
async function execAll(tx: ReturnType<Redis['multi']>, expected?: RegExp): Promise<void> {
  const replies = await tx.exec();
  const failed = replies?.find(([error]) => error !== null && !(expected && expected.test(error.message)))?.[0];
  if (failed) throw failed;
}

/**
 * Moves the question documents of the releases before (`doc:question:<id>`, listed in `docs:question`
 * and `docs:question:idx:<vacancy>`, voters inside) into the question structures (see
 * redisQuestions.ts), a chunk at a time by their position in `docs:question`. Each question is moved
 * in one MULTI that writes the new keys and drops the document and its index entries, so a run cut
 * short and run again moves the rest. A document that cannot be read is left where it is.
 */
async function moveQuestionDocuments(redis: Redis, p: string, stillHeld: () => Promise<void>): Promise<void> {
  // After version 2: the documents, and the question structures written here, are under the tag.
  const k = jobKeys(p);
  const order = k.docOrder('question');
  let after = '-inf';
  for (;;) {
    const entries = await redis.zrange(order, after, '+inf', 'BYSCORE', 'LIMIT', 0, CHUNK, 'WITHSCORES');
    if (entries.length === 0) break;
    const ids = entries.filter((_, i) => i % 2 === 0);
    after = `(${entries.at(-1)!}`;
    const bodies = await redis.mget(ids.map((id) => k.doc('question', id)));
    const tx = redis.multi();
    for (const [i, body] of bodies.entries()) {
      const id = ids[i]!;
      if (body === null) {
        tx.zrem(order, id);
        continue;
      }
      let doc;
      try {
        doc = readRecord(QuestionDocumentRecord, body, `question ${id}`);
      } catch {
        continue;
      }
      writeMovedQuestion(tx, k.tag, { ...doc, votes: 0 });
      tx.del(k.doc('question', id)).zrem(order, id);
      if (doc.vacancyId !== null) tx.zrem(k.docIndex('question', doc.vacancyId), id);
      // As JavaScript's String() named a missing vacancy in the old index.
      else tx.zrem(k.docIndex('question', 'null'), id);
    }
    await tx.exec();
    await stillHeld();
  }
}

/**
 * Version 4, the status sets: each stored session added to its status's set (`docs:session:status:<status>`)
 * with its creation seq, a chunk of `docs:session` at a time, as the put script keeps them from now on.
 * ZADD is idempotent, so a run cut short and run again adds nothing twice. A document that cannot be
 * read is in no set (reading it reports it corrupt).
 */
async function indexSessionStatus(redis: Redis, p: string, stillHeld: () => Promise<void>): Promise<void> {
  const k = jobKeys(p);
  let after = '-inf';
  for (;;) {
    const entries = await redis.zrange(k.docOrder('session'), after, '+inf', 'BYSCORE', 'LIMIT', 0, CHUNK, 'WITHSCORES');
    if (entries.length === 0) break;
    after = `(${entries.at(-1)!}`;
    const ids = entries.filter((_, i) => i % 2 === 0);
    const bodies = await redis.mget(ids.map((id) => k.doc('session', id)));
    const tx = redis.multi();
    for (const [i, body] of bodies.entries()) {
      let status: unknown;
      try {
        status = body === null ? undefined : (JSON.parse(body) as { status?: unknown }).status;
      } catch {
        continue;
      }
      if (typeof status === 'string') tx.zadd(k.docStatus('session', status), entries[i * 2 + 1]!, ids[i]!);
    }
    if (tx.length > 0) await execAll(tx);
    await stillHeld();
  }
}

/**
 * Version 5, each employer's change feed: every entry of the event stream copied, in order and under
 * its own id, to the stream of its application's employer (`app-events:employer:<id>`), a chunk at a
 * time, each chunk in one MULTI with the position reached (`{p}schema:v5:events`), so a run cut short
 * never adds an entry twice. An event whose application is gone or unreadable is in no employer's feed.
 */
async function employerEventStreams(redis: Redis, p: string, stillHeld: () => Promise<void>): Promise<void> {
  const k = jobKeys(p);
  const progress = `${k.tag}schema:v5:events`;
  for (;;) {
    const reached = await redis.get(progress);
    const entries = await redis.xrange(k.events, reached === null ? '-' : `(${reached}`, '+', 'COUNT', CHUNK);
    if (entries.length === 0) break;
    const ids = entries.map(([, fields]) => fields[fields.indexOf('applicationId') + 1] ?? '');
    const bodies = await redis.mget(ids.map((id) => k.application(id)));
    const tx = redis.multi();
    for (const [i, [entry]] of entries.entries()) {
      const body = bodies[i];
      let employerId: unknown;
      try {
        employerId = body ? (JSON.parse(body) as { employerId?: unknown }).employerId : undefined;
      } catch {
        continue;
      }
      if (typeof employerId === 'string') tx.xadd(k.employerEvents(employerId), entry, 'applicationId', ids[i]!);
    }
    await execAll(tx.set(progress, entries.at(-1)![0]));
    await stillHeld();
  }
}

/** Every schema version of the Redis layout, oldest first; 0 is the layout before versions were kept. */
export const REDIS_MIGRATIONS: readonly RedisMigration[] = [
  { version: 1, name: 'application tallies per session, counted from the applications stored', up: countStoredApplications },
  { version: 2, name: 'every key of the job store under its hash tag; each application\'s own event list', up: tagKeys },
  { version: 3, name: 'questions and votes in their own structures (a vote adds a voter and a count), moved from the question documents', up: moveQuestionDocuments },
  { version: 4, name: 'sessions indexed by status (the live ones read without the others), from the sessions stored', up: indexSessionStatus },
  { version: 5, name: 'each employer\'s own stream of application events (its change feed reads no other employer\'s), copied from the event stream', up: employerEventStreams },
  { version: 6, name: 'follow-up tallies per session (status by priority group, status by vacancy), counted from the applications stored', up: countFollowUp },
];

/** The data under the prefix was written by a newer release: this one must not touch it. */
export class RedisSchemaTooNewError extends StartupError {
  constructor(prefix: string, found: number, known: number) {
    super(
      `the job store in Redis (prefix ${prefix}) has schema version ${found}, newer than this release knows (${known}): it was written by a newer Chunfeng Live; run that release (or newer) on it, or point REDIS_URL at a Redis made for this one`,
    );
    this.name = 'RedisSchemaTooNewError';
  }
}

async function readVersion(redis: Redis, prefix: string): Promise<number> {
  const stored = await redis.get(schemaVersionKey(prefix));
  if (stored === null) return 0;
  if (!/^\d{1,9}$/.test(stored)) throw new StoreError('corrupt', `${schemaVersionKey(prefix)} is not a schema version`);
  return Number(stored);
}

/**
 * Brings the data under the prefix to the newest version this release knows and records it in
 * `<prefix>schema:version`. One node migrates (it holds `<prefix>schema:migrating`, renewed as it
 * goes); others starting at the same time wait for the version to appear, or take over if the hold
 * lapses. Data newer than this release is refused (RedisSchemaTooNewError) and left untouched.
 * Callers that write applications wait for this: the tallies are exact only from the version on.
 */
export async function migrateRedis(redis: Redis, prefix: string, migrations: readonly RedisMigration[] = REDIS_MIGRATIONS): Promise<{ from: number; to: number }> {
  const latest = migrations.at(-1)?.version ?? 0;
  let from: number | undefined;
  for (;;) {
    const found = await readVersion(redis, prefix);
    from ??= found;
    if (found > latest) throw new RedisSchemaTooNewError(prefix, found, latest);
    if (found === latest) return { from, to: latest };
    const token = crypto.randomUUID();
    const hold = migratingKey(prefix);
    if ((await redis.set(hold, token, 'PX', HOLD_MS, 'NX')) !== 'OK') {
      await delay(WAIT_MS);
      continue;
    }
    const stillHeld = async (): Promise<void> => {
      if ((await redis.eval(RENEW, 1, hold, token, String(HOLD_MS))) !== 1) throw new StoreError('unreachable', 'another node took over the schema migration');
    };
    try {
      for (const step of migrations) {
        if (step.version <= found) continue;
        await step.up(redis, prefix, stillHeld);
        await stillHeld();
        await redis.set(schemaVersionKey(prefix), String(step.version));
      }
    } finally {
      await redis.eval(RELEASE, 1, hold, token).catch(() => undefined);
    }
  }
}
