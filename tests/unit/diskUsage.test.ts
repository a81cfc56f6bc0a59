import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { DiskUsage } from '../../server/src/media/hls/diskUsage';

describe('HLS disk usage, measured off the event loop', () => {
  const dirs: string[] = [];
  const tree = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-du-'));
    dirs.push(dir);
    fs.mkdirSync(path.join(dir, 's1', '720p'), { recursive: true });
    fs.writeFileSync(path.join(dir, 's1', 'master.m3u8'), 'x'.repeat(100));
    fs.writeFileSync(path.join(dir, 's1', '720p', 'seg0.ts'), 'x'.repeat(5_000));
    fs.writeFileSync(path.join(dir, 's1', '720p', 'seg1.ts'), 'x'.repeat(7_000));
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('counts every file of the tree, nested directories included', async () => {
    const reading = await new DiskUsage({ dir: tree() }).read();
    expect(reading).toMatchObject({ bytes: 12_100, partial: false });
  });

  test('serves a fresh reading without walking again, and walks again once it is older than maxAgeMs', async () => {
    const dir = tree();
    let now = 1_000;
    const usage = new DiskUsage({ dir, maxAgeMs: 10_000, clock: () => now });
    expect((await usage.read()).bytes).toBe(12_100);
    fs.writeFileSync(path.join(dir, 's1', '720p', 'seg2.ts'), 'x'.repeat(900));
    now += 9_999;
    expect((await usage.read()).bytes).toBe(12_100);
    now += 1;
    expect((await usage.read()).bytes).toBe(13_000);
  });

  test('requests arriving during a walk share it', async () => {
    const usage = new DiskUsage({ dir: tree() });
    const [a, b] = await Promise.all([usage.read(), usage.read()]);
    expect(a).toBe(b);
  });

  test('a tree larger than maxEntries is counted only that far and the reading says it is partial', async () => {
    const dir = tree();
    for (let i = 0; i < 20; i += 1) fs.writeFileSync(path.join(dir, `extra${i}.ts`), 'x'.repeat(10));
    const reading = await new DiskUsage({ dir, maxEntries: 5 }).read();
    expect(reading.partial).toBe(true);
    expect(reading.bytes).toBeLessThanOrEqual(50);
  });

  test('a directory that does not exist (yet) takes 0 bytes', async () => {
    expect(await new DiskUsage({ dir: path.join(os.tmpdir(), 'chunfeng-du-missing-dir') }).read()).toMatchObject({ bytes: 0, partial: false });
  });
});
