import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Caption } from '@chunfeng/shared/stage';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiClient, signInCookie } from '../harness/api';
import { startRedis, type TestRedis } from '../harness/redis';
import { startTestServer, type TestServer } from '../harness/server';
import { spawnServer, type ServerProcess } from '../harness/serverProcess';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';

/** Polls an asynchronous check until it holds; fails saying what was not seen in time. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const texts = (captions: Caption[]): string[] => captions.map((c) => c.text);
const seqs = (captions: Caption[]): number[] => captions.map((c) => c.seq);

describe.each(['embedded', 'redis'] as const)('captions kept in the job store (%s)', (kind) => {
  let redis: TestRedis | undefined;
  let server: TestServer;
  const sockets: TestSocket[] = [];
  const open = async (): Promise<TestSocket> => {
    const s = await connect(server.url);
    sockets.push(s);
    return s;
  };
  const joinAs = async (role: 'host' | 'viewer'): Promise<TestSocket> => {
    const s = await open();
    const token = role === 'host' ? await server.tokens.issue({ sid: 'demo', role: 'host', sub: 'chief' }) : undefined;
    await requestOk(s, 'stage:join', { sessionId: 'demo', role, ...(token ? { token } : {}) });
    return s;
  };

  beforeAll(async () => {
    if (kind === 'redis') redis = await startRedis();
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', STAGE_GRACE_MS: '300', ...(redis ? { REDIS_URL: redis.url } : {}) });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
    await redis?.stop();
  });

  test("a stage closed because its host never came back and opened again has every caption in caption:history, and its next line numbers on from them", async () => {
    const host = await joinAs('host');
    const lines = ['第一句：欢迎', '第二句：今天有十个岗位', '第三句：请扫码报名'];
    expect((await Promise.all(lines.map((text) => requestOk(host, 'caption:send', { text })))).map((a) => a.seq)).toEqual([1, 2, 3]);
    const ended = new Promise<void>((resolve) => host.once('disconnect', () => resolve()));
    host.close();
    await ended;
    // The grace period ends: the stage closes (host-left) and the session is scheduled again.
    await until('the stage closed', () => Promise.resolve(server.directory.get('demo' as never) === undefined), 10_000);

    const again = await joinAs('host');
    expect((await requestOk(again, 'caption:history', {})).captions.map((c) => c.text)).toEqual(lines);
    expect((await requestOk(again, 'caption:send', { text: '第四句：重新开播' })).seq).toBe(4);
    const viewer = await joinAs('viewer');
    const history = (await requestOk(viewer, 'caption:history', {})).captions;
    expect(seqs(history)).toEqual([1, 2, 3, 4]);
    expect(texts(history)).toEqual([...lines, '第四句：重新开播']);
    expect(await server.store.listCaptions('demo')).toEqual(history);
  });
});

describe('captions outlive the node whose stage they were sent on (Redis, kill -9)', () => {
  const LEASE_MS = 1500;
  let redis: TestRedis;
  const nodes: ServerProcess[] = [];
  const dirs: string[] = [];
  const sockets: TestSocket[] = [];
  const spawn = async (): Promise<ServerProcess> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-captions-'));
    dirs.push(dir);
    const node = await spawnServer({ REDIS_URL: redis.url, AUTH_SECRET: 'captions-kept-test-secret-0123456789abcdef', DATA_DIR: dir, DEMO_DATA: String(nodes.length === 0), HLS_ENABLED: 'false', STAGE_LEASE_MS: String(LEASE_MS) });
    nodes.push(node);
    return node;
  };
  const hostOn = async (node: ServerProcess): Promise<TestSocket> => {
    const bureau = apiClient(node.url, undefined, { cookie: await signInCookie(node.url) });
    const { token } = (await bureau.post<{ token: string }>('/sessions/demo/host-link')).body;
    const s = await connect(node.url);
    sockets.push(s);
    // The dead owner's heartbeat lasts STAGE_LEASE_MS: until it lapses the stage cannot open here.
    await until('the stage opened', async () => (await request(s, 'stage:join', { sessionId: 'demo', role: 'host', token })).ok, 15_000);
    return s;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const n of nodes) await n.kill('SIGTERM');
    await redis.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('the owner killed mid-session: the stage opened on another node has every line in caption:history and numbers on from them', async () => {
    const a = await spawn();
    const onA = await hostOn(a);
    const lines = Array.from({ length: 5 }, (_, i) => `节点A第${i + 1}句`);
    for (const text of lines) await requestOk(onA, 'caption:send', { text });
    await a.kill('SIGKILL');

    const b = await spawn();
    const onB = await hostOn(b);
    const history = (await requestOk(onB, 'caption:history', {})).captions;
    expect(texts(history)).toEqual(lines);
    expect(seqs(history)).toEqual([1, 2, 3, 4, 5]);
    expect((await requestOk(onB, 'caption:send', { text: '节点B第一句' })).seq).toBe(6);
  });
});
