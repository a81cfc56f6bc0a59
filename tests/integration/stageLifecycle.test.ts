import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server';
import { request, requestOk } from '../harness/socketClient';
import type { RosterView } from '@chunfeng/shared/stage';
import { StageDriver, nextEvent, registerSession } from '../harness/stage';

describe('stage lifecycle and seats', () => {
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    server = await startTestServer({ STAGE_GRACE_MS: '400', ROUTER_MAX_CONSUMERS: '4' });
    driver = new StageDriver(server);
  });
  afterEach(() => driver.closeAll());
  afterAll(() => server.stop());

  async function cohostToken(sessionId: string, host: Awaited<ReturnType<StageDriver['join']>>): Promise<string> {
    const invite = await requestOk(host.socket, 'stage:invite', {});
    expect(invite.path).toBe(`/join/${sessionId}?token=${invite.token}`);
    return invite.token;
  }

  test('only the host can invite; an invite link lets a co-host on stage to publish', async () => {
    const host = await driver.join('life-invite', 'host');
    const viewer = await driver.join('life-invite', 'viewer');
    expect(await request(viewer.socket, 'stage:invite', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const token = await cohostToken('life-invite', host);
    const cohost = await driver.join('life-invite', 'cohost', token);
    const { video } = await driver.publish(cohost);
    expect(video).toBeTruthy();
  });

  test('removing a co-host closes their producers on every viewer at once', async () => {
    const host = await driver.join('life-remove', 'host');
    const cohost = await driver.join('life-remove', 'cohost', await cohostToken('life-remove', host));
    const produced = await driver.publish(cohost);
    const viewers = [await driver.join('life-remove', 'viewer'), await driver.join('life-remove', 'viewer')];
    for (const v of viewers) await driver.consume(v, [produced.video, produced.audio]);

    const closedOnViewers = viewers.map((v) => {
      const seen = new Set<string>();
      return new Promise<Set<string>>((resolve) => {
        v.socket.on('producer:closed', ({ producerId }) => {
          seen.add(producerId);
          if (seen.size === 2) resolve(seen);
        });
      });
    });
    const demoted = nextEvent<{ role: string }>(cohost.socket, 'stage:roleChanged');
    await requestOk(host.socket, 'stage:remove', { peerId: cohost.peerId });
    for (const seen of await Promise.all(closedOnViewers)) expect([...seen].sort()).toEqual([produced.audio, produced.video].sort());
    expect(await demoted).toEqual({ role: 'viewer' });
    const stage = await server.directory.get('life-remove' as never);
    expect(stage?.room.producers()).toEqual([]);
    // Off stage means no publishing any more.
    expect(await request(cohost.socket, 'transport:create', { direction: 'send' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // And nobody but the host removes people; the host cannot be removed.
    expect(await request(viewers[0]!.socket, 'stage:remove', { peerId: host.peerId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(host.socket, 'stage:remove', { peerId: host.peerId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  test('a viewer who raised a hand can be brought on stage by the host, and may then publish', async () => {
    const host = await driver.join('life-hand', 'host');
    const viewer = await driver.join('life-hand', 'viewer', undefined, { device: await driver.device() });
    expect(await request(host.socket, 'stage:promote', { peerId: viewer.peerId })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const hands = nextEvent<{ hands: Array<{ peerId: string }> }>(host.socket, 'stage:hands');
    await requestOk(viewer.socket, 'hand:raise', { raised: true });
    expect((await hands).hands.map((h) => h.peerId)).toEqual([viewer.peerId]);
    const promoted = nextEvent<{ role: string }>(viewer.socket, 'stage:roleChanged');
    await requestOk(host.socket, 'stage:promote', { peerId: viewer.peerId });
    expect(await promoted).toEqual({ role: 'cohost' });
    await driver.publish(viewer);
  });

  test('ending the session tells everyone why and releases every mediasoup object', async () => {
    const host = await driver.join('life-end', 'host');
    const produced = await driver.publish(host);
    const viewers = [await driver.join('life-end', 'viewer'), await driver.join('life-end', 'viewer'), await driver.join('life-end', 'viewer')];
    for (const v of viewers) await driver.consume(v, [produced.video, produced.audio]);
    const stage = await server.directory.get('life-end' as never);
    if (!stage) throw new Error('stage not open');
    const routers = [...stage.room.routers];
    // Three viewers with two consumers each overflow a 4-consumer router: an edge router is in use.
    expect(routers.length).toBeGreaterThan(1);
    const workers = server.pool.workers;
    const before = await Promise.all(workers.map((w) => w.worker.dump()));
    expect(before.flatMap((d) => d.routerIds)).toEqual(expect.arrayContaining(routers.map((r) => r.id)));
    const transports = (await Promise.all(routers.map((r) => r.dump()))).flatMap((d) => d.transportIds);
    expect(transports.length).toBeGreaterThanOrEqual(4);

    const ended = viewers.map((v) => nextEvent<{ reason: string }>(v.socket, 'stage:ended'));
    await requestOk(host.socket, 'stage:end', {});
    for (const e of await Promise.all(ended)) expect(e).toEqual({ reason: 'ended-by-host' });

    expect(routers.every((r) => r.closed)).toBe(true);
    const after = await Promise.all(workers.map((w) => w.worker.dump()));
    const liveRouters = after.flatMap((d) => d.routerIds);
    for (const r of routers) expect(liveRouters).not.toContain(r.id);
    const servers = await Promise.all(workers.map((w) => w.webRtcServer.dump()));
    const stillThere = servers.flatMap((s) => s.webRtcTransportIds).filter((id) => transports.includes(id));
    expect(stillThere).toEqual([]);
    expect(server.directory.get('life-end' as never)).toBeUndefined();
    expect(await request(viewers[0]!.socket, 'transport:create', { direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'NOT_JOINED' } });
  });

  test('a viewer over the router threshold is served from an edge router on the other worker', async () => {
    const host = await driver.join('life-edge', 'host');
    const produced = await driver.publish(host);
    const first = await driver.join('life-edge', 'viewer');
    await driver.consume(first, [produced.video, produced.audio]);
    // Two viewers of two producers fill a 4-consumer router; the third goes elsewhere.
    const second = await driver.join('life-edge', 'viewer');
    await driver.consume(second, [produced.video, produced.audio]);
    const third = await driver.join('life-edge', 'viewer');
    await driver.consume(third, [produced.video, produced.audio]);
    const stage = await server.directory.get('life-edge' as never);
    const [origin, edge] = stage!.room.routers;
    if (!origin || !edge) throw new Error('expected an origin and an edge router');
    const edgeDump = await edge.dump();
    // The edge carries the piped producers and the third viewer's consumers of them.
    const edgeProducers = edgeDump.mapProducerIdConsumerIds.map((e) => e.key).sort();
    expect(edgeProducers).toEqual([produced.audio, produced.video].sort());
    expect(edgeDump.mapProducerIdConsumerIds.every((e) => e.values.length === 1)).toBe(true);
    // Each router sits on its own worker, so the session uses both cores.
    const dumps = await Promise.all(server.pool.workers.map((w) => w.worker.dump()));
    const home = (id: string) => dumps.findIndex((d) => d.routerIds.includes(id));
    expect(home(origin.id)).not.toBe(home(edge.id));
  });

  test('only the host picks the programme spotlight, and only someone on stage', async () => {
    const host = await driver.join('life-spot', 'host');
    const viewer = await driver.join('life-spot', 'viewer');
    expect(await request(viewer.socket, 'program:spotlight', { followSpeaker: true })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(host.socket, 'program:spotlight', { peerId: viewer.peerId, followSpeaker: false })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    await requestOk(host.socket, 'program:spotlight', { followSpeaker: true });
    const stage = await server.directory.get('life-spot' as never);
    expect(stage!.spotlight()).toBe(host.peerId);
  });

  test('a dropped connection keeps its place through the grace period and loses it after', async () => {
    const host = await driver.join('life-grace', 'host');
    const viewerSocket = await driver.socket();
    const joined = await requestOk(viewerSocket, 'stage:join', { sessionId: 'life-grace', role: 'viewer' });
    const stage = await server.directory.get('life-grace' as never);
    expect(stage!.roster.viewerCount).toBe(1);

    viewerSocket.close();
    const back = await driver.socket();
    const resumed = await requestOk(back, 'stage:join', {
      sessionId: 'life-grace',
      role: 'viewer',
      resume: { peerId: joined.peerId, key: joined.resumeKey },
    });
    expect(resumed).toMatchObject({ peerId: joined.peerId, resumed: true });
    expect(stage!.roster.viewerCount).toBe(1);

    // A wrong key gets a new place, not somebody else's.
    const other = await driver.socket();
    const stranger = await requestOk(other, 'stage:join', { sessionId: 'life-grace', role: 'viewer', resume: { peerId: joined.peerId, key: 'x'.repeat(32) } });
    expect(stranger.peerId).not.toBe(joined.peerId);
    expect(stranger.resumed).toBe(false);

    back.close();
    other.close();
    await new Promise((r) => setTimeout(r, 700));
    expect(stage!.roster.viewerCount).toBe(0);
    expect(stage!.roster.onStage().map((p) => p.peerId)).toEqual([host.peerId]);
  });
});

describe('a host on a weak network', () => {
  let longGrace: TestServer;
  let graceDriver: StageDriver;
  // A grace period longer than the roster's 1 s coalescing, as in production (15 s).
  beforeAll(async () => {
    longGrace = await startTestServer({ STAGE_GRACE_MS: '5000' });
    graceDriver = new StageDriver(longGrace);
  });
  afterAll(async () => {
    graceDriver.closeAll();
    await longGrace.stop();
  });

  test("a host whose connection drops is shown away to every viewer (its picture frozen is a network, not the end), and back once the place is taken back", async () => {
    await registerSession(longGrace, 'life-away');
    const hostSocket = await graceDriver.socket();
    const token = await longGrace.tokens.issue({ sid: 'life-away', role: 'host', sub: 'host' });
    const host = await requestOk(hostSocket, 'stage:join', { sessionId: 'life-away', role: 'host', token });
    const viewer = await graceDriver.audience('life-away');
    expect(viewer.joined.roster.onStage).toEqual([expect.not.objectContaining({ away: true })]);
    /** The first roster the viewer hears for which `check` holds. */
    const rosterWhere = (check: (r: RosterView) => boolean): Promise<RosterView> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no such roster within 5 s')), 5000);
        const listener = (r: RosterView): void => {
          if (!check(r)) return;
          clearTimeout(timer);
          viewer.socket.off('stage:roster', listener);
          resolve(r);
        };
        viewer.socket.on('stage:roster', listener);
      });
    const hostAway = (r: RosterView): boolean => r.onStage.some((p) => p.role === 'host' && p.away === true);
    const away = rosterWhere(hostAway);
    hostSocket.close();
    expect((await away).onStage).toEqual([expect.objectContaining({ role: 'host', away: true })]);
    const back = rosterWhere((r) => !hostAway(r));
    await requestOk(await graceDriver.socket(), 'stage:join', { sessionId: 'life-away', role: 'host', token, resume: { peerId: host.peerId, key: host.resumeKey } });
    const roster = await back;
    expect(roster.onStage).toHaveLength(1);
    expect(roster.onStage[0]).not.toHaveProperty('away');
  });
});
