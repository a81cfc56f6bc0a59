import { afterAll, afterEach, beforeAll } from 'vitest';
import type { StageJoinResult } from '@chunfeng/shared/stage';
import { apiClient, signInCookie } from './api';
import { startCluster, type ClusterNode, type TestCluster } from './cluster';
import { TEST_METRICS_TOKEN } from './server';
import { connect, request, requestOk, type TestSocket } from './socketClient';

export const CLUSTER_SESSION = 'demo';

export interface ClusterStage {
  readonly cluster: TestCluster;
  readonly node: (id: string) => ClusterNode;
  /** A new phone: a device token from the API. */
  readonly device: () => Promise<string>;
  /** A socket straight to a node (bypassing nginx), as that phone; closed after the test. */
  readonly open: (url: string, device?: string) => Promise<TestSocket>;
  /** Joins the session as a viewer (taking a place back with its resume key when given one). */
  readonly join: (socket: TestSocket, resume?: { peerId: string; key: string }) => Promise<StageJoinResult>;
  /** A gauge or counter of a node's /metrics (NaN when it has none). */
  readonly metric: (node: ClusterNode, name: string) => Promise<number>;
}

/**
 * For a describe block: a three-node cluster (with `env`) whose demo session is live with its host
 * joined through node-a. The sockets a test opens leave the stage and close after it, and the cluster
 * stops after the block.
 */
export function useClusterStage(env: Record<string, string>): ClusterStage {
  let cluster: TestCluster | undefined;
  let host: TestSocket | undefined;
  const sockets: TestSocket[] = [];

  const fixture: ClusterStage = {
    get cluster(): TestCluster {
      if (!cluster) throw new Error('the cluster is not started yet');
      return cluster;
    },
    node: (id) => {
      const found = fixture.cluster.nodes.find((n) => n.id === id);
      if (!found) throw new Error(`no node ${id}`);
      return found;
    },
    device: async () => (await apiClient(fixture.node('node-a').url).post<{ token: string }>('/device')).body.token,
    open: async (url, device) => {
      const s = await connect(url, device ? { device } : {});
      sockets.push(s);
      return s;
    },
    join: (s, resume) => requestOk(s, 'stage:join', { sessionId: CLUSTER_SESSION, role: 'viewer', ...(resume ? { resume } : {}) }),
    metric: async (n, name) => {
      const text = await fetch(`${n.url}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } }).then((r) => r.text());
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return Number(line?.split(' ')[1] ?? NaN);
    },
  };

  beforeAll(async () => {
    cluster = await startCluster({ size: 3, env });
    const a = fixture.node('node-a').url;
    const cookie = await signInCookie(a);
    const hostToken = (await apiClient(a, undefined, { cookie }).post<{ token: string }>(`/sessions/${CLUSTER_SESSION}/host-link`)).body.token;
    host = await connect(a);
    await requestOk(host, 'stage:join', { sessionId: CLUSTER_SESSION, role: 'host', token: hostToken });
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) {
      if (s.connected) await request(s, 'stage:leave', {}, 3000).catch(() => undefined);
      s.close();
    }
    await new Promise((r) => setTimeout(r, 500));
  });
  afterAll(async () => {
    host?.close();
    await cluster?.stop();
  });
  return fixture;
}
