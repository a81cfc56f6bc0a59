import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import { afterAll, describe, expect, test } from 'vitest';
import { freePort } from '../harness/ports';
import { repoRoot, TEST_METRICS_TOKEN } from '../harness/server';

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('scripts/cluster.sh: Redis, N nodes and nginx on one machine', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-cluster-sh-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('starts Redis (append-only, fsync always), two nodes on one secret and one HLS_DIR and nginx (a socket naming a node with ?node= goes to it), prints the URL and the generated admin password, and Ctrl+C stops them all', async () => {
    const [port, nodePort, redisPort] = [await freePort(), await freePort(), await freePort()];
    // Two consecutive node ports: the script gives node i the port CLUSTER_NODE_PORT + i - 1.
    if (!(await freePortAfter(nodePort))) return expect.fail(`port ${nodePort + 1} is taken; run again`);
    const child = spawn('bash', ['scripts/cluster.sh', '2'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        CLUSTER_SKIP_SETUP: '1',
        CLUSTER_DIR: dir,
        CLUSTER_PORT: String(port),
        CLUSTER_NODE_PORT: String(nodePort),
        CLUSTER_REDIS_PORT: String(redisPort),
        RTC_PORT: '0',
        HLS_ENABLED: 'true',
        METRICS_TOKEN: TEST_METRICS_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL within 60 s: ${stderr}`)), 60_000);
        readline.createInterface({ input: child.stdout }).on('line', (line) => {
          if (line.startsWith('http://')) {
            clearTimeout(timer);
            resolve(line.trim());
          }
        });
      });
      expect(url).toBe(`http://localhost:${port}`);
      // The admin password the first node generated, repeated by the script (the nodes log to files).
      for (let i = 0; i < 50 && !/password: \S+/.test(stderr); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
      const password = /Bureau admin account created.*password: (\S+)/.exec(stderr)?.[1];
      expect(password, stderr).toBeDefined();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/api/public/sessions/demo`)).status).toBe(200);
      for (const [i, p] of [nodePort, nodePort + 1].entries()) {
        const health = (await (await fetch(`http://127.0.0.1:${p}/healthz`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).json()) as {
          ok: boolean;
          node: string;
          checks: { bus: { ok: boolean; kind: string }; store: { kind: string }; hls: unknown };
        };
        expect(health).toMatchObject({ ok: true, node: `node-${i + 1}`, checks: { bus: { ok: true, kind: 'redis-streams' }, store: { kind: 'redis' } } });
        // Both write and serve HLS in the one directory of the cluster (each finds the other's mark there).
        expect(health.checks.hls).toMatchObject({ ok: true, dir: path.join(dir, 'hls'), notSharedWith: [] });
      }
      const redis = new Redis(`redis://127.0.0.1:${redisPort}`, { maxRetriesPerRequest: 1 });
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'always']);
      redis.disconnect();
      // The same secret on both nodes: a sign-in made through one is honoured by the other.
      const login = await fetch(`http://127.0.0.1:${nodePort}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${nodePort}` },
        body: JSON.stringify({ username: 'admin', password }),
      });
      const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
      expect((await fetch(`http://127.0.0.1:${nodePort + 1}/api/employers`, { headers: { cookie } })).status).toBe(200);
      // nginx's ?node= routes, filled in for both nodes: a socket naming a node is on that node.
      const sockets = ['node-1', 'node-2', 'node-2'].map((node) => io(url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { node } }));
      try {
        await Promise.all(sockets.map((s) => new Promise<void>((resolve, reject) => s.once('connect', () => resolve()).once('connect_error', reject))));
        const connections = await Promise.all([nodePort, nodePort + 1].map(async (p) => {
          const text = await (await fetch(`http://127.0.0.1:${p}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text();
          return Number(/^chunfeng_socket_connections (\d+)/m.exec(text)?.[1]);
        }));
        expect(connections).toEqual([1, 2]);
      } finally {
        for (const s of sockets) s.close();
      }
    } finally {
      child.kill('SIGINT');
      await exited;
    }
    for (const p of [port, nodePort, nodePort + 1, redisPort]) expect(await listening(p)).toBe(false);
  }, 90_000);
});

async function freePortAfter(port: number): Promise<boolean> {
  return !(await listening(port + 1));
}
