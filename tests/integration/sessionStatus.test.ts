import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { LiveSession } from '@chunfeng/shared/recruitment';
import { startTestServer, type TestServer } from '../harness/server';
import { request, requestOk } from '../harness/socketClient';
import { StageDriver, nextEvent } from '../harness/stage';

const GRACE_MS = 400;

async function registerSession(server: TestServer, title: string): Promise<LiveSession> {
  const campaign = await server.service.createCampaign({ name: '春风行动', startsOn: '2025-01-01', endsOn: '2099-12-31', description: '' });
  return server.service.createSession({ campaignId: campaign.id, title, scheduledAt: new Date().toISOString(), lineup: [] });
}

describe("a registered session's status follows its stage", () => {
  let server: TestServer;
  let driver: StageDriver;

  beforeAll(async () => {
    server = await startTestServer({ STAGE_GRACE_MS: String(GRACE_MS), MEDIA_WORKERS: '1' });
    driver = new StageDriver(server);
  });
  afterEach(() => driver.closeAll());
  afterAll(() => server.stop());

  const status = (id: string) => server.service.sessionStatus(id);
  const hostJoin = async (sessionId: string) => {
    const socket = await driver.socket();
    const token = await server.tokens.issue({ sid: sessionId, role: 'host', sub: 'host' });
    return { socket, ack: await request(socket, 'stage:join', { sessionId, role: 'host', token }) };
  };

  test('the host ending it ends it for good: the host cannot open it again, and viewers are told it ended', async () => {
    const { id } = await registerSession(server, '第一场');
    expect(await status(id)).toBe('scheduled');
    const host = await driver.join(id, 'host');
    const viewer = await driver.join(id, 'viewer');
    expect(await status(id)).toBe('live');

    const ended = nextEvent<{ reason: string }>(viewer.socket, 'stage:ended');
    await requestOk(host.socket, 'stage:end', {});
    expect(await ended).toEqual({ reason: 'ended-by-host' });

    // At once, from the same socket or a new one: no reopening an ended session.
    expect(await request(host.socket, 'stage:join', { sessionId: id, role: 'host', token: await server.tokens.issue({ sid: id, role: 'host', sub: 'host' }) })).toMatchObject({
      ok: false,
      error: { code: 'SESSION_ENDED' },
    });
    expect((await hostJoin(id)).ack).toMatchObject({ ok: false, error: { code: 'SESSION_ENDED' } });
    const late = await driver.socket();
    expect(await request(late, 'stage:join', { sessionId: id, role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'SESSION_ENDED' } });
    expect(server.directory.get(id as never)).toBeUndefined();
    expect(await status(id)).toBe('ended');
  });

  test('a viewer of a session that has not started yet waits for it (SESSION_NOT_LIVE), as before', async () => {
    const { id } = await registerSession(server, '第二场');
    const viewer = await driver.socket();
    expect(await request(viewer, 'stage:join', { sessionId: id, role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_LIVE' } });
  });

  test('the host gone past the grace period closes the stage (host-left) and the session is scheduled again; the host can go live again', async () => {
    const { id } = await registerSession(server, '第三场');
    const host = await driver.join(id, 'host');
    const viewer = await driver.join(id, 'viewer');
    expect(await status(id)).toBe('live');

    const ended = nextEvent<{ reason: string }>(viewer.socket, 'stage:ended', 5000);
    host.socket.close();
    expect(await ended).toEqual({ reason: 'host-left' });
    expect(server.directory.get(id as never)).toBeUndefined();
    expect(await status(id)).toBe('scheduled');

    await driver.join(id, 'host');
    expect(await status(id)).toBe('live');
  });

  test('a host back within the grace period keeps the stage, and a second host device takes over without closing it', async () => {
    const { id } = await registerSession(server, '第四场');
    const first = await hostJoin(id);
    if (!first.ack.ok) throw new Error('host join failed');
    const stage = await server.directory.get(id as never);
    first.socket.close();
    await new Promise((r) => setTimeout(r, GRACE_MS / 2));
    const back = await driver.socket();
    const token = await server.tokens.issue({ sid: id, role: 'host', sub: 'host' });
    const resumed = await requestOk(back, 'stage:join', { sessionId: id, role: 'host', token, resume: { peerId: first.ack.data.peerId, key: first.ack.data.resumeKey } });
    expect(resumed.resumed).toBe(true);

    await driver.join(id, 'host');
    await new Promise((r) => setTimeout(r, GRACE_MS * 2.5));
    expect(stage!.closed).toBe(false);
    expect(await status(id)).toBe('live');
  });

  test('a host who leaves is given the grace period to come back; then the stage closes', async () => {
    const { id } = await registerSession(server, '第五场');
    const host = await driver.join(id, 'host');
    const viewer = await driver.join(id, 'viewer');
    const ended = nextEvent<{ reason: string }>(viewer.socket, 'stage:ended', 5000);
    await requestOk(host.socket, 'stage:leave', {});
    expect(await status(id)).toBe('live');
    expect(await ended).toEqual({ reason: 'host-left' });
    expect(await status(id)).toBe('scheduled');
  });

  test('a stage lost to a media failure puts its session back to scheduled until the host reopens it', async () => {
    const { id } = await registerSession(server, '第六场');
    await driver.join(id, 'host');
    const stage = await server.directory.get(id as never);
    stage!.room.close('media-failure');
    expect(await status(id)).toBe('scheduled');
    await driver.join(id, 'host');
    expect(await status(id)).toBe('live');
  });

  test('an id that is not a registered session opens no stage (NOT_FOUND) and gets no status', async () => {
    const socket = await driver.socket();
    const token = await server.tokens.issue({ sid: 'adhoc-status', role: 'host', sub: 'host' });
    expect(await request(socket, 'stage:join', { sessionId: 'adhoc-status', role: 'host', token })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await server.service.sessionStatus('adhoc-status')).toBeUndefined();
  });
});

describe('a server shutting down', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-status-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('does not leave a live session marked live: after a restart it is scheduled, and the host can go live', async () => {
    const first = await startTestServer({ DATA_DIR: dataDir, MEDIA_WORKERS: '1' });
    const driver = new StageDriver(first);
    const { id } = await registerSession(first, '重启前');
    await driver.join(id, 'host');
    expect(await first.service.sessionStatus(id)).toBe('live');
    await first.stop();
    driver.closeAll();

    const second = await startTestServer({ DATA_DIR: dataDir, MEDIA_WORKERS: '1' });
    try {
      expect(await second.service.sessionStatus(id)).toBe('scheduled');
      const again = new StageDriver(second);
      await again.join(id, 'host');
      expect(await second.service.sessionStatus(id)).toBe('live');
      again.closeAll();
    } finally {
      await second.stop();
    }
  });
});
