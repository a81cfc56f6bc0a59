// Reads a seeded campaign's statistics through the Statistics service on one store, as its own
// process: the first answer (cold caches), then `repeats` more; and, as the baseline, the figures
// the way they were computed before the store kept tallies (every application of every session read
// and tallied in JavaScript), once. The two must agree. The recount reads RECOUNT_LANES sessions at a
// time: the code it stands for asked for every session at once, which at a thousand sessions of a
// thousand applications each outlasts the Redis command timeout (5 s) and fails.
import { isDeepStrictEqual } from 'node:util';
import { performance } from 'node:perf_hooks';
import { breakdown } from '../../server/src/domain/statistics';
import { Statistics } from '../../server/src/services/statistics';
import type { JobStore } from '../../server/src/store/jobStore';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';
import { serveLoad } from '../lib/child';

export type StatisticsReadInput = ({ kind: 'sqlite'; dataDir: string } | { kind: 'redis'; url: string; prefix: string }) & { campaignId: string; repeats: number };
export interface StatisticsReadOutput {
  firstMs: number;
  /** Each repeat's time. */
  repeatMs: number[];
  /** The same figures recounted from every application. */
  recountMs: number;
  applications: number;
  sessions: number;
  agree: boolean;
}

const RECOUNT_LANES = 8;

async function recount(store: JobStore, campaignId: string): Promise<ReturnType<typeof breakdown>> {
  const [sessions, vacancies, employers] = await Promise.all([store.list('session', { value: campaignId }), store.list('vacancy'), store.list('employer')]);
  const employerName = new Map(employers.map((e) => [e.id as string, e.name]));
  const byId = new Map(vacancies.map((v) => [v.id as string, { title: v.title, employer: employerName.get(v.employerId) ?? '' }]));
  const all: Awaited<ReturnType<JobStore['listApplications']>> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: RECOUNT_LANES }, async () => {
      for (let i = next++; i < sessions.length; i = next++) all.push(...(await store.listApplications({ sessionId: sessions[i]!.id })));
    }),
  );
  return breakdown(all, (id) => byId.get(id) ?? { title: id, employer: '' });
}

serveLoad<StatisticsReadInput, StatisticsReadOutput>(async (input) => {
  // Reads run on this thread and the writer thread is unreferenced: this keeps the process up until the answer is sent.
  const alive = setInterval(() => undefined, 1000);
  const store: JobStore = input.kind === 'sqlite' ? new SqliteJobStore({ dataDir: input.dataDir }) : new RedisJobStore({ url: input.url, prefix: input.prefix });
  if (store instanceof RedisJobStore) await store.opened();
  const statistics = new Statistics({ store });
  const time = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const value = await run();
    return [value, performance.now() - started];
  };
  try {
    const [answer, firstMs] = await time(() => statistics.campaign(input.campaignId));
    const repeatMs: number[] = [];
    for (let i = 0; i < input.repeats; i += 1) repeatMs.push((await time(() => statistics.campaign(input.campaignId)))[1]);
    const [recounted, recountMs] = await time(() => recount(store, input.campaignId));
    return { firstMs, repeatMs, recountMs, applications: answer.applications.total, sessions: answer.sessions.length, agree: isDeepStrictEqual(answer.applications, recounted) };
  } finally {
    await store.close();
    clearInterval(alive);
  }
});
