import fs from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Integration files that must have the machine to themselves: they measure time or CPU against a
 * bound (flood acks, scrypt timing, a memory footprint), encode video in real time, kill and restart
 * real processes and Redis, or load both cores on purpose. They run one at a time, after the others.
 */
const alone = [
  'applyFlow', 'benchSuites', 'captionsKept', 'cluster', 'clusterAudience', 'clusterCounters', 'clusterHls', 'clusterPlacement',
  'clusterRelaySeats', 'clusterStage', 'clusterStartup', 'credentials', 'durability', 'flood', 'hls', 'hlsFailover', 'hlsNginx',
  'hostFlood', 'redisOutage', 'relaySimulcast', 'remotePlaces', 'replayClips', 'rosterRelay', 'sessionMemory', 'signIn', 'sqliteWriter', 'storageHealth',
  'staleLiveSession', 'workerFailover',
].map((name) => `tests/integration/${name}.test.ts`);

/**
 * Browser files that never go live (no host camera, nothing to decode): consoles, forms, the viewer
 * page before go-live.
 * Two of them at a time (each its own server and Chromium); every other browser file runs alone.
 */
const lightPages = ['admin', 'adminPaging', 'applyPrivacy', 'campaignReport', 'crossOrigin', 'designSystem', 'deviceToken', 'employerConsole', 'jobZone', 'promotion'].map(
  (name) => `tests/e2e/${name}.test.ts`,
);

/**
 * Integration files whose servers the harness does not move to Redis (TEST_STORE=redis), each with
 * the reason. The integration-redis project runs every other integration file that starts a server
 * through the harness (`startTestServer`) with that server on Redis.
 */
const notOnRedis: Record<string, string> = {
  // Already run on Redis as well as on the embedded store, or on Redis alone.
  applicationPages: 'runs its pages on both stores itself',
  busOrdering: 'on a Redis of its own, with a slowed bus',
  captionsKept: 'runs on both stores itself, and kills and restarts Redis',
  redisOutage: 'is about Redis itself: stops and restarts it under a live server',
  remotePlaces: 'two nodes on a Redis of its own',
  sessionMemory: 'runs its cluster half on a Redis of its own; the rest measures memory against a bound',
  staleLiveSession: 'on a Redis of its own, killing nodes',
  // About the embedded store itself.
  storageHealth: 'a full disk and a read-only data dir under the embedded store',
  // Bound by time or CPU, or loading the machine: they need it alone (the `alone` group), and a
  // second run of them would double the slowest phase of the suite.
  applyFlow: 'needs the machine alone (times acknowledgements)',
  credentials: 'needs the machine alone (scrypt timing)',
  flood: 'needs the machine alone (times acks under a flood)',
  hls: 'needs the machine alone (real-time encoding)',
  hlsFailover: 'needs the machine alone (kills ffmpeg)',
  hlsNginx: 'needs the machine alone (real-time encoding behind nginx)',
  replayClips: 'needs the machine alone (real-time encoding, then ffmpeg clips)',
  hostFlood: 'needs the machine alone (times acks under a flood)',
  rosterRelay: 'needs the machine alone (a crowd of sockets against a relay interval)',
  signIn: 'needs the machine alone (scrypt timing)',
  workerFailover: 'needs the machine alone (kills media workers)',
};
const integrationDir = new URL('tests/integration/', import.meta.url);
const onRedis = fs
  .readdirSync(integrationDir)
  .filter((name) => name.endsWith('.test.ts') && !Object.hasOwn(notOnRedis, name.slice(0, -'.test.ts'.length)))
  .filter((name) => fs.readFileSync(new URL(name, integrationDir), 'utf8').includes('startTestServer('))
  .map((name) => `tests/integration/${name}`);

// A renamed file would otherwise slip into the wrong group unnoticed.
for (const file of [...alone, ...lightPages, ...Object.keys(notOnRedis).map((name) => `tests/integration/${name}.test.ts`)]) if (!fs.existsSync(new URL(file, import.meta.url))) throw new Error(`vitest.config.ts: ${file} (listed by name) does not exist`);

const e2e = { testTimeout: 90_000, hookTimeout: 90_000, retry: 1, pool: 'forks' as const };

/** Real processes on a shared 2-core machine. */
const integration = {
  globalSetup: ['tests/harness/redisGlobalSetup.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // A test that met a noisy neighbour gets one more try; one that fails twice fails the suite
  // (scripts/test.sh names the tests that needed it).
  retry: 1,
  pool: 'forks' as const,
  // Each file in a fresh process (isolate, the default): the flood tests measure an in-process
  // server's ack times, and after forty files in one process (isolate: false, tried) its heap made
  // them miss their bound twice in a row in a clean-clone run.
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          ...integration,
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...alone],
          // The rest are functional checks that wait on sockets, timers and one process each: two at
          // a time.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          ...integration,
          // The same files again with every harness server on Redis (issue 15: the whole server,
          // not only the store's contract suite, is tested on both stores).
          name: 'integration-redis',
          include: onRedis,
          env: { TEST_STORE: 'redis' },
          setupFiles: ['tests/harness/redisStoreSetup.ts'],
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
      {
        test: {
          ...integration,
          name: 'integration-alone',
          include: alone,
          maxWorkers: 1,
          sequence: { groupOrder: 3 },
        },
      },
      {
        test: {
          ...e2e,
          name: 'e2e',
          include: lightPages,
          maxWorkers: 2,
          sequence: { groupOrder: 4 },
        },
      },
      {
        test: {
          ...e2e,
          name: 'e2e-alone',
          include: ['tests/e2e/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...lightPages],
          maxWorkers: 1,
          sequence: { groupOrder: 5 },
        },
      },
    ],
  },
});
