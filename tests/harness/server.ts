import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../../server/src/app';
import { loadConfig } from '../../server/src/config';
import { createLogger } from '../../server/src/logger';
import { startRedis, type TestRedis } from './redis';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Stops the server and removes its data dir. */
  stop(): Promise<void>;
}

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const TEST_ADMIN_PASSWORD = 'test-admin-password';
/** The bearer token that reads /metrics and the /healthz details on a test server. */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789';

/**
 * The store the harness puts a server on when its test does not choose one (`REDIS_URL` in `env`):
 * `TEST_STORE=redis` (the integration-redis project) runs the whole server on Redis, otherwise the
 * embedded store.
 */
export const testStore: 'redis' | 'embedded' = process.env['TEST_STORE'] === 'redis' ? 'redis' : 'embedded';

// One Redis per data dir: a server's data is as private as its fresh data dir on the embedded store
// (files side by side and servers in one file never meet), and a server started again on the same
// DATA_DIR finds its data again, as a restart on the embedded store does. Without a key prefix in
// the server's configuration, a Redis of its own is what keeps two servers apart.
const redisByDataDir = new Map<string, TestRedis>();

async function redisFor(dataDir: string): Promise<TestRedis> {
  let redis = redisByDataDir.get(dataDir);
  if (!redis) {
    redis = await startRedis();
    redisByDataDir.set(dataDir, redis);
  }
  return redis;
}

async function releaseRedis(dataDir: string): Promise<void> {
  const redis = redisByDataDir.get(dataDir);
  redisByDataDir.delete(dataDir);
  await redis?.stop();
}

/**
 * Stops the Redis of every data dir a test chose itself (kept for a restart on it); run after each
 * file by the integration-redis project's setup file.
 */
export async function stopTestRedises(): Promise<void> {
  await Promise.all([...redisByDataDir.keys()].map(releaseRedis));
}

/**
 * Starts the real platform in this process on port 0 with a fresh data dir and real mediasoup
 * workers on free ports, on the store `testStore` names. `env` overrides any configuration variable.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-test-'));
  const storeDir = env['DATA_DIR'] ?? dataDir;
  const onRedis = testStore === 'redis' && env['REDIS_URL'] === undefined;
  const store = onRedis ? { REDIS_URL: (await redisFor(storeDir)).url } : {};
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
    LOG_PRETTY: 'false',
    MEDIA_WORKERS: '2',
    RTC_PORT: '0',
    CLIENT_DIST: path.join(repoRoot, 'client/dist'),
    BUREAU_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    METRICS_TOKEN: TEST_METRICS_TOKEN,
    // Each live stage would run an ffmpeg; only the tests about HLS turn it on.
    HLS_ENABLED: 'false',
    ...store,
    ...env,
  });
  const logger = createLogger({ level: config.logLevel, pretty: false });
  let server: RunningServer;
  try {
    server = await startServer(config, logger);
  } catch (error) {
    if (onRedis && storeDir === dataDir) await releaseRedis(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...server,
    dataDir,
    async stop() {
      await server.close();
      // A data dir the test chose keeps its Redis for a restart on it (stopTestRedises ends it).
      if (onRedis && storeDir === dataDir) await releaseRedis(dataDir);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
