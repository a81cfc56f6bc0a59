import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import type { PublicSessionPage } from '@chunfeng/shared/catalogPages';
import type { Campaign, LiveSession } from '@chunfeng/shared/recruitment';
import { DomainError } from '../../server/src/domain/errors';
import type { JobStore } from '../../server/src/store/jobStore';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';
import { publicSessionPage } from '../../server/src/transport/publicSessionList';

const stores: Array<{ name: string; open: () => { store: JobStore; cleanup: () => void } }> = [
  {
    name: 'embedded (SQLite)',
    open: () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-landing-'));
      return { store: new SqliteJobStore({ dataDir }), cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  { name: 'Redis', open: () => ({ store: new RedisJobStore({ url: inject('redisUrl'), prefix: `t${crypto.randomUUID().slice(0, 8)}:` }), cleanup: () => undefined }) },
];

const campaign = (id: string, name: string, startsOn: string, endsOn: string): Campaign => ({ id: id as Campaign['id'], name, startsOn, endsOn, description: '', createdAt: new Date().toISOString() });
const session = (id: string, status: LiveSession['status'], campaignId = 'spring'): LiveSession => ({
  id,
  campaignId: campaignId as LiveSession['campaignId'],
  title: `专场 ${id}`,
  scheduledAt: '2027-02-01T10:00:00+08:00',
  lineup: [],
  status,
  createdAt: new Date().toISOString(),
});

describe.each(stores)("the landing page's sessions a page at a time: $name", ({ open }) => {
  const { store, cleanup } = open();
  const asked: string[] = [];
  // Replays for the even-numbered ended sessions; every ask is recorded.
  const hasReplay = (id: string) => (asked.push(id), Promise.resolve(Number(id.slice(1)) % 2 === 0));
  const page = (cursor: string | undefined, limit: number) => publicSessionPage(store, { cursor, limit, today: '2027-02-01', hasReplay });
  afterAll(async () => {
    await store.close();
    cleanup();
  });

  test('live and upcoming first, then ended ones, most recent first, each once; the current campaign with the first page only', async () => {
    await store.put('campaign', campaign('spring', '春风行动', '2027-01-15', '2027-03-31'));
    await store.put('campaign', campaign('old', '去年的', '2026-01-01', '2026-03-31'));
    // Created in this order: e0 … ended, s… scheduled, l0 live, interleaved.
    const made: Array<[string, LiveSession['status']]> = [['e0', 'ended'], ['s0', 'scheduled'], ['e1', 'ended'], ['e2', 'ended'], ['l0', 'live'], ['s1', 'scheduled'], ['e3', 'ended'], ['e4', 'ended'], ['s2', 'scheduled']];
    for (const [id, status] of made) await store.put('session', session(id, status, id === 'e0' ? 'old' : 'spring'));
    const pages: PublicSessionPage[] = [];
    let cursor: string | undefined;
    do {
      const p = await page(cursor, 3);
      pages.push(p);
      cursor = p.next ?? undefined;
    } while (cursor !== undefined);
    expect(pages.map((p) => p.sessions.map((s) => s.id))).toEqual([
      ['s2', 's1', 'l0'],
      ['s0', 'e4', 'e3'],
      ['e2', 'e1', 'e0'],
    ]);
    expect(pages[0]!.current).toMatchObject({ id: 'spring', name: '春风行动' });
    expect(pages.slice(1).every((p) => !('current' in p))).toBe(true);
    const all = pages.flatMap((p) => p.sessions);
    expect(all.find((s) => s.id === 'e0')).toMatchObject({ campaign: '去年的', replay: true, status: 'ended' });
    expect(all.find((s) => s.id === 'e3')).toMatchObject({ campaign: '春风行动', replay: false });
    // Only ended sessions are asked about a replay.
    expect(asked.sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
  });

  test('a page that ends exactly where the live and upcoming ones end goes on with the ended ones from the most recent; one ended later does not shift the pages after', async () => {
    const first = await page(undefined, 4);
    expect(first.sessions.map((s) => s.id)).toEqual(['s2', 's1', 'l0', 's0']);
    // The ended ones have not been read yet: this one is the first of them.
    await store.put('session', session('e5', 'ended'));
    const second = await page(first.next!, 4);
    expect(second.sessions.map((s) => s.id)).toEqual(['e5', 'e4', 'e3', 'e2']);
    await store.put('session', session('e6', 'ended'));
    const third = await page(second.next!, 4);
    expect(third.sessions.map((s) => s.id)).toEqual(['e1', 'e0']);
    expect(third.next).toBeNull();
    expect((await page(undefined, 50)).sessions.map((s) => s.id)).toEqual(['s2', 's1', 'l0', 's0', 'e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e0']);
  });

  test('a cursor not given for this list is a typed VALIDATION error', async () => {
    const foreign = Buffer.from(JSON.stringify({ list: 'session', after: 3 })).toString('base64url');
    for (const cursor of ['nonsense', foreign]) await expect(page(cursor, 3)).rejects.toSatisfy((e) => e instanceof DomainError && e.code === 'VALIDATION');
  });
});
