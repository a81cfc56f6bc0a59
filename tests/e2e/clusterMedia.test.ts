import { describe, expect, test } from 'vitest';
import { bureauClient } from '../harness/api';
import type { TestPage } from '../harness/browser';
import type { ClusterNode } from '../harness/cluster';
import { TEST_METRICS_TOKEN } from '../harness/server';
import { e2eClusterFixture } from './fixture';
import { hostGoesLive, mediaStats, peerIdOf, statsOver, waitForStats } from './pages';

const PHONE = { width: 360, height: 640 };

/** A gauge of a node's /metrics. */
async function gauge(node: ClusterNode, name: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

interface Timeline {
  webrtc: number;
  audio: number;
  videoBytes: number;
  frames: number;
}

/** When (ms after `since`) a page went on WebRTC, got its first audio, its first video bytes, and frames from every one of `peers`. */
async function timeline(v: TestPage, since: number, peers: string[]): Promise<Timeline> {
  const t: Partial<Timeline> = {};
  const deadline = Date.now() + 30_000;
  while (t.frames === undefined) {
    if (Date.now() > deadline) throw new Error(`not every stage's frames within 30 s: ${JSON.stringify(t)}`);
    const now = Date.now() - since;
    if (t.webrtc === undefined && (await v.page.evaluate(() => window.chunfengStage?.mode)) === 'webrtc') t.webrtc = now;
    const s = await mediaStats(v.page);
    if (t.audio === undefined && s.audio.packetsReceived > 0) t.audio = now;
    if (t.videoBytes === undefined && s.video.bytesReceived > 0) t.videoBytes = now;
    if (peers.every((p) => (s.framesByPeer[p] ?? 0) > 0)) t.frames = now;
    else await new Promise((r) => setTimeout(r, 50));
  }
  return t as Timeline;
}

describe('cluster media in Chromium: the stage on one node, WebRTC viewers on the others through relays', () => {
  let host: TestPage;
  let cohost: TestPage;
  let hostPeer: string;
  let cohostPeer: string;
  let owner: ClusterNode;
  let edges: ClusterNode[];
  let viewers: TestPage[] = [];
  let audioOnly: TestPage;
  let direct: TestPage | undefined;

  // Four interactive seats for the whole session, wherever the viewers' sockets land.
  const e2e = e2eClusterFixture({ LOBBY_SPREAD_MS: '500', INTERACTIVE_SEATS: '4', STAGE_GRACE_MS: '1500' });

  test('the host and an invited co-host go live through nginx; the stage is held by one node', async () => {
    const hostLink = await (await bureauClient(e2e.cluster.url)).post<{ path: string }>('/sessions/demo/host-link');
    host = await hostGoesLive(e2e.browser, `${e2e.cluster.url}${hostLink.body.path}`);
    hostPeer = await peerIdOf(host.page);
    await host.page.getByRole('button', { name: '生成邀请链接' }).click();
    const link = await host.page.locator('input.invite-link').inputValue();
    cohost = await e2e.browser.open(link);
    await cohost.page.locator('video').first().waitFor();
    await cohost.page.getByRole('button', { name: '上台' }).click();
    await cohost.page.getByRole('status').filter({ hasText: '你已在舞台上' }).waitFor({ timeout: 20_000 });
    cohostPeer = await peerIdOf(cohost.page);
    owner = await e2e.ownerOf('demo');
    edges = e2e.cluster.nodes.filter((n) => n !== owner);
    expect(edges).toHaveLength(2);
  }, 60_000);

  test('viewers whose sockets reach the two other nodes decode the host and the co-host, relayed by their own node', async () => {
    // A retry starts from no viewers.
    await Promise.all([...viewers.splice(0), ...(direct ? [direct] : [])].map((v) => v.close()));
    const opened = Date.now();
    // Side by side, the baseline: a viewer whose socket reaches the owner (no relay).
    const pages = await Promise.all([...edges, owner].map((n) => e2e.browser.open(`${n.url}/watch/demo`, { viewport: PHONE })));
    const loaded = Date.now() - opened;
    direct = pages.pop()!;
    viewers = pages;
    const timelines = await Promise.all(pages.concat(direct).map((v) => timeline(v, opened, [hostPeer, cohostPeer])));
    const fmt = (t: Timeline): string => `WebRTC ${t.webrtc}, audio ${t.audio}, video bytes ${t.videoBytes}, frames from both ${t.frames} ms`;
    console.log(`[measure] 3 pages opened at once (loaded in ${loaded} ms); through the relays on ${edges.map((n) => n.id).join(' and ')}: ${timelines.slice(0, 2).map(fmt).join('; ')}; on the owner ${owner.id} (baseline): ${fmt(timelines[2]!)}`);
    const bothMs = timelines.slice(0, 2).map((t) => t.frames);
    for (const v of viewers) expect(await v.page.evaluate(() => window.chunfengStage?.mode)).toBe('webrtc');
    // Both viewers over the same two seconds, not one after the other.
    for (const { before, after } of await Promise.all(viewers.map((v) => statsOver(v.page, 2000)))) {
      for (const peer of [hostPeer, cohostPeer]) expect(after.framesByPeer[peer]! - before.framesByPeer[peer]!, `frames from ${peer}`).toBeGreaterThan(3);
      expect(after.audio.packetsReceived - before.audio.packetsReceived).toBeGreaterThan(50);
    }
    // Each edge node carries its viewer on a relay of its own (one pipe to the owner); the owner one pipe per edge.
    for (const n of edges) {
      expect(await gauge(n, 'chunfeng_relayed_viewers')).toBe(1);
      expect(await gauge(n, 'chunfeng_relay_pipes')).toBe(1);
    }
    expect(await gauge(owner, 'chunfeng_relay_pipes')).toBe(2);
    expect(await gauge(owner, 'chunfeng_relayed_viewers')).toBe(0);
    // The relay costs nothing a viewer can see: frames from both people on stage come as soon as for
    // the viewer on the owner's own router (within a second of it measured; the bound allows the
    // seconds by which three pages on two busy cores differ). From the page opening that is
    // 4–11 s on this shared 2-core machine, where five Chromium pages encode and decode at once and
    // the page load alone takes 2–6 s of it (up to 24 s, page load 12 s, with another suite running);
    // a relay that never delivers fails in timeline()'s 30 s.
    for (const ms of bothMs) expect(ms).toBeLessThan(timelines[2]!.frames + 3000);
  }, 60_000);

  test('an audio-only viewer on an edge node receives audio through the relay and not one byte of video', async () => {
    await audioOnly?.close();
    audioOnly = await e2e.browser.open(`${edges[1]!.url}/watch/demo?audio=1`, { viewport: PHONE });
    await waitForStats(audioOnly.page, (s) => s.audio.packetsReceived > 0, { what: 'audio', timeoutMs: 30_000 });
    const { before, after } = await statsOver(audioOnly.page, 2000);
    expect(after.audio.packetsReceived - before.audio.packetsReceived).toBeGreaterThan(50);
    expect(after.video.bytesReceived).toBe(0);
    expect(await gauge(edges[1]!, 'chunfeng_relayed_viewers')).toBe(2);
    // Still one pipe for the node: every viewer there shares it.
    expect(await gauge(edges[1]!, 'chunfeng_relay_pipes')).toBe(1);
  }, 60_000);

  test('interactive seats are counted once for the cluster: with all four taken on three nodes, the next phone on an edge watches HLS', async () => {
    const fifth = await e2e.browser.open(`${edges[0]!.url}/watch/demo`, { viewport: PHONE });
    await expect.poll(() => fifth.page.evaluate(() => window.chunfengStage?.phase), { timeout: 20_000 }).toBe('live');
    expect(await fifth.page.evaluate(() => window.chunfengStage?.mode)).toBe('hls');
    expect(await gauge(edges[0]!, 'chunfeng_relayed_viewers')).toBe(1);
    // The phone on the owner closes its page: once its grace period is over its seat is free, and the
    // next phone on an edge node gets it.
    await direct!.close();
    await new Promise((r) => setTimeout(r, 2500));
    const sixth = await e2e.browser.open(`${edges[0]!.url}/watch/demo`, { viewport: PHONE });
    await expect.poll(() => sixth.page.evaluate(() => window.chunfengStage?.mode), { timeout: 20_000 }).toBe('webrtc');
    await waitForStats(sixth.page, (st) => (st.framesByPeer[hostPeer] ?? 0) > 0, { what: 'frames from the host', timeoutMs: 20_000 });
    expect(await gauge(edges[0]!, 'chunfeng_relayed_viewers')).toBe(2);
    await Promise.all([fifth.close(), sixth.close()]);
    await expect.poll(() => gauge(edges[0]!, 'chunfeng_relayed_viewers'), { timeout: 10_000 }).toBe(1);
  }, 60_000);

  test('kill -9 of the media worker under an edge node\'s relay: its viewer decodes the host again within 8 s, no reload', async () => {
    const edge = edges[1]!;
    const v = viewers[1]!;
    const report = (await (await fetch(`${edge.url}/healthz`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).json()) as { checks: { workers: { workers: Array<{ pid?: number; load?: number }> } } };
    const busy = report.checks.workers.workers.filter((w) => (w.load ?? 0) > 0 && w.pid);
    expect(busy).toHaveLength(1);
    const killed = Date.now();
    process.kill(busy[0]!.pid!, 'SIGKILL');
    // Frames the page had buffered may still be decoded for a moment: first the relay is back, on
    // the worker the pool brought back, then the host's frames flow again.
    const busyPids = async (): Promise<Array<number | undefined>> => {
      const now = (await (await fetch(`${edge.url}/healthz`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).json()) as typeof report;
      return now.checks.workers.workers.filter((w) => (w.load ?? 0) > 0).map((w) => w.pid);
    };
    await expect.poll(async () => { const pids = await busyPids(); return pids.length === 1 && pids[0] !== busy[0]!.pid; }, { timeout: 5000, interval: 100 }).toBe(true);
    const hostFramesOver = async (ms: number): Promise<number> => {
      const { before, after } = await statsOver(v.page, ms);
      return (after.framesByPeer[hostPeer] ?? 0) - (before.framesByPeer[hostPeer] ?? 0);
    };
    await expect.poll(() => hostFramesOver(500), { timeout: 8000, interval: 0 }).toBeGreaterThan(3);
    const back = Date.now() - killed;
    console.log(`[measure] edge worker killed → its viewer decodes the host again: ${back} ms`);
    // The issue bounds a relaying node's death (5 s, below) and a dead worker under one node's stage
    // (workerFailover: 5 s), not this one. Measured 2.4–3.3 s on a quiet day and 5.2–6.4 s in a
    // clean-clone run on a slower one (the pool's 1 s respawn delay, a new relay through the nodes'
    // mail, new transports, and a keyframe at most once a second): bounded at 8 s.
    expect(back).toBeLessThan(8000);
    expect(await v.page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    expect(await gauge(edge, 'chunfeng_relay_pipes')).toBe(1);
  }, 30_000);

  test('the host removes the co-host: the tile leaves the viewers on every node within 2 s', async () => {
    for (const v of viewers) await v.page.locator(`figure[data-peer="${cohostPeer}"]`).waitFor();
    await host.page.locator(`.seat-list li[data-peer="${cohostPeer}"]`).getByRole('button', { name: '请下台' }).click();
    const started = Date.now();
    await Promise.all(viewers.map((v) => v.page.locator(`figure[data-peer="${cohostPeer}"]`).waitFor({ state: 'detached', timeout: 2000 })));
    console.log(`[measure] co-host removed → tile gone on the viewers of both other nodes: ${Date.now() - started} ms`);
    for (const v of viewers) expect(await v.page.locator('figure.tile').count()).toBe(1);
  }, 30_000);

  test('the host mutes and unmutes: the sound stops and comes back for a viewer on an edge node', async () => {
    const v = viewers[1]!;
    const audioOver = async (ms: number): Promise<number> => {
      const { before, after } = await statsOver(v.page, ms);
      return after.audio.packetsReceived - before.audio.packetsReceived;
    };
    await host.page.getByRole('button', { name: '关闭麦克风' }).click();
    await expect.poll(() => audioOver(1000), { timeout: 10_000 }).toBeLessThan(5);
    await host.page.getByRole('button', { name: '打开麦克风' }).click();
    await expect.poll(() => audioOver(1000), { timeout: 10_000 }).toBeGreaterThan(20);
  }, 30_000);

  test('the last viewer of an edge node leaving closes its pipe on both ends', async () => {
    await viewers[0]!.close();
    await expect.poll(() => gauge(edges[0]!, 'chunfeng_relay_pipes'), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => gauge(owner, 'chunfeng_relay_pipes'), { timeout: 10_000 }).toBe(1);
    for (const p of [host, ...viewers.slice(1), audioOnly]) expect(p.errors).toEqual([]);
  }, 30_000);

  test('a viewer watching through another node raises a hand and is brought on stage: its page publishes on the owner, and viewers on the other nodes see it', async () => {
    // The co-host taken off the stage kept watching on a seat (the host's decision is never refused
    // for want of one): its page goes, and with the pages closed before, its seat is free once its
    // grace period (1.5 s here) is over.
    await cohost.close();
    await new Promise((r) => setTimeout(r, 2000));
    // Watching on a third node: the edge the phone does not use. The two pages load side by side.
    const [observer, phone] = await Promise.all([
      e2e.browser.open(`${edges[0]!.url}/watch/demo`, { viewport: PHONE }),
      e2e.browser.open(`${e2e.cluster.url}/watch/demo`, { viewport: PHONE }),
    ]);
    await expect.poll(() => phone.page.evaluate(() => window.chunfengStage?.phase), { timeout: 20_000 }).toBe('live');
    await phone.page.evaluate((id) => window.chunfengSignalling?.moveTo(id), edges[1]!.id);
    await expect.poll(() => phone.page.evaluate(() => `${window.chunfengStage?.phase}/${window.chunfengStage?.mode}`), { timeout: 20_000 }).toBe('live/webrtc');
    await expect.poll(() => gauge(edges[1]!, 'chunfeng_relayed_viewers'), { timeout: 5000 }).toBe(3);
    const phonePeer = await peerIdOf(phone.page);
    await phone.page.getByRole('button', { name: '举手发言' }).click();
    await host.page.getByRole('button', { name: '邀请上台' }).click();
    const asked = Date.now();
    await phone.page.getByRole('button', { name: '打开摄像头上台' }).click();
    // Its send transport is the owner's: the page connects there, takes its place back and publishes.
    await waitForStats(observer.page, (st) => (st.framesByPeer[phonePeer] ?? 0) > 0, { what: 'frames from the viewer brought on stage', timeoutMs: 20_000 }).catch(async (e: unknown) => {
      console.log('the phone brought on stage: phase/mode/role, errors, alerts; the observer\'s tiles:', await phone.page.evaluate(() => `${window.chunfengStage?.phase}/${window.chunfengStage?.mode}/${window.chunfengStage?.role}`), phone.errors, JSON.stringify(await phone.page.locator('.status-error, [role=alert]').allTextContents()), JSON.stringify(await observer.page.locator('figure.tile').evaluateAll((els) => els.map((e) => e.getAttribute('data-peer')))));
      console.log(e2e.cluster.nodes.map((n) => n.process.output.filter((l) => /"level":[45]|relay|promot|joined stage/.test(l)).slice(-10).join('\n')).join('\n----\n'));
      throw e;
    });
    console.log(`[measure] viewer through another node brought on stage → its picture on a viewer of a third node: ${Date.now() - asked} ms`);
    expect(await peerIdOf(phone.page)).toBe(phonePeer);
    expect(phone.errors).toEqual([]);
    await Promise.all([phone.close(), observer.close()]);
  }, 60_000);

  test('kill -9 of a node that only relays: its viewer reconnects through nginx to another node and decodes again within 5 s, no reload', async () => {
    const edge = edges[0]!;
    // A retry finds the node killed by the first try: it comes back first.
    if (edge.process.child.exitCode !== null || edge.process.child.signalCode !== null) await e2e.cluster.restartNode(edge);
    // The pages closed just before hold their seats for their grace period (1.5 s here).
    await new Promise((r) => setTimeout(r, 2000));
    const phone = await e2e.browser.open(`${e2e.cluster.url}/watch/demo`, { viewport: PHONE });
    await expect.poll(() => phone.page.evaluate(() => window.chunfengStage?.phase), { timeout: 20_000 }).toBe('live');
    // Wherever nginx sent it first, the page goes to the edge node (as a page told STAGE_ELSEWHERE does).
    await phone.page.evaluate((id) => window.chunfengSignalling?.moveTo(id), edge.id);
    const said = (e: unknown): never => {
      // What the nodes said about relays, for a person reading a failure.
      console.log(phone.errors, e2e.cluster.nodes.map((n) => n.process.output.filter((l) => /relay|"level":[45]/.test(l)).slice(-8).join('\n')).join('\n----\n'));
      throw e;
    };
    await expect.poll(() => gauge(edge, 'chunfeng_relayed_viewers'), { timeout: 20_000 }).toBe(1).catch(said);
    await waitForStats(phone.page, (st) => (st.framesByPeer[hostPeer] ?? 0) > 0, { what: 'frames from the host', timeoutMs: 20_000 }).catch(said);
    const hostFramesOver = async (ms: number): Promise<number> => {
      const { before, after } = await statsOver(phone.page, ms);
      return (after.framesByPeer[hostPeer] ?? 0) - (before.framesByPeer[hostPeer] ?? 0);
    };
    const killed = Date.now();
    // Killed, not restarted: a node starting beside the recovery would only take CPU from what is
    // measured (and the time to start it from the file), and nothing after this needs it.
    const down = edge.process.kill('SIGKILL');
    // Buffered frames may still be decoded for a moment: first the page sees the drop, then it is
    // live on WebRTC again through another node.
    const state = (): Promise<string> => phone.page.evaluate(() => `${window.chunfengStage?.phase}/${window.chunfengStage?.mode}`);
    await expect.poll(state, { timeout: 5000, interval: 50 }).not.toBe('live/webrtc').catch(said);
    await expect.poll(state, { timeout: 5000, interval: 50 }).toBe('live/webrtc').catch(said);
    await expect.poll(() => hostFramesOver(500), { timeout: 5000, interval: 0 }).toBeGreaterThan(3).catch(said);
    const back = Date.now() - killed;
    console.log(`[measure] relaying node killed → its viewer decodes the host again through another node: ${back} ms`);
    expect(back).toBeLessThan(5000);
    expect(await phone.page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    await down;
  }, 60_000);
});
