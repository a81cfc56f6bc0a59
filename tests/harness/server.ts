import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../../server/src/app';
import { loadConfig } from '../../server/src/config';
import { createLogger } from '../../server/src/logger';

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
 * Starts the real platform in this process on port 0 with a fresh data dir and real mediasoup
 * workers on free ports. `env` overrides any configuration variable.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-test-'));
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
    ...env,
  });
  const logger = createLogger({ level: config.logLevel, pretty: false });
  const server = await startServer(config, logger);
  return {
    ...server,
    dataDir,
    async stop() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
