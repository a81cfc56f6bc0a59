// Seeds a campaign for the statistics benchmark through each store's raw write path, as its own
// process: the embedded store's writes (SqliteWrites, what its writer thread runs: groups of 512 in
// one transaction) on a connection of its own; on Redis the store's own apply script, 64 in flight.
// Either way each application's session tallies are kept as the server keeps them.
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { Campaign, Employer, LiveSession, Vacancy } from '@chunfeng/shared/recruitment';
import type { ApplicationRecord } from '../../server/src/domain/applications';
import type { CatalogKind, CatalogKinds } from '../../server/src/store/jobStore';
import { openStoreDatabase } from '../../server/src/store/sqliteSchema';
import { SqliteWrites, type WriteOp } from '../../server/src/store/sqliteWrites';
import { APPLY_SCRIPT, applyScriptArgs, RedisJobStore } from '../../server/src/store/redisStore';
import { applicationRecord } from '../../tests/harness/records';
import { serveLoad } from '../lib/child';

export interface SeedShape {
  /** The campaign every seeded session belongs to. */
  campaignId: string;
  sessions: number;
  employers: number;
  vacancies: number;
  applications: number;
  /** Each session's own vacancies in its lineup (for a suite that applies through the server; the statistics suite seeds none). */
  lineups?: boolean;
}
export type SeedInput = ({ kind: 'sqlite'; dataDir: string } | { kind: 'redis'; url: string; prefix: string }) & SeedShape;
export interface SeedOutput {
  seededMs: number;
}

const at = '2027-03-01T08:00:00.000Z';
const groups = [null, 'rural-worker', 'employment-difficulty', 'disabled', 'graduate'] as const;
const sources = ['live', 'live', 'replay', 'list'] as const;
const statuses = ['new', 'new', 'new', 'contacted', 'interviewing', 'hired', 'not-suitable', 'withdrawn'] as const;

function catalog({ campaignId, sessions, employers, vacancies, lineups = false }: SeedShape): Array<{ [K in CatalogKind]: { kind: K; doc: CatalogKinds[K] } }[CatalogKind]> {
  const docs: Array<{ [K in CatalogKind]: { kind: K; doc: CatalogKinds[K] } }[CatalogKind]> = [];
  const campaign: Campaign = { id: campaignId as Campaign['id'], name: '春风行动', startsOn: '2027-03-01', endsOn: '2027-03-31', description: '', createdAt: at };
  docs.push({ kind: 'campaign', doc: campaign });
  for (let e = 0; e < employers; e += 1) {
    const employer: Employer = { id: `e${e}` as Employer['id'], name: `企业${e}`, industry: '制造业', district: '城关区', verified: true, createdAt: at };
    docs.push({ kind: 'employer', doc: employer });
  }
  for (let v = 0; v < vacancies; v += 1) {
    const vacancy: Vacancy = {
      id: `v${v}` as Vacancy['id'],
      employerId: `e${v % employers}` as Vacancy['employerId'],
      title: `岗位${v}`,
      headcount: 5,
      pay: { min: 4000, max: 6000, unit: 'month' },
      hours: '8:00-17:00',
      location: '工业园区',
      insurance: [],
      benefits: [],
      requirements: '',
      badges: [],
      targetGroups: [],
      accessibility: [],
      createdAt: at,
    };
    docs.push({ kind: 'vacancy', doc: vacancy });
  }
  for (let s = 0; s < sessions; s += 1) {
    // The vacancies application() puts in this session.
    const lineup = lineups ? Array.from({ length: 10 }, (_, k) => ({ kind: 'vacancy' as const, id: `v${(s * 10 + k) % vacancies}` as Vacancy['id'] })) : [];
    const session: LiveSession = { id: `s${s}`, campaignId: campaignId as LiveSession['campaignId'], title: `专场${s}`, scheduledAt: at, lineup, status: 'ended', createdAt: at };
    docs.push({ kind: 'session', doc: session });
  }
  return docs;
}

/** The i-th application: spread over every session, its vacancies (each session's own ten or so), groups, sources and statuses. */
function application(i: number, { sessions, employers, vacancies }: SeedShape): ApplicationRecord {
  const session = i % sessions;
  const vacancy = (session * 10 + ((i / sessions) | 0) % 10) % vacancies;
  return applicationRecord({
    phone: `1${String(3_000_000_000 + i)}`,
    sessionId: `s${session}`,
    vacancyId: `v${vacancy}` as ApplicationRecord['vacancyId'],
    employerId: `e${vacancy % employers}` as ApplicationRecord['employerId'],
    targetGroup: groups[i % groups.length]!,
    source: sources[i % sources.length]!,
    status: statuses[i % statuses.length]!,
    createdAt: at,
  });
}

const BATCH = 5_120;

function seedSqlite(dataDir: string, shape: SeedShape): void {
  const db = openStoreDatabase(dataDir);
  const writes = new SqliteWrites(db);
  const check = (outcomes: ReturnType<SqliteWrites['commitGroup']>): void => {
    const failed = outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) throw new Error(`a seed write failed: ${failed.error.message}`);
  };
  check(writes.commitGroup(catalog(shape).map((d): WriteOp => ({ op: 'put', kind: d.kind, doc: d.doc }))));
  for (let start = 0; start < shape.applications; start += BATCH) {
    const ops: WriteOp[] = [];
    for (let i = start; i < Math.min(shape.applications, start + BATCH); i += 1) ops.push({ op: 'apply', application: application(i, shape) });
    check(writes.commitGroup(ops));
  }
  db.close();
}

async function seedRedis(url: string, prefix: string, shape: SeedShape): Promise<void> {
  // The store stamps the schema version (and writes the catalog); the applications go in raw.
  const store = new RedisJobStore({ url, prefix });
  await store.opened();
  for (const d of catalog(shape)) await store.put(d.kind, d.doc);
  await store.close();
  const client = new Redis(url, { enableAutoPipelining: true });
  client.defineCommand('cfApply', { lua: APPLY_SCRIPT });
  const run = client as unknown as { cfApply(...args: string[]): Promise<unknown> };
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      for (let i = next++; i < shape.applications; i = next++) await run.cfApply(...applyScriptArgs(prefix, application(i, shape)));
    }),
  );
  await client.quit();
}

serveLoad<SeedInput, SeedOutput>(async (input) => {
  const started = performance.now();
  if (input.kind === 'sqlite') seedSqlite(input.dataDir, input);
  else await seedRedis(input.url, input.prefix, input);
  return { seededMs: performance.now() - started };
});
