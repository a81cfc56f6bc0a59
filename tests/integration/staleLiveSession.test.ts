import { stageLeaseKey } from '../../server/src/cluster/stageLease';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '../harness/redis';
import { startTestServer, type TestServer } from '../harness/server';
import { spawnServer, type ServerProcess } from '../harness/serverProcess';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';
import { StageDriver, registerSession } from '../harness/stage';

const SECRET = 'stale-live-session-test-secret-0123456789ab';
const LEASE_MS = 2000;

/** Polls an asynchronous check until it holds; fails saying what was not seen in time. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The demo host link a node with DEMO_DATA prints (just after it listens), as its token. */
async function demoHostToken(node: ServerProcess): Promise<string> {
  let token = '';
  await until('the demo host link in the log', () => {
    for (const line of node.output) {
      try {
        const entry = JSON.parse(line) as { msg?: string; host?: string };
        if (entry.msg === 'demo stage links' && entry.host) token = new URL(entry.host).searchParams.get('token') ?? '';
      } catch {
        // not a log line
      }
    }
    return Promise.resolve(token !== '');
  }, 5000);
  return token;
}

/** A session's status as the landing page lists it. */
async function listedStatus(url: string, sessionId: string): Promise<string | undefined> {
  const res = await fetch(`${url}/api/public/sessions`);
  const body = (await res.json()) as { sessions: Array<{ id: string; status: string }> };
  return body.sessions.find((s) => s.id === sessionId)?.status;
}

describe('a session left live by a node that died is reconciled', () => {
  const dirs: string[] = [];
  const nodes: ServerProcess[] = [];
  const sockets: TestSocket[] = [];
  let redis: TestRedis;

  const dataDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-stale-'));
    dirs.push(dir);
    return dir;
  };
  const spawn = async (env: Record<string, string>): Promise<ServerProcess> => {
    const node = await spawnServer({ DEMO_DATA: 'true', HLS_ENABLED: 'false', STAGE_LEASE_MS: String(LEASE_MS), ...env });
    nodes.push(node);
    return node;
  };
  const goLive = async (node: ServerProcess): Promise<TestSocket> => {
    const socket = await connect(node.url);
    sockets.push(socket);
    await requestOk(socket, 'stage:join', { sessionId: 'demo', role: 'host', token: await demoHostToken(node) });
    // The status is written just after the stage opens.
    await until('the session listed live', async () => (await listedStatus(node.url, 'demo')) === 'live', 5000);
    return socket;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await Promise.all(nodes.splice(0).map((n) => n.kill('SIGKILL')));
  });
  afterAll(async () => {
    await redis.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('kill -9 of the node holding a live session: another node lists it scheduled within 2 × STAGE_LEASE_MS, and the host goes live again through that node', { timeout: 90_000 }, async () => {
    const env = { REDIS_URL: redis.url, AUTH_SECRET: SECRET };
    const [a, b] = [await spawn({ ...env, NODE_ID: 'node-a', DATA_DIR: dataDir() }), await spawn({ ...env, NODE_ID: 'node-b', DATA_DIR: dataDir() })];
    await goLive(a);
    expect(await listedStatus(b.url, 'demo')).toBe('live');
    const client = new Redis(redis.url);
    try {
      expect(JSON.parse((await client.get(stageLeaseKey('cf:', 'demo'))) ?? 'null')).toMatchObject({ nodeId: 'node-a' });
      // Renewed while the host is on air: still there well past one lease.
      await new Promise((r) => setTimeout(r, LEASE_MS * 1.5));
      expect(await listedStatus(b.url, 'demo')).toBe('live');
      expect(await client.pttl(stageLeaseKey('cf:', 'demo'))).toBeGreaterThan(0);

      const killedAt = Date.now();
      await a.kill('SIGKILL');
      await until('the session listed scheduled', async () => (await listedStatus(b.url, 'demo')) === 'scheduled', LEASE_MS * 2 + 3000);
      const took = Date.now() - killedAt;
      console.log(`[measure] live session of a killed node listed scheduled after ${took} ms (STAGE_LEASE_MS ${LEASE_MS})`);
      expect(took).toBeLessThanOrEqual(LEASE_MS * 2 + 3000);
      expect(await client.exists(stageLeaseKey('cf:', 'demo'))).toBe(0);

      await goLive(b);
      expect(await listedStatus(b.url, 'demo')).toBe('live');
      expect(JSON.parse((await client.get(stageLeaseKey('cf:', 'demo'))) ?? 'null')).toMatchObject({ nodeId: 'node-b' });
    } finally {
      client.disconnect();
    }
  });

  test('on the embedded store, a session marked live when the process starts (left by a crash) is scheduled again at start', { timeout: 90_000 }, async () => {
    const dir = dataDir();
    const first = await spawn({ DATA_DIR: dir });
    await goLive(first);
    expect(await listedStatus(first.url, 'demo')).toBe('live');
    await first.kill('SIGKILL');

    const restarted = await spawn({ DATA_DIR: dir });
    expect(await listedStatus(restarted.url, 'demo')).toBe('scheduled');
    await goLive(restarted);
    expect(await listedStatus(restarted.url, 'demo')).toBe('live');
  });
});

describe('a clean close behaves as before and lets go of the heartbeat', () => {
  let server: TestServer;
  let driver: StageDriver;
  let client: Redis;

  beforeAll(async () => {
    server = await startTestServer({ REDIS_URL: inject('redisUrl'), STAGE_GRACE_MS: '300', STAGE_LEASE_MS: String(LEASE_MS), MEDIA_WORKERS: '1', NODE_ID: 'clean-node' });
    driver = new StageDriver(server);
    client = new Redis(inject('redisUrl'));
  });
  afterEach(() => driver.closeAll());
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  const heartbeat = async (id: string) => JSON.parse((await client.get(stageLeaseKey('cf:', id))) ?? 'null') as { nodeId: string; since: string } | null;

  test('the host ending the session: ended, and its heartbeat key is gone', async () => {
    const id = `clean-end-${Date.now()}`;
    const host = await driver.join(id, 'host');
    expect(await server.service.sessionStatus(id)).toBe('live');
    expect(await heartbeat(id)).toMatchObject({ nodeId: 'clean-node' });
    await requestOk(host.socket, 'stage:end', {});
    await until('the heartbeat gone', async () => (await heartbeat(id)) === null, 5000);
    expect(await server.service.sessionStatus(id)).toBe('ended');
  });

  test('the host leaving for good (past the grace period): scheduled again, heartbeat gone, and the reconciler leaves it alone', async () => {
    const id = `clean-leave-${Date.now()}`;
    await registerSession(server, id);
    const socket = await driver.socket();
    const token = await server.tokens.issue({ sid: id, role: 'host', sub: 'host' });
    expect(await request(socket, 'stage:join', { sessionId: id, role: 'host', token })).toMatchObject({ ok: true });
    expect(await heartbeat(id)).toMatchObject({ nodeId: 'clean-node' });
    socket.close();
    await until('scheduled, without a heartbeat', async () => (await server.service.sessionStatus(id)) === 'scheduled' && (await heartbeat(id)) === null, 5000);
    // Going live again works as before, and the new stage has a heartbeat of its own.
    await driver.join(id, 'host');
    expect(await server.service.sessionStatus(id)).toBe('live');
    expect(await heartbeat(id)).toMatchObject({ nodeId: 'clean-node' });
    // A live session whose node is alive is never reconciled: still live after two reconcile rounds.
    await new Promise((r) => setTimeout(r, LEASE_MS * 2));
    expect(await server.service.sessionStatus(id)).toBe('live');
  });
});
