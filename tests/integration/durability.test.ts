import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { allApplications, apiClient, applyBody, bureauClient } from '../harness/api';
import { spawnServer, type ServerProcess } from '../harness/serverProcess';

describe('durability: a killed server keeps every acknowledged application', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-durable-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('SIGKILL in the middle of a burst of applies loses none that were acknowledged', async () => {
    server = await spawnServer({ DATA_DIR: dataDir, DEMO_DATA: 'true' });
    const bureau = await bureauClient(server.url);
    const vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    const url = server.url;
    const victim = server;

    const acknowledged: string[] = [];
    let killed: Promise<void> | undefined;
    const attempts = Array.from({ length: 120 }, async (_, i) => {
      try {
        const body = applyBody(vacancies[i % vacancies.length]!.id);
        const res = await apiClient(url).post('/applications', body);
        if (res.status === 202) acknowledged.push(body.phone);
        // Kill it hard once a good share has been acknowledged, with the rest still in flight.
        if (acknowledged.length === 40) killed ??= victim.kill('SIGKILL');
      } catch {
        // in flight when the process died: never acknowledged, so nothing was promised
      }
    });
    await Promise.all(attempts);
    await (killed ?? victim.kill('SIGKILL'));
    expect(acknowledged.length).toBeGreaterThanOrEqual(40);

    server = await spawnServer({ DATA_DIR: dataDir, DEMO_DATA: 'true' });
    const after = await bureauClient(server.url);
    const stored = new Set<string>((await allApplications(after)).map((a) => a.phone));
    const lost = acknowledged.filter((phone) => !stored.has(phone));
    console.log(`[measure] acknowledged before SIGKILL: ${acknowledged.length}; found after restart: ${acknowledged.length - lost.length}`);
    expect(lost).toEqual([]);
    // The demo data was not seeded twice.
    expect((await after.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies).toHaveLength(vacancies.length);
    // Two server starts and a burst: room for a loaded machine (nothing here is a timing claim).
  }, 90_000);
});
