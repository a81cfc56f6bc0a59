import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobStore } from '../../server/src/store/jobStore';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';

export interface StoreImplementation {
  name: string;
  /** A fresh store, how to open a second handle on the same data (a restart), and how to remove its files. */
  open: () => { store: JobStore; reopen: () => JobStore; cleanup: () => void };
}

/**
 * The job store's implementations a contract file runs on: the embedded store, Redis, and Redis in
 * cluster mode (every slot on one node: a script whose keys span two slots is refused).
 */
export function storeImplementations({ redisUrl, clusterUrl }: { redisUrl: string; clusterUrl: string }): StoreImplementation[] {
  const onRedis = (url: string, letter: string) => () => {
    const prefix = `${letter}${crypto.randomUUID().slice(0, 8)}:`;
    return { store: new RedisJobStore({ url, prefix }), reopen: () => new RedisJobStore({ url, prefix }), cleanup: () => undefined };
  };
  return [
    {
      name: 'embedded (SQLite)',
      open: () => {
        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-store-'));
        return { store: new SqliteJobStore({ dataDir }), reopen: () => new SqliteJobStore({ dataDir }), cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
      },
    },
    { name: 'Redis', open: onRedis(redisUrl, 't') },
    { name: 'Redis in cluster mode', open: onRedis(clusterUrl, 'c') },
  ];
}
