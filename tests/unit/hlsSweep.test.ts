import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../server/src/logger';
import { HlsService } from '../../server/src/media/hls/hlsService';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-03T10:00:00Z');

/** An HLS service over `dir`, as each node of a cluster has one over the shared HLS_DIR. */
const node = (dir: string): HlsService =>
  new HlsService({ dir, renditions: ['audio'], segmentSeconds: 1, pythonPath: 'python3', retentionDays: 30, logger: createLogger({ level: 'silent', pretty: false }), captionsOf: () => Promise.resolve([]) });

/** A recording on disk, as the encoder leaves it: its metadata and one segment. */
function recording(dir: string, sessionId: string, endedAt: string | null): void {
  fs.mkdirSync(path.join(dir, sessionId, 'audio'), { recursive: true });
  fs.writeFileSync(path.join(dir, sessionId, 'session.json'), JSON.stringify({ sessionId, startedAt: '2026-10-01T09:00:00Z', endedAt }));
  fs.writeFileSync(path.join(dir, sessionId, 'audio', 'seg_00000.ts'), 'x');
}

describe('removing replays past their retention from one HLS_DIR shared by several nodes', () => {
  test('each old replay is removed once, by one node; recent and unfinished ones stay', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-sweep-'));
    recording(dir, 'old-1', new Date(NOW - 31 * DAY).toISOString());
    recording(dir, 'old-2', new Date(NOW - 40 * DAY).toISOString());
    recording(dir, 'recent', new Date(NOW - 29 * DAY).toISOString());
    recording(dir, 'still-live', null);
    const [a, b, c] = [node(dir), node(dir), node(dir)];
    const removed = [a.sweep(NOW), b.sweep(NOW), c.sweep(NOW)];
    expect(removed.flat().sort()).toEqual(['old-1', 'old-2']);
    expect(fs.readdirSync(dir).sort()).toEqual(['recent', 'still-live']);
    expect(await a.hasReplay('recent')).toBe(true);
    expect(await b.hasReplay('old-1')).toBe(false);
    expect(await a.hasReplay('still-live')).toBe(false);
  });

  test('a directory a node claimed and left for 10 minutes (it died deleting it) is deleted by the next sweep of any node; a claim still moving is left to its node', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-sweep-'));
    recording(dir, 'old', new Date(NOW - 31 * DAY).toISOString());
    recording(dir, 'older', new Date(NOW - 32 * DAY).toISOString());
    fs.renameSync(path.join(dir, 'old'), path.join(dir, '.removing-dead-node'));
    fs.utimesSync(path.join(dir, '.removing-dead-node'), new Date(NOW - 11 * 60_000), new Date(NOW - 11 * 60_000));
    fs.renameSync(path.join(dir, 'older'), path.join(dir, '.removing-busy-node'));
    fs.utimesSync(path.join(dir, '.removing-busy-node'), new Date(NOW - 60_000), new Date(NOW - 60_000));
    expect(node(dir).sweep(NOW)).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual(['.removing-busy-node']);
  });

  test('a sweep over a directory that went away logs and returns nothing instead of throwing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-sweep-'));
    const service = node(dir);
    fs.rmSync(dir, { recursive: true });
    expect(service.sweep(NOW)).toEqual([]);
  });
});
