import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { bureauClient } from '../harness/api';
import type { TestPage } from '../harness/browser';
import { e2eClusterFixture } from './fixture';
import { framesDecodedOver, hostGoesLive } from './pages';

const PHONE = { width: 360, height: 640 };
const phaseOf = (page: Page): Promise<string | undefined> => page.evaluate(() => window.chunfengStage?.phase).catch(() => 'gone');

/** Records each change of a page's phase, with the time it was seen (polled every 100 ms). */
function phases(page: Page): { seen: Array<[number, string]>; stop: () => void } {
  const seen: Array<[number, string]> = [];
  let on = true;
  void (async () => {
    while (on) {
      const p = String(await phaseOf(page));
      if (seen.at(-1)?.[1] !== p) seen.push([Date.now(), p]);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { seen, stop: () => (on = false) };
}

describe('the README\'s several nodes in Chromium: a host through nginx, three phones on three nodes, the owner killed', () => {

  const e2e = e2eClusterFixture({ STAGE_LEASE_MS: '2000', STAGE_GRACE_MS: '3000', HLS_RENDITIONS: '360p,audio', LOBBY_SPREAD_MS: '1000' });

  test('every phone is live, told when the owner dies, and live again once the host is back', async () => {
    const hostLink = await (await bureauClient(e2e.cluster.url)).post<{ path: string }>('/sessions/demo/host-link');
    const host: TestPage = await hostGoesLive(e2e.browser, `${e2e.cluster.url}${hostLink.body.path}`);
    const ownerNode = await e2e.ownerOf('demo');
    const phones = await Promise.all(e2e.cluster.nodes.map((n) => e2e.browser.open(`${n.url}/watch/demo`, { viewport: PHONE })));
    for (const p of phones) await expect.poll(() => phaseOf(p.page), { timeout: 20_000 }).toBe('live');
    const logs = phones.map((p) => phases(p.page));
    const hostLog = phases(host.page);
    const killed = Date.now();
    await e2e.cluster.restartNode(ownerNode, 'SIGKILL');
    // The host's page takes the stage again (through nginx); every phone is live on it.
    for (const p of phones) await expect.poll(() => phaseOf(p.page), { timeout: 40_000 }).toBe('live');
    const back = Date.now() - killed;
    // And playing: every phone decodes the host's picture again (over WebRTC, relayed by its node when
    // that is not the new owner), within 10 s of the kill.
    for (const p of phones) await expect.poll(() => framesDecodedOver(p.page, 500), { timeout: 15_000, interval: 0 }).toBeGreaterThan(3);
    const playing = Date.now() - killed;
    // The recorders sample every 100 ms: let each one see the phase the poll above just saw before it stops.
    for (const l of logs) await expect.poll(() => l.seen.at(-1)?.[1], { timeout: 5_000 }).toBe('live');
    await expect.poll(() => hostLog.seen.at(-1)?.[1], { timeout: 5_000 }).toBe('live');
    for (const l of [...logs, hostLog]) l.stop();
    const newOwner = (await e2e.ownerOf('demo')).id;
    const fmt = (l: { seen: Array<[number, string]> }): string => l.seen.map(([t, p]) => `${p}@${t - killed}`).join(' → ');
    console.log(`[measure] owner ${ownerNode.id} killed; new owner ${newOwner}; every phone live again ${back} ms after, decoding the host again ${playing} ms after`);
    expect(playing).toBeLessThan(10_000);
    for (const p of phones) expect(await p.page.evaluate(() => window.chunfengStage?.mode)).toBe('webrtc');
    e2e.cluster.nodes.forEach((n, i) => console.log(`[measure] phone on ${n.id}: ${fmt(logs[i]!)}`));
    console.log(`[measure] host: ${fmt(hostLog)}`);
    for (const p of phones) console.log(`[measure] errors ${JSON.stringify(p.errors.slice(0, 3))}`);
    // The phones on the nodes that lived were told the host left (the lobby), never left reconnecting,
    // and went live again on their own; the phone on the killed node reconnected to it once it was back.
    e2e.cluster.nodes.forEach((n, i) => {
      const seq = logs[i]!.seen.map(([, p]) => p);
      if (n.id === ownerNode.id) {
        expect(seq).toContain('reconnecting');
      } else {
        expect(seq).toContain('ended');
        expect(seq).not.toContain('reconnecting');
        expect(phones[i]!.errors).toEqual([]);
      }
      expect(seq.at(-1)).toBe('live');
    });
    expect(hostLog.seen.at(-1)?.[1]).toBe('live');
  }, 180_000);
});
