import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { MemoryFunnelCounter, RedisFunnelCounter, type FunnelCounter } from '../../server/src/services/funnelCounter';
import { SessionFunnels } from '../../server/src/services/funnels';

const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
beforeAll(() => redis.ping());
afterAll(() => redis.quit());

/** Two nodes' funnels on one counter (in Redis: each its own object, as on two processes). */
function nodes(kind: 'memory' | 'redis', prefix: string): [SessionFunnels, SessionFunnels, FunnelCounter] {
  const memory = new MemoryFunnelCounter();
  const counter = (): FunnelCounter => (kind === 'memory' ? memory : new RedisFunnelCounter({ redis, prefix }));
  const vacanciesOf = (): Promise<ReadonlySet<string>> => Promise.resolve(new Set(['A', 'B']));
  const a = counter();
  return [new SessionFunnels({ vacanciesOf, counter: a }), new SessionFunnels({ vacanciesOf, counter: counter() }), a];
}

describe.each(['memory', 'redis'] as const)('funnel counts (%s)', (kind) => {
  test('a card counts once per viewer and step, whichever node the viewer counts through; applications count each', async () => {
    const [a, b] = nodes(kind, `t${crypto.randomUUID().slice(0, 8)}:`);
    await a.open('s');
    await a.countCard('s', 'v1', 'A', 'shown');
    await b.countCard('s', 'v1', 'A', 'shown');
    await b.countCard('s', 'v2', 'A', 'shown');
    await a.countCard('s', 'v1', 'A', 'opened');
    await b.countApplied('s', 'A');
    await a.countApplied('s', 'A');
    await expect(b.countCard('s', 'v1', 'made-up', 'shown')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const node of [a, b]) {
      const [funnel] = await node.all('s');
      expect(funnel).toMatchObject({ vacancyId: 'A', shown: 2, opened: 1, applied: 2 });
      // Per minute (a minute may turn during the test): the same counts in all.
      const sum = (step: 'shown' | 'opened' | 'applied'): number => funnel!.perMinute.reduce((n, m) => n + m[step], 0);
      expect([sum('shown'), sum('opened'), sum('applied')]).toEqual([2, 1, 2]);
      expect(funnel!.perMinute.at(-1)!.minute).toBe(new Date().toISOString().slice(0, 16));
    }
  });

  test('nothing counts before the funnel is opened or after it is released; a release forgets every count', async () => {
    const [a, b] = nodes(kind, `t${crypto.randomUUID().slice(0, 8)}:`);
    await expect(b.countCard('s', 'v1', 'A', 'shown')).rejects.toMatchObject({ code: 'SESSION_NOT_LIVE' });
    await b.countApplied('s', 'A');
    expect(await a.all('s')).toEqual([]);
    await a.open('s');
    await b.countCard('s', 'v1', 'B', 'shown');
    // Opened again (a host reconnecting to a stage on another node): the counts stay.
    await b.open('s');
    expect(await a.all('s')).toEqual([expect.objectContaining({ vacancyId: 'B', shown: 1 })]);
    await a.release('s');
    expect(await b.all('s')).toEqual([]);
    await expect(b.countCard('s', 'v1', 'B', 'shown')).rejects.toMatchObject({ code: 'SESSION_NOT_LIVE' });
    await a.open('s');
    await b.countCard('s', 'v1', 'B', 'shown');
    expect(await a.all('s')).toEqual([expect.objectContaining({ vacancyId: 'B', shown: 1 })]);
  });

  test('only the node holding the stage pushes to the host: another node that counts tells it which vacancies changed, and it pushes their counts read whole', async () => {
    const [a, b] = nodes(kind, `t${crypto.randomUUID().slice(0, 8)}:`);
    const pushed: Array<{ node: string; shown: number }> = [];
    a.on('updated', ({ funnel }) => pushed.push(...funnel.map((f) => ({ node: 'a', shown: f.shown }))));
    b.on('updated', ({ funnel }) => pushed.push(...funnel.map((f) => ({ node: 'b', shown: f.shown }))));
    // The bus between them, as transport/funnelRelay.ts carries it.
    const told: Array<{ sessionId: string; vacancyIds: string[] }> = [];
    b.on('countedHere', (counted) => {
      told.push(counted);
      a.countedElsewhere(counted.sessionId, counted.vacancyIds);
    });
    await a.open('s');
    await a.countCard('s', 'v1', 'A', 'shown');
    await new Promise((r) => setTimeout(r, 1100));
    await b.countCard('s', 'v2', 'A', 'shown');
    await b.countCard('s', 'v3', 'A', 'shown');
    // b tells at once, then what it counted in the second merged a second later.
    await new Promise((r) => setTimeout(r, 1100));
    expect(told).toEqual([{ sessionId: 's', vacancyIds: ['A'] }, { sessionId: 's', vacancyIds: ['A'] }]);
    expect(pushed).toEqual([{ node: 'a', shown: 1 }, { node: 'a', shown: 2 }, { node: 'a', shown: 3 }]);
  });
});

describe('funnel counts in Redis', () => {
  test('per minute, only the last hour is kept', async () => {
    let at = new Date('2026-03-01T09:00:30Z');
    const funnels = new SessionFunnels({ now: () => at, vacanciesOf: () => Promise.resolve(new Set(['A'])), counter: new RedisFunnelCounter({ redis, prefix: `t${crypto.randomUUID().slice(0, 8)}:` }) });
    await funnels.open('s');
    await funnels.countApplied('s', 'A');
    at = new Date('2026-03-01T09:59:10Z');
    await funnels.countApplied('s', 'A');
    expect((await funnels.all('s'))[0]!.perMinute.map((m) => m.minute)).toEqual(['2026-03-01T09:00', '2026-03-01T09:59']);
    at = new Date('2026-03-01T10:00:05Z');
    await funnels.countApplied('s', 'A');
    const [funnel] = await funnels.all('s');
    expect(funnel!.perMinute.map((m) => [m.minute, m.applied])).toEqual([['2026-03-01T09:59', 1], ['2026-03-01T10:00', 1]]);
    expect(funnel!.applied).toBe(3);
  });

  test('live under the store prefix and expire a day after the last count, so a session whose owner died is not kept for ever', async () => {
    const prefix = `t${crypto.randomUUID().slice(0, 8)}:`;
    const [a] = nodes('redis', prefix);
    await a.open('s');
    await a.countCard('s', 'v1', 'A', 'shown');
    const keys = (await redis.keys(`${prefix}*`)).sort();
    expect(keys).toEqual([`${prefix}cluster:funnel:s:m:A`, `${prefix}cluster:funnel:s:open`, `${prefix}cluster:funnel:s:seen:A:shown`, `${prefix}cluster:funnel:s:totals`, `${prefix}cluster:funnel:s:vacancies`]);
    for (const key of keys) expect(await redis.ttl(key)).toBeGreaterThan(86_000);
    await a.release('s');
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });
});
