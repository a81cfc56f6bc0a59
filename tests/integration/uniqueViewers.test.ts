import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { CampaignReport } from '@chunfeng/shared/campaignReport';
import type { CampaignStatistics, SessionStatistics } from '@chunfeng/shared/statistics';
import { bureauClient } from '../harness/api';
import { startTestServer, testStore, type TestServer } from '../harness/server';
import { StageDriver } from '../harness/stage';

/**
 * Unique viewers (独立观众): a viewer joining a live stage is counted by their device-token family,
 * once per session and once across a campaign's sessions, and the statistics and the report say so.
 */
describe('unique viewers in the statistics and the campaign report', () => {
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    server = await startTestServer({ STAGE_GRACE_MS: '500' });
    driver = new StageDriver(server);
  });
  afterEach(() => driver.closeAll());
  afterAll(() => server.stop());

  test('each browser once per session and once per campaign; a reconnect is the same viewer; a socket without a device token is not counted', async () => {
    await driver.join('uv-a', 'host');
    const first = (await server.store.get('session', 'uv-a'))!;
    const campaignId = first.campaignId;
    // uv-b on the same day as uv-a, uv-c two days later: the report's trend has a row for each day.
    const later = new Date(Date.parse(first.scheduledAt) + 2 * 86_400_000).toISOString();
    await server.service.createSession({ campaignId, title: 'session uv-b', scheduledAt: first.scheduledAt, lineup: [] }, 'uv-b');
    await server.service.createSession({ campaignId, title: 'session uv-c', scheduledAt: later, lineup: [] }, 'uv-c');
    await driver.join('uv-b', 'host');
    await driver.join('uv-c', 'host');

    const [one, two] = [await driver.device(), await driver.device()];
    await driver.audience('uv-a', { device: one });
    // The same phone again on a new connection (a reload), and a second phone.
    await driver.audience('uv-a', { device: one });
    await driver.audience('uv-a', { device: two });
    // Without a device token: watching, but nobody to count.
    await driver.audience('uv-a');
    // The first phone watches the campaign's other session that day too, the second the one two days later.
    await driver.audience('uv-b', { device: one });
    await driver.audience('uv-c', { device: two });

    const bureau = await bureauClient(server.url);
    const session = async (id: string) => (await bureau.get<SessionStatistics>(`/statistics/sessions/${id}`)).body;
    // Counted beside the join, not before its answer: the figures arrive a moment after.
    await expect.poll(async () => (await session('uv-b')).uniqueViewers.count).toBe(1);
    await expect.poll(async () => (await session('uv-c')).uniqueViewers.count).toBe(1);
    await expect.poll(async () => (await session('uv-a')).uniqueViewers.count).toBe(2);
    const a = await session('uv-a');
    expect(a.uniqueViewers).toEqual({ count: 2, approximate: testStore === 'redis' });
    expect(a.session.uniqueViewers).toBe(2);

    const campaign = (await bureau.get<CampaignStatistics>(`/statistics/campaigns/${campaignId}`)).body;
    expect(campaign.uniqueViewers).toEqual({ count: 2, approximate: testStore === 'redis' });
    expect(campaign.sessions.map((s) => [s.id, s.uniqueViewers]).sort()).toEqual([
      ['uv-a', 2],
      ['uv-b', 1],
      ['uv-c', 1],
    ]);

    const report = (await bureau.get<CampaignReport>(`/campaigns/${campaignId}/report`)).body;
    expect(report.totals).toMatchObject({ uniqueViewers: 2, uniqueViewersApproximate: testStore === 'redis' });
    expect(report.sessions.map((s) => [s.id, s.uniqueViewers]).sort()).toEqual([
      ['uv-a', 2],
      ['uv-b', 1],
      ['uv-c', 1],
    ]);
    // Per day: the first day's two sessions together had two viewers (the first phone watched both:
    // once, not 2 + 1), the later day one; the days add up to more than the campaign's two, as the
    // second phone watched on both days.
    const dayOf = (id: string): string => report.sessions.find((s) => s.id === id)!.day;
    expect(report.trend.map((d) => [d.day, d.sessions, d.uniqueViewers])).toEqual([
      [dayOf('uv-a'), 2, 2],
      [dayOf('uv-c'), 1, 1],
    ]);
    expect(dayOf('uv-b')).toBe(dayOf('uv-a'));
  });

  test('a store slow to count a viewer does not hold up the join, and one that fails does not refuse it', async () => {
    await driver.join('uv-slow', 'host');
    const store = server.store;
    const original = store.countViewer.bind(store);
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let asked = 0;
    store.countViewer = async (sessionId, viewer) => {
      asked += 1;
      await held;
      return original(sessionId, viewer);
    };
    try {
      // The store has not answered (and will not until released): the viewer is in all the same.
      let timer: NodeJS.Timeout | undefined;
      const joined = await Promise.race([driver.audience('uv-slow', { device: await driver.device() }), new Promise<'held'>((resolve) => (timer = setTimeout(() => resolve('held'), 10_000)))]);
      clearTimeout(timer);
      expect(joined).not.toBe('held');
      expect(asked).toBe(1);
      release();
      const bureau = await bureauClient(server.url);
      await expect.poll(async () => (await bureau.get<SessionStatistics>('/statistics/sessions/uv-slow')).body.uniqueViewers.count).toBe(1);

      // A store that refuses the count: logged, the join answered.
      store.countViewer = () => Promise.reject(new Error('the store is down'));
      const refused = await driver.audience('uv-slow', { device: await driver.device() });
      expect(refused.peerId).toBeTruthy();
    } finally {
      release();
      store.countViewer = original;
    }
  });
});
