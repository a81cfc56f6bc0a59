// Baseline load: the same durable writes as an application, straight to the store with no server.
// SQLite: better-sqlite3 with the store's pragmas (WAL, synchronous=FULL), one transaction per
// application (the select for a duplicate, the insert, its event), as the store did on the event
// loop; synchronous, so callers are served one at a time whatever the concurrency. Redis: ioredis
// running the store's own apply script, `concurrency` callers at a time. Runs as its own process.
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { hashKey } from '../../server/src/domain/applications';
import { openStoreDatabase } from '../../server/src/store/sqliteSchema';
import { APPLY_SCRIPT } from '../../server/src/store/redisStore';
import { serveLoad } from '../lib/child';

export type RawStoreInput = ({ kind: 'sqlite'; dataDir: string } | { kind: 'redis'; url: string; prefix: string }) & { concurrency: number; durationMs: number };
export interface RawStoreOutput {
  latencies: number[];
  elapsedMs: number;
}

function record(i: number) {
  const at = new Date().toISOString();
  const id = crypto.randomUUID();
  return {
    id,
    vacancyId: `v${i % 7}`,
    employerId: `e${i % 3}`,
    sessionId: 'demo',
    name: '王小明',
    phone: `139${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`,
    targetGroup: null,
    consent: { version: 'v1', at },
    source: 'live',
    keyHash: hashKey(crypto.randomUUID()),
    deviceId: null,
    status: 'new',
    history: [{ status: 'new', at, by: 'applicant', note: '' }],
    createdAt: at,
  };
}

function sqlite(dataDir: string, durationMs: number): RawStoreOutput {
  openStoreDatabase(dataDir).close();
  const db = new Database(`${dataDir}/jobs.sqlite3`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const existing = db.prepare('SELECT body FROM applications WHERE key_hash = ? OR (vacancy_id = ? AND phone = ? AND withdrawn = 0) LIMIT 1');
  const insert = db.prepare('INSERT INTO applications (id, key_hash, vacancy_id, phone, employer_id, session_id, withdrawn, body) VALUES (?, ?, ?, ?, ?, ?, 0, ?)');
  const event = db.prepare('INSERT INTO application_events (application_id, body) VALUES (?, ?)');
  const apply = db.transaction((a: ReturnType<typeof record>) => {
    if (existing.get(a.keyHash, a.vacancyId, a.phone)) return;
    insert.run(a.id, a.keyHash, a.vacancyId, a.phone, a.employerId, a.sessionId, JSON.stringify(a));
    event.run(a.id, JSON.stringify({ applicationId: a.id, type: 'created', at: a.createdAt, status: a.status }));
  });
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; performance.now() - started < durationMs; i += 1) {
    const a = record(i);
    const sent = performance.now();
    apply.immediate(a);
    latencies.push(performance.now() - sent);
  }
  const elapsedMs = performance.now() - started;
  db.close();
  return { latencies, elapsedMs };
}

async function redis(url: string, prefix: string, concurrency: number, durationMs: number): Promise<RawStoreOutput> {
  const client = new Redis(url);
  client.defineCommand('cfApply', { numberOfKeys: 0, lua: APPLY_SCRIPT });
  const run = client as unknown as { cfApply(...args: string[]): Promise<unknown> };
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; performance.now() - started < durationMs; i += concurrency) {
        const a = record(i);
        const event = { applicationId: a.id, type: 'created', at: a.createdAt, status: a.status };
        const sent = performance.now();
        await run.cfApply(prefix, a.id, a.keyHash, a.vacancyId, a.phone, a.employerId, a.sessionId, JSON.stringify(a), JSON.stringify(event));
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  await client.quit();
  return { latencies, elapsedMs };
}

serveLoad<RawStoreInput, RawStoreOutput>((input) =>
  input.kind === 'sqlite' ? Promise.resolve(sqlite(input.dataDir, input.durationMs)) : redis(input.url, input.prefix, input.concurrency, input.durationMs),
);
