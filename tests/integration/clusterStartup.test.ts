import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { startRedis, type TestRedis } from '../harness/redis';
import { spawnServer, type ServerProcess } from '../harness/serverProcess';

const NODES = 3;
const ROUNDS = 5;
const SECRET = 'cluster-startup-test-secret-0123456789abcdef';

describe('start-up with several nodes on one Redis', () => {
  let redis: TestRedis;
  let admin: Redis;
  const dirs: string[] = [];
  let running: ServerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill('SIGKILL')));
    admin.disconnect();
    await redis.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test(`${NODES} nodes started at the same moment on an empty Redis create one admin, print one password and seed one copy of the demo fair (${ROUNDS} rounds)`, { timeout: 300_000 }, async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      await admin.flushall();
      running = await Promise.all(
        Array.from({ length: NODES }, (_, i) => {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-start-'));
          dirs.push(dir);
          return spawnServer({
            REDIS_URL: redis.url,
            AUTH_SECRET: SECRET,
            NODE_ID: `start-${round}-${i}`,
            DATA_DIR: dir,
            DEMO_DATA: 'true',
            HLS_ENABLED: 'false',
            // Generated and printed by whichever node creates the account.
            BUREAU_ADMIN_PASSWORD: undefined,
          });
        }),
      );
      const store = new RedisJobStore({ url: redis.url });
      try {
        const staff = await store.list('staff');
        expect(staff.map((s) => s.username), `round ${round}`).toEqual(['admin']);
        expect((await store.list('campaign')).length, `round ${round}: campaigns`).toBe(1);
        expect((await store.list('session')).map((s) => s.id), `round ${round}: sessions`).toEqual(['demo']);
        expect((await store.list('employer')).length, `round ${round}: employers`).toBe(5);
        expect((await store.list('vacancy')).length, `round ${round}: vacancies`).toBe(15);
        expect((await store.list('policy')).length, `round ${round}: policy cards`).toBe(3);
      } finally {
        await store.close();
      }
      // The password is printed once start-up has succeeded, which can reach the pipe just after the
      // "listening" line the harness waits for: wait for the first one, then count.
      const passwordCount = () => running.flatMap((p) => p.output.filter((line) => line.includes('Bureau admin account created'))).length;
      await expect.poll(passwordCount, { timeout: 5_000, interval: 50 }).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const passwordLines = running.flatMap((p) => p.output.filter((line) => line.includes('Bureau admin account created')));
      expect(passwordLines, `round ${round}: password lines`).toHaveLength(1);
      const seeded = running.filter((p) => p.output.some((line) => line.includes('"seeded demo data"')));
      expect(seeded, `round ${round}: nodes that seeded`).toHaveLength(1);
      await Promise.all(running.map((p) => p.kill('SIGTERM')));
      running = [];
    }
  });
});
