import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { VacancyCard } from '@chunfeng/shared/recruitment';
import { apiClient } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, requestOk, type TestSocket } from '../harness/socketClient';
import { deviceToken } from '../harness/stage';

const SESSION = 'demo';

/**
 * The funnel counts each viewer once per card and step: a viewer is the phone (its device token's
 * family) or, without a token, the connection — not one join. Leaving and joining again (a script's
 * loop, or a phone reconnecting after its grace ran out) is the same viewer, so the host's counts
 * cannot be inflated, and a funnel held in Redis cannot be grown, by rejoining.
 */
describe('a viewer who joins again is counted once', () => {
  let server: TestServer;
  let host: TestSocket;
  let vacancyId: string;
  const sockets: TestSocket[] = [];
  const open = async (device?: string): Promise<TestSocket> => {
    const s = await connect(server.url, device ? { device } : {});
    sockets.push(s);
    return s;
  };
  const shown = async (): Promise<number> => (await requestOk(host, 'funnel:get', {})).funnel.find((f) => f.vacancyId === vacancyId)?.shown ?? 0;

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    vacancyId = (await apiClient(server.url).get<{ vacancies: VacancyCard[] }>(`/public/sessions/${SESSION}`)).body.vacancies[0]!.id;
    host = await open();
    await requestOk(host, 'stage:join', { sessionId: SESSION, role: 'host', token: await server.tokens.issue({ sid: SESSION, role: 'host', sub: 'chief' }) });
  });
  afterAll(async () => {
    for (const s of sockets.splice(0)) s.close();
    await server.stop();
  });

  test('one connection without a device token, joining and leaving five times, is one viewer', async () => {
    const s = await open();
    for (let i = 0; i < 5; i += 1) {
      await requestOk(s, 'stage:join', { sessionId: SESSION, role: 'viewer' });
      await requestOk(s, 'card:event', { vacancyId, step: 'shown' });
      await requestOk(s, 'stage:leave', {});
    }
    expect(await shown()).toBe(1);
  });

  test('one phone (device token) over three connections is one viewer; another phone is another', async () => {
    const before = await shown();
    const device = await deviceToken(server);
    for (let i = 0; i < 3; i += 1) {
      const s = await open(device);
      await requestOk(s, 'stage:join', { sessionId: SESSION, role: 'viewer' });
      await requestOk(s, 'card:event', { vacancyId, step: 'shown' });
      s.close();
    }
    expect(await shown()).toBe(before + 1);
    const other = await open(await deviceToken(server));
    await requestOk(other, 'stage:join', { sessionId: SESSION, role: 'viewer' });
    await requestOk(other, 'card:event', { vacancyId, step: 'shown' });
    expect(await shown()).toBe(before + 2);
  });
});
