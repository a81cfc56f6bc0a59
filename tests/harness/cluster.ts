import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNginx, type NginxProcess } from './nginx';
import { startRedis, type TestRedis } from './redis';
import { repoRoot, TEST_METRICS_TOKEN } from './server';
import { spawnServer, type ServerProcess } from './serverProcess';

export interface ClusterNode {
  /** Its NODE_ID: `node-a`, `node-b`, … */
  id: string;
  /** The node itself, bypassing nginx. */
  url: string;
  process: ServerProcess;
  dataDir: string;
}

export interface TestCluster {
  /** nginx in front of every node. */
  url: string;
  nodes: ClusterNode[];
  redis: TestRedis;
  nginx: NginxProcess;
  /** The AUTH_SECRET every node shares. */
  secret: string;
  /** The one HLS_DIR every node writes and serves (a shared mount in a real cluster). */
  hlsDir: string;
  /**
   * Ends a node's process with the signal if it still runs (SIGKILL: a crash, SIGTERM: a clean stop)
   * and starts it again on the same port with the same data dir and environment.
   */
  restartNode(node: ClusterNode, signal?: NodeJS.Signals): Promise<void>;
  /** Stops nginx, every node still running and Redis, and removes their directories. */
  stop(): Promise<void>;
}

/**
 * deploy/nginx/cluster.conf with its CHANGE values pointed at a test: both node lists, the per-node
 * routes (each node's NODE_ID to its own upstream, the others as its backups), a free port, a cache
 * and a log under `dir`.
 */
export function clusterConf({ nodes, port, dir }: { nodes: Array<{ id: string; host: string }>; port: number; dir: string }): string {
  const conf = fs.readFileSync(path.join(repoRoot, 'deploy/nginx/cluster.conf'), 'utf8');
  const servers = nodes.map((n) => `    server ${n.host} max_fails=1 fail_timeout=5s;\n`).join('');
  const named = nodes.map((n, i) => `    ${n.id} chunfeng_node_${i + 1};\n`).join('');
  const perNode = nodes
    .map((n, i) => [
      `upstream chunfeng_node_${i + 1} {`,
      `    server ${n.host} max_fails=1 fail_timeout=5s;`,
      ...nodes.filter((o) => o !== n).map((o) => `    server ${o.host} backup;`),
      '}',
    ].join('\n'))
    .join('\n');
  let lists = 0;
  const region = (name: string, body: string) => (text: string): string => {
    const pattern = new RegExp(`(# ${name}:begin[^\\n]*\\n)[\\s\\S]*?( *# ${name}:end)`);
    if (!pattern.test(text)) throw new Error(`deploy/nginx/cluster.conf changed: no ${name} region`);
    return text.replace(pattern, (_m, begin: string, end: string) => `${begin}${body}${end}`);
  };
  const replaced = [region('named', named), region('node-upstreams', `${perNode}\n`)]
    .reduce((text, fill) => fill(text), conf)
    .replace(/(# nodes:begin[^\n]*\n)[\s\S]*?( *# nodes:end)/g, (_m, begin: string, end: string) => {
      lists += 1;
      return `${begin}${servers}${end}`;
    })
    .replace(/proxy_cache_path \/var\/cache\/nginx\/chunfeng /, `proxy_cache_path ${dir}/cache `)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`)
    .replace(/access_log \/var\/log\/nginx\/chunfeng\.access\.log /, `access_log ${dir}/access.log `);
  if (lists !== 2) throw new Error(`deploy/nginx/cluster.conf changed: expected 2 node lists, found ${lists}`);
  for (const needle of [`${dir}/cache`, `127.0.0.1:${port}`, `${dir}/access.log`]) {
    if (!replaced.includes(needle)) throw new Error(`deploy/nginx/cluster.conf changed: could not set ${needle}`);
  }
  return replaced;
}

/**
 * A cluster on this machine, all real: one Redis (append-only, fsync always), `size` server processes
 * sharing it, one AUTH_SECRET and one HLS_DIR (each with its own NODE_ID, DATA_DIR and port), and Debian's nginx
 * with deploy/nginx/cluster.conf in front. The first node starts alone and seeds the demo data when
 * `demoData` is set; the others start together after it. `env` is given to every node.
 */
export async function startCluster({ size = 3, env = {}, demoData = true }: { size?: number; env?: Record<string, string>; demoData?: boolean } = {}): Promise<TestCluster> {
  const redis = await startRedis();
  const secret = crypto.randomBytes(32).toString('base64url');
  const hlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-cluster-hls-'));
  const nodes: ClusterNode[] = [];
  let nginx: NginxProcess | undefined;
  const stop = async (): Promise<void> => {
    await nginx?.stop();
    await Promise.all(nodes.map((n) => n.process.kill('SIGTERM')));
    await redis.stop();
    for (const n of nodes) fs.rmSync(n.dataDir, { recursive: true, force: true });
    fs.rmSync(hlsDir, { recursive: true, force: true });
  };
  const nodeEnv = (id: string, dataDir: string, seed: boolean): Record<string, string> => ({
    REDIS_URL: redis.url,
    AUTH_SECRET: secret,
    NODE_ID: id,
    DATA_DIR: dataDir,
    HLS_DIR: hlsDir,
    TRUST_PROXY: 'loopback',
    DEMO_DATA: String(seed),
    HLS_ENABLED: 'false',
    METRICS_TOKEN: TEST_METRICS_TOKEN,
    ...env,
  });
  const startNode = async (index: number, seed: boolean): Promise<ClusterNode> => {
    const id = `node-${String.fromCharCode(97 + index)}`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `chunfeng-${id}-`));
    const server = await spawnServer(nodeEnv(id, dataDir, seed)).catch((error: unknown) => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw error;
    });
    const node = { id, url: server.url, process: server, dataDir };
    nodes.push(node);
    return node;
  };
  try {
    await startNode(0, demoData);
    await Promise.all(Array.from({ length: size - 1 }, (_, i) => startNode(i + 1, false)));
    nodes.sort((a, b) => a.id.localeCompare(b.id));
    const routes = nodes.map((n) => ({ id: n.id, host: new URL(n.url).host }));
    nginx = await startNginx({ site: ({ port, dir }) => clusterConf({ nodes: routes, port, dir }) });
  } catch (error) {
    await stop();
    throw error;
  }
  const restartNode = async (node: ClusterNode, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    await node.process.kill(signal);
    node.process = await spawnServer({ ...nodeEnv(node.id, node.dataDir, false), PORT: new URL(node.url).port });
  };
  return { url: nginx.url, nodes, redis, nginx, secret, hlsDir, restartNode, stop };
}
