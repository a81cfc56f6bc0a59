import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { requestSchemas, type RequestName } from '@chunfeng/shared/events';
import type { SessionId } from '@chunfeng/shared/ids';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';
import { deviceToken, registerSession } from '../harness/stage';

const vp8 = {
  codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000, rtcpFeedback: [] }],
  encodings: [{ ssrc: 1111 }],
  rtcp: { cname: 'test' },
};

describe('stage signalling', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  const open = async ({ device }: { device?: string } = {}): Promise<TestSocket> => {
    const s = await connect(server.url, device ? { device } : {});
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    // The malformed-payload sweep below sends a few hundred requests from one socket at once.
    server = await startTestServer({ SOCKET_EVENT_BURST: '100000' });
    await Promise.all(['sig-1', 'sig-2', 'sig-waiting'].map((id) => registerSession(server, id)));
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(() => server.stop());

  async function hostToken(sid = 'sig-1'): Promise<string> {
    return server.tokens.issue({ sid, role: 'host', sub: 'chief' });
  }

  test('a viewer cannot join a session that is not live', async () => {
    const viewer = await open();
    const ack = await request(viewer, 'stage:join', { sessionId: 'sig-waiting', role: 'viewer' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_LIVE' } });
  });

  test('a session id the bureau never registered opens no stage, even for a host with a valid token: NOT_FOUND', async () => {
    const s = await open();
    const token = await server.tokens.issue({ sid: 'made-up', role: 'host', sub: 'chief' });
    expect(await request(s, 'stage:join', { sessionId: 'made-up', role: 'host', token })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(s, 'stage:join', { sessionId: 'made-up', role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(server.directory.get('made-up' as SessionId)).toBeUndefined();
  });

  test('the host role needs a valid token for that very session', async () => {
    const s = await open();
    expect(await request(s, 'stage:join', { sessionId: 'sig-1', role: 'host' })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED' },
    });
    expect(await request(s, 'stage:join', { sessionId: 'sig-1', role: 'host', token: 'forged' })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED' },
    });
    expect(
      await request(s, 'stage:join', { sessionId: 'sig-1', role: 'host', token: await hostToken('other') }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  test('a viewer may consume but never produce: FORBIDDEN', async () => {
    const host = await open();
    const joined = await requestOk(host, 'stage:join', { sessionId: 'sig-1', role: 'host', token: await hostToken() });
    expect(joined.role).toBe('host');
    expect(joined.mode === 'webrtc' && joined.routerRtpCapabilities.codecs?.length).toBeGreaterThan(0);

    const viewer = await open({ device: await deviceToken(server) });
    await requestOk(viewer, 'stage:join', { sessionId: 'sig-1', role: 'viewer' });
    await requestOk(viewer, 'stage:watch', { mode: 'webrtc' });
    expect(await request(viewer, 'transport:create', { direction: 'send' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    const recv = await requestOk(viewer, 'transport:create', { direction: 'recv' });
    const produce = await request(viewer, 'producer:create', {
      transportId: recv.id,
      kind: 'video',
      rtpParameters: vp8,
      source: 'camera',
    });
    expect(produce).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  test('a host producer is announced to viewers, and its close too', async () => {
    const host = await open();
    await requestOk(host, 'stage:join', { sessionId: 'sig-2', role: 'host', token: await hostToken('sig-2') });
    const viewer = await open();
    await requestOk(viewer, 'stage:join', { sessionId: 'sig-2', role: 'viewer' });
    const added = new Promise((resolve) => viewer.once('producer:added', resolve));
    const send = await requestOk(host, 'transport:create', { direction: 'send' });
    const { producerId } = await requestOk(host, 'producer:create', {
      transportId: send.id,
      kind: 'video',
      rtpParameters: vp8,
      source: 'camera',
    });
    await expect(added).resolves.toMatchObject({ producerId, kind: 'video', source: 'camera' });
    const closed = new Promise((resolve) => viewer.once('producer:closed', resolve));
    await requestOk(host, 'stage:leave', {});
    await expect(closed).resolves.toMatchObject({ producerId });
  });

  test('a malformed payload for every request gets VALIDATION, and the server stays up', async () => {
    const s = await open();
    const garbage: unknown[] = [undefined, null, 42, 'x', [], { sessionId: {} }, { transportId: 1, dtlsParameters: 'no' }];
    for (const name of Object.keys(requestSchemas) as RequestName[]) {
      for (const payload of garbage) {
        const ack = await request(s, name, payload);
        expect(ack, `${name} with ${JSON.stringify(payload)}`).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      }
    }
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    const again = await open();
    expect(await request(again, 'stage:join', { sessionId: 'nobody', role: 'viewer' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  test('requests before joining are refused with NOT_JOINED', async () => {
    const s = await open();
    expect(await request(s, 'transport:create', { direction: 'recv' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_JOINED' },
    });
  });
});
