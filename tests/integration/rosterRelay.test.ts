import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { RosterView } from '@chunfeng/shared/stage';
import { VIEWER_COUNT_INTERVAL_MS } from '../../server/src/transport/rosterRelay';
import { startTestServer, type TestServer } from '../harness/server';
import { requestOk, type TestSocket } from '../harness/socketClient';
import { StageDriver } from '../harness/stage';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every roster a socket receives from now on, with when it arrived. */
function rosters(socket: TestSocket): Array<{ at: number; view: RosterView }> {
  const got: Array<{ at: number; view: RosterView }> = [];
  (socket as unknown as { on(e: string, l: (v: RosterView) => void): void }).on('stage:roster', (view) => got.push({ at: Date.now(), view }));
  return got;
}

/** Integration: the audience hears who is on stage promptly and the viewer count merged, less often. */
describe('roster updates to a large audience', () => {
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    server = await startTestServer();
    driver = new StageDriver(server);
  });
  afterEach(() => driver.closeAll());
  afterAll(() => server.stop());

  test('viewers arriving for three seconds reach the audience as at most one viewer-count update, and the latest count is sent once the interval is over', async () => {
    await driver.join('roster-count', 'host');
    const first = await driver.audience('roster-count');
    await sleep(1500);
    const got = rosters(first.socket);
    const started = Date.now();
    for (let wave = 0; wave < 3; wave += 1) {
      await Promise.all(Array.from({ length: 5 }, () => driver.audience('roster-count')));
      await sleep(1000);
    }
    // Within the arrivals a second-by-second roster would have been three or four messages.
    expect(got.filter((r) => r.at - started < 3000).length).toBeLessThanOrEqual(1);
    // Nothing is left unsent: the latest count arrives within the interval (generous for a busy machine).
    const deadline = Date.now() + VIEWER_COUNT_INTERVAL_MS + 5000;
    while (got.at(-1)?.view.viewerCount !== 16 && Date.now() < deadline) await sleep(100);
    expect(got.at(-1)?.view.viewerCount).toBe(16);
  });

  test('a change of who is on stage reaches the audience at once, even while a viewer-count update is waiting', async () => {
    const host = await driver.join('roster-stage', 'host');
    const watcher = await driver.audience('roster-stage');
    const guest = await driver.audience('roster-stage', { device: await driver.device() });
    await requestOk(guest.socket, 'hand:raise', { raised: true });
    await sleep(1500);
    const got = rosters(watcher.socket);
    // A viewer arrives: only the count moved, so its update waits...
    await driver.audience('roster-stage');
    await sleep(1200);
    expect(got).toHaveLength(0);
    // ...and the promotion does not wait for it: it goes out with the latest count.
    const promoted = Date.now();
    await requestOk(host.socket, 'stage:promote', { peerId: guest.peerId });
    const deadline = promoted + 3000;
    while (!got.some((r) => r.view.onStage.some((p) => p.peerId === guest.peerId)) && Date.now() < deadline) await sleep(20);
    const update = got.find((r) => r.view.onStage.some((p) => p.peerId === guest.peerId));
    expect(update, 'the promotion reached the audience').toBeDefined();
    // Bounded well under the viewer-count interval (generous for a shared machine).
    expect(update!.at - promoted).toBeLessThan(VIEWER_COUNT_INTERVAL_MS / 2);
    expect(update!.view.viewerCount).toBe(2);
  });
});
