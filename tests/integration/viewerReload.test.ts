import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { PeerId, SessionId } from '@chunfeng/shared/ids';
import type { LiveStage } from '../../server/src/media/liveStage';
import { bureauClient } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';
import { StageDriver } from '../harness/stage';
import { waitFor } from '../harness/waitFor';

/**
 * A phone that reloads the viewer page comes back on a new connection without its resume key: a new
 * place. The place its dropped connection held is kept for the grace period (a network blip comes
 * back to it), so until now the audience counted that phone twice for as long — in the studio's
 * count and in the sampled peak of the statistics and the campaign report, which then said more
 * people watched at once than watched at all.
 */
describe('a viewer reloading the page is one viewer, not two for the grace period', () => {
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    // A grace period far longer than the test: what is let go is let go by the rejoin, not by its end.
    server = await startTestServer({ STAGE_GRACE_MS: '120000', STATS_SAMPLE_MS: '100' });
    driver = new StageDriver(server);
  });
  afterEach(() => driver.closeAll());
  afterAll(() => server.stop());

  const stageOf = async (sessionId: string): Promise<LiveStage> => {
    const stage = await server.directory.get(sessionId as SessionId);
    if (!stage) throw new Error(`no stage for ${sessionId}`);
    return stage;
  };
  const dropped = (stage: LiveStage, peerId: string) => waitFor(`${peerId} away`, () => stage.roster.has(peerId as PeerId) && stage.roster.get(peerId as PeerId).away);

  test('the same phone on a new connection lets its dropped place go at once; another phone\'s dropped place is still kept for it', async () => {
    await driver.join('reload', 'host');
    const stage = await stageOf('reload');
    const [phone, other] = [await driver.device(), await driver.device()];

    const first = await driver.audience('reload', { device: phone });
    const neighbour = await driver.audience('reload', { device: other });
    expect(stage.roster.viewerCount).toBe(2);

    // The page reloads: its socket goes, and a new one joins with the same device token and no resume key.
    first.socket.close();
    await dropped(stage, first.peerId);
    const again = await driver.audience('reload', { device: phone });
    expect(again.joined.resumed).toBe(false);
    expect(stage.roster.has(first.peerId as PeerId)).toBe(false);
    expect(stage.roster.viewerCount).toBe(2);

    // A network blip of the other phone: its place is held for it (it may come back with its key).
    neighbour.socket.close();
    await dropped(stage, neighbour.peerId);
    expect(stage.roster.viewerCount).toBe(2);

    // Reloaded three times more: still the same two people, at any sample of the statistics.
    let current = again;
    for (let i = 0; i < 3; i += 1) {
      current.socket.close();
      await dropped(stage, current.peerId);
      current = await driver.audience('reload', { device: phone });
      expect(stage.roster.viewerCount).toBe(2);
    }
    current.socket.close();
    await dropped(stage, current.peerId);
    const last = await driver.audience('reload', { device: phone });
    expect(last.joined.resumed).toBe(false);
    expect(stage.roster.viewerCount).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const bureau = await bureauClient(server.url);
    const stats = (await bureau.get<{ session: { peakViewers: number; uniqueViewers: number } }>('/statistics/sessions/reload')).body.session;
    expect(stats.uniqueViewers).toBe(2);
    expect(stats.peakViewers).toBeLessThanOrEqual(stats.uniqueViewers);
  });

  test('a viewer without a device token is a connection: its dropped place is kept, a new connection is another viewer', async () => {
    await driver.join('reload-bare', 'host');
    const stage = await stageOf('reload-bare');
    const first = await driver.audience('reload-bare');
    first.socket.close();
    await dropped(stage, first.peerId);
    await driver.audience('reload-bare');
    expect(stage.roster.viewerCount).toBe(2);
  });
});
