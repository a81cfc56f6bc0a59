import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from './redis';

/**
 * A redis-server in cluster mode, one node holding all 16384 slots: it refuses (CROSSSLOT) any
 * command, transaction or script whose declared keys are in more than one slot, as a real cluster
 * does, while a plain client still reaches every key (no redirects, since every slot is here).
 */
export async function startClusterModeRedis(): Promise<TestRedis> {
  const server = await startRedis({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'] });
  const admin = new Redis(server.url);
  try {
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    for (let i = 0; ; i += 1) {
      const info = String(await admin.call('CLUSTER', 'INFO'));
      if (info.includes('cluster_state:ok')) break;
      if (i >= 100) throw new Error(`the one-node cluster did not come up: ${info.split('\n')[0]}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    await admin.quit();
  }
  return server;
}
