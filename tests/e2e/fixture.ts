import { stageLeaseKey } from '../../server/src/cluster/stageLease';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser, type TestBrowser } from '../harness/browser';
import { startCluster, type ClusterNode, type TestCluster } from '../harness/cluster';
import { startTestServer, type TestServer } from '../harness/server';

/** A real server (with the demo fair) and Debian's Chromium for one e2e file, stopped after it. */
export function e2eFixture(env: Record<string, string> = {}): { readonly server: TestServer; readonly browser: TestBrowser } {
  let server: TestServer | undefined;
  let browser: TestBrowser | undefined;
  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', ...env });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('the e2e server is not started yet');
      return server;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not launched yet');
      return browser;
    },
  };
}

export interface E2eCluster {
  readonly cluster: TestCluster;
  readonly browser: TestBrowser;
  /** The node holding a session's stage now (its lease in Redis). */
  ownerOf(sessionId: string): Promise<ClusterNode>;
}

/** Three real nodes on one Redis behind nginx (see tests/harness/cluster.ts) and Chromium, for one e2e file. */
export function e2eClusterFixture(env: Record<string, string>): E2eCluster {
  let cluster: TestCluster | undefined;
  let browser: TestBrowser | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    // Chromium starts while the nodes do: neither needs the other.
    const launched = launchBrowser();
    const started = startCluster({ size: 3, env });
    [browser, cluster] = await Promise.all([launched, started]).catch(async (error: unknown) => {
      await Promise.allSettled([launched.then((b) => b.close()), started.then((c) => c.stop())]);
      throw error;
    });
    redis = new Redis(cluster.redis.url);
  }, 120_000);
  afterAll(async () => {
    redis?.disconnect();
    await browser?.close();
    await cluster?.stop();
  });
  const fixture: E2eCluster = {
    get cluster() {
      if (!cluster) throw new Error('the e2e cluster is not started yet');
      return cluster;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not launched yet');
      return browser;
    },
    async ownerOf(sessionId) {
      const lease = JSON.parse((await redis!.get(stageLeaseKey('cf:', sessionId))) ?? 'null') as { nodeId: string } | null;
      const node = fixture.cluster.nodes.find((n) => n.id === lease?.nodeId);
      if (!node) throw new Error(`no node holds the stage of ${sessionId} (lease: ${JSON.stringify(lease)})`);
      return node;
    },
  };
  return fixture;
}
