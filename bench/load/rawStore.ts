// Baseline load: the same durable writes as an application, straight to the store with no server.
// SQLite: `concurrency` callers at a time through the embedded store's own writer thread (WAL,
// synchronous=FULL, group commit: writes arriving together share one transaction and one fsync),
// each answered once its group is on disk, exactly as the server's apply path writes them; and, for
// reference, the same writes one transaction per application on one connection (as the store wrote
// before the writer thread), callers served one at a time. Redis: ioredis running the store's own
// apply script, `concurrency` callers at a time. Runs as its own process.
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { ApplicationRecord } from '../../server/src/domain/applications';
import { applicationRecord } from '../../tests/harness/records';
import { openStoreDatabase } from '../../server/src/store/sqliteSchema';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';
import { APPLY_SCRIPT, applyScriptArgs } from '../../server/src/store/redisStore';
import { serveLoad } from '../lib/child';

export type RawStoreInput = ({ kind: 'sqlite'; dataDir: string } | { kind: 'sqlite-serial'; dataDir: string } | { kind: 'redis'; url: string; prefix: string }) & { concurrency: number; durationMs: number };
export interface RawStoreOutput {
  latencies: number[];
  elapsedMs: number;
}

/** The i-th application: seven vacancies of three employers, a new phone and key each time. */
const record = (i: number): ApplicationRecord =>
  applicationRecord({ vacancyId: `v${i % 7}` as ApplicationRecord['vacancyId'], employerId: `e${i % 3}` as ApplicationRecord['employerId'], sessionId: 'demo', name: '王小明' });

function sqliteSerial(dataDir: string, durationMs: number): RawStoreOutput {
  openStoreDatabase(dataDir).close();
  const db = new Database(`${dataDir}/jobs.sqlite3`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const existing = db.prepare('SELECT body FROM applications WHERE key_hash = ? OR (vacancy_id = ? AND phone = ? AND withdrawn = 0) LIMIT 1');
  const insert = db.prepare('INSERT INTO applications (id, key_hash, vacancy_id, phone, employer_id, session_id, withdrawn, status, created_at, body) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)');
  const event = db.prepare('INSERT INTO application_events (application_id, employer_id, body) VALUES (?, ?, ?)');
  const apply = db.transaction((a: ReturnType<typeof record>) => {
    if (existing.get(a.keyHash, a.vacancyId, a.phone)) return;
    insert.run(a.id, a.keyHash, a.vacancyId, a.phone, a.employerId, a.sessionId, a.status, a.createdAt, JSON.stringify(a));
    event.run(a.id, a.employerId, JSON.stringify({ applicationId: a.id, type: 'created', at: a.createdAt, status: a.status }));
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
  client.defineCommand('cfApply', { lua: APPLY_SCRIPT });
  const run = client as unknown as { cfApply(...args: string[]): Promise<unknown> };
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; performance.now() - started < durationMs; i += concurrency) {
        const args = applyScriptArgs(prefix, record(i));
        const sent = performance.now();
        await run.cfApply(...args);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  await client.quit();
  return { latencies, elapsedMs };
}

async function sqlite(dataDir: string, concurrency: number, durationMs: number): Promise<RawStoreOutput> {
  const store = new SqliteJobStore({ dataDir });
  // The writer thread is unreferenced between groups: this keeps the process up until the answer is sent.
  const alive = setInterval(() => undefined, 1000);
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; performance.now() - started < durationMs; i += concurrency) {
        const a = record(i);
        const sent = performance.now();
        await store.apply(a);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  await store.close();
  clearInterval(alive);
  return { latencies, elapsedMs };
}

serveLoad<RawStoreInput, RawStoreOutput>((input) => {
  if (input.kind === 'sqlite') return sqlite(input.dataDir, input.concurrency, input.durationMs);
  if (input.kind === 'sqlite-serial') return Promise.resolve(sqliteSerial(input.dataDir, input.durationMs));
  return redis(input.url, input.prefix, input.concurrency, input.durationMs);
});
