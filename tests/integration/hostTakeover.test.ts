import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../harness/server';
import { request, requestOk, type TestSocket } from '../harness/socketClient';
import { StageDriver, nextEvent, type Participant } from '../harness/stage';

const GRACE_MS = 400;

describe('the host link opened on a second device or tab', () => {
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    server = await startTestServer({ STAGE_GRACE_MS: String(GRACE_MS) });
    driver = new StageDriver(server);
  });
  afterEach(() => driver.closeAll());
  afterAll(() => server.stop());

  /** Every event a socket hears from now on, by name. */
  function record(socket: TestSocket): string[] {
    const heard: string[] = [];
    (socket as unknown as { onAny(l: (event: string) => void): void }).onAny((event) => heard.push(event));
    return heard;
  }

  async function inRoom(room: string, socketId: string | undefined): Promise<boolean> {
    const sockets = await server.io.in(room).fetchSockets();
    return sockets.some((s) => s.id === socketId);
  }

  async function hostsOnStage(sessionId: string): Promise<string[]> {
    const stage = await server.directory.get(sessionId as never);
    return stage ? stage.rosterView().onStage.filter((p) => p.role === 'host').map((p) => p.peerId) : [];
  }

  async function rejoinAsHost(socket: TestSocket, sessionId: string): Promise<Participant> {
    const token = await server.tokens.issue({ sid: sessionId, role: 'host', sub: 'host' });
    const joined = await requestOk(socket, 'stage:join', { sessionId, role: 'host', token });
    if (joined.mode !== 'webrtc') throw new Error('a host joins on WebRTC');
    return { socket, peerId: joined.peerId, caps: joined.routerRtpCapabilities };
  }

  test('a second host login tells the first at once; its requests answer NOT_JOINED and the stage stays open', async () => {
    const id = 'takeover-told';
    const first = await driver.join(id, 'host');
    const produced = await driver.publish(first);
    const viewer = await driver.join(id, 'viewer');
    await driver.consume(viewer, [produced.video, produced.audio]);
    const viewerHeard = record(viewer.socket);

    const told = nextEvent<{ sessionId: string }>(first.socket, 'stage:takenOver');
    const second = await driver.join(id, 'host');
    expect(await told).toEqual({ sessionId: id });

    // The second is the only host; the first's producers are gone, and it left the stage's rooms.
    expect(await hostsOnStage(id)).toEqual([second.peerId]);
    expect((await server.directory.get(id as never))?.room.producers()).toEqual([]);
    expect(await inRoom(`stage-host:${id}`, first.socket.id)).toBe(false);
    expect(await inRoom(`stage:${id}`, first.socket.id)).toBe(false);
    expect(await inRoom(`stage-host:${id}`, second.socket.id)).toBe(true);
    for (const [event, input] of [
      ['transport:create', { direction: 'send' }],
      ['stage:end', {}],
      ['stage:invite', {}],
      ['stage:leave', {}],
    ] as const) {
      expect(await request(first.socket, event, input as never)).toMatchObject({ ok: false, error: { code: 'NOT_JOINED' } });
    }
    // The stage was never closed: the viewer heard no end, and the new host can publish to it.
    const stage = await server.directory.get(id as never);
    expect(stage?.closed).toBe(false);
    await driver.publish(second);
    expect(viewerHeard).not.toContain('stage:ended');
    expect(viewerHeard).not.toContain('stage:takenOver');
  });

  test('the second leaves and the first takes over again: the stage stays live, nobody hears stage:ended', async () => {
    const id = 'takeover-back';
    const first = await driver.join(id, 'host');
    await driver.publish(first);
    const viewer = await driver.join(id, 'viewer');
    const viewerHeard = record(viewer.socket);
    const firstTold = nextEvent(first.socket, 'stage:takenOver');
    const second = await driver.join(id, 'host');
    await firstTold;

    // Back on the first device while the second is still connected: the second is told in turn.
    const secondTold = nextEvent<{ sessionId: string }>(second.socket, 'stage:takenOver');
    const back = await rejoinAsHost(first.socket, id);
    expect(await secondTold).toEqual({ sessionId: id });
    expect(await hostsOnStage(id)).toEqual([back.peerId]);
    await driver.publish(back);
    expect(await request(second.socket, 'producer:pause', { producerId: 'x' })).toMatchObject({ ok: false, error: { code: 'NOT_JOINED' } });

    // The second tab is closed: it held no place any more, so its going ends nothing, however long we wait.
    second.socket.close();
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 3));
    const stage = await server.directory.get(id as never);
    expect(stage?.closed).toBe(false);
    expect(await hostsOnStage(id)).toEqual([back.peerId]);
    expect(viewerHeard).not.toContain('stage:ended');
    expect(await request(viewer.socket, 'stage:watch', { mode: 'webrtc' })).toMatchObject({ ok: true });
  });

  test('the second tab closed before the first takes over: the first rejoins within the grace period and the stage stays live', async () => {
    const id = 'takeover-closed';
    const first = await driver.join(id, 'host');
    const viewer = await driver.join(id, 'viewer');
    const viewerHeard = record(viewer.socket);
    const firstTold = nextEvent(first.socket, 'stage:takenOver');
    const second = await driver.join(id, 'host');
    await firstTold;
    second.socket.close();
    // The displaced tab does not come back by itself; the person presses the button in time.
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS / 4));
    const back = await rejoinAsHost(first.socket, id);
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 3));
    expect((await server.directory.get(id as never))?.closed).toBe(false);
    expect(await hostsOnStage(id)).toEqual([back.peerId]);
    expect(viewerHeard).not.toContain('stage:ended');
  });

  test('a host page back after a drop finds the link live on another device: TAKEN_OVER, and the stage stays with the other', async () => {
    const id = 'takeover-resume';
    await driver.join(id, 'host');
    const dropped = await driver.socket();
    const token = await server.tokens.issue({ sid: id, role: 'host', sub: 'host' });
    const own = await requestOk(dropped, 'stage:join', { sessionId: id, role: 'host', token });
    // (Joining took the stage from the first host above; now this one's connection drops.)
    dropped.close();
    const other = await driver.join(id, 'host');
    const back = await driver.socket();
    const resume = { peerId: own.peerId, key: own.resumeKey };
    expect(await request(back, 'stage:join', { sessionId: id, role: 'host', token, resume })).toMatchObject({ ok: false, error: { code: 'TAKEN_OVER' } });
    expect(await hostsOnStage(id)).toEqual([other.peerId]);
    // Asked for by the person (a join without the old place), it takes the stage back in turn.
    const told = nextEvent(other.socket, 'stage:takenOver');
    const again = await requestOk(back, 'stage:join', { sessionId: id, role: 'host', token });
    await told;
    expect(await hostsOnStage(id)).toEqual([again.peerId]);
  });

  test('with no host back after the last one leaves, the stage still ends with host-left', async () => {
    const id = 'takeover-gone';
    const first = await driver.join(id, 'host');
    const viewer = await driver.join(id, 'viewer');
    const firstTold = nextEvent(first.socket, 'stage:takenOver');
    const second = await driver.join(id, 'host');
    await firstTold;
    const ended = nextEvent<{ reason: string }>(viewer.socket, 'stage:ended', GRACE_MS * 10);
    second.socket.close();
    expect(await ended).toEqual({ reason: 'host-left' });
  });
});
