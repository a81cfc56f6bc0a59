import crypto from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { upgradeRecord, type ApplicationRecord } from '../domain/applications';
import { countCells } from '../domain/statistics';
import { StartupError } from '../startupError';
import { countField } from './applicationCounts';
import { ApplicationRecordSchema, QuestionDocumentRecord, readRecord } from './recordSchemas';
import { writeMovedQuestion } from './redisQuestions';
import { StoreError } from './storeError';

/** The key holding the schema version of the data under a prefix (absent: 0, written before versions). */
export const schemaVersionKey = (prefix: string): string => `${prefix}schema:version`;
/** Held by the node migrating, so nodes starting together migrate once. */
const migratingKey = (prefix: string): string => `${prefix}schema:migrating`;
/** A session's application tallies: one hash, a field per cell (`countField`). */
export const countsKey = (prefix: string, sessionId: string): string => `${prefix}counts:session:${sessionId}`;

/** Applications read per round trip while counting (a bounded ZRANGE and an MGET each). */
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
 * that cannot be read is not counted (reading it reports it corrupt).
 */
async function countStoredApplications(redis: Redis, p: string, stillHeld: () => Promise<void>): Promise<void> {
  const tallies = new Map<string, Map<string, number>>();
  for (let start = 0; ; start += CHUNK) {
    const ids = await redis.zrange(`${p}apps:all`, start, start + CHUNK - 1);
    if (ids.length === 0) break;
    const bodies = await redis.mget(ids.map((id) => `${p}app:${id}`));
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
      for (const cell of countCells(record)) fields.set(countField(cell), (fields.get(countField(cell)) ?? 0) + 1);
    }
    await stillHeld();
  }
  const sessions = [...tallies];
  for (let i = 0; i < sessions.length; i += CHUNK) {
    await Promise.all(
      sessions.slice(i, i + CHUNK).map(([sessionId, fields]) => {
        const key = countsKey(p, sessionId);
        return redis.multi().del(key).hset(key, Object.fromEntries(fields)).exec();
      }),
    );
    await stillHeld();
  }
}

/**
 * Moves the question documents of the releases before (`doc:question:<id>`, listed in `docs:question`
 * and `docs:question:idx:<vacancy>`, voters inside) into the question structures (see
 * redisQuestions.ts), a chunk at a time by their position in `docs:question`. Each question is moved
 * in one MULTI that writes the new keys and drops the document and its index entries, so a run cut
 * short and run again moves the rest. A document that cannot be read is left where it is.
 */
async function moveQuestionDocuments(redis: Redis, p: string, stillHeld: () => Promise<void>): Promise<void> {
  const order = `${p}docs:question`;
  let after = '-inf';
  for (;;) {
    const entries = await redis.zrange(order, after, '+inf', 'BYSCORE', 'LIMIT', 0, CHUNK, 'WITHSCORES');
    if (entries.length === 0) break;
    const ids = entries.filter((_, i) => i % 2 === 0);
    after = `(${entries.at(-1)!}`;
    const bodies = await redis.mget(ids.map((id) => `${p}doc:question:${id}`));
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
      writeMovedQuestion(tx, p, { ...doc, votes: 0 });
      tx.del(`${p}doc:question:${id}`).zrem(order, id);
      if (doc.vacancyId !== null) tx.zrem(`${p}docs:question:idx:${doc.vacancyId}`, id);
      // As JavaScript's String() named a missing vacancy in the old index.
      else tx.zrem(`${p}docs:question:idx:null`, id);
    }
    await tx.exec();
    await stillHeld();
  }
}

/** Every schema version of the Redis layout, oldest first; 0 is the layout before versions were kept. */
export const REDIS_MIGRATIONS: readonly RedisMigration[] = [
  { version: 1, name: 'application tallies per session, counted from the applications stored', up: countStoredApplications },
  { version: 3, name: 'questions and votes in their own structures (a vote adds a voter and a count), moved from the question documents', up: moveQuestionDocuments },
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
