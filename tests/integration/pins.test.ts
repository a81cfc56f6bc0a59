import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PinsNow, Vacancy, VacancyCard } from '@chunfeng/shared/recruitment';
import { startTestServer, type TestServer } from '../harness/server';
import { request, requestOk, type TestSocket } from '../harness/socketClient';
import { StageDriver, nextEvent } from '../harness/stage';

type Pinned = { vacancy: VacancyCard; seq: number };

describe('pins are ordered and never missed', () => {
  let server: TestServer;
  let stage: StageDriver;
  let vacancies: Vacancy[];
  let sessions = 0;

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    stage = new StageDriver(server);
    vacancies = await server.store.list('vacancy');
  });
  afterAll(async () => {
    stage.closeAll();
    await server.stop();
  });

  /** A new live session with its host joined. */
  async function live(): Promise<{ id: string; host: TestSocket }> {
    const id = `pins-${++sessions}`;
    const { socket } = await stage.join(id, 'host');
    return { id, host: socket };
  }

  function record(socket: TestSocket): { events: Array<{ type: string; id: string; seq: number }> } {
    const events: Array<{ type: string; id: string; seq: number }> = [];
    socket.on('vacancy:pinned', ({ vacancy, seq }) => events.push({ type: 'pinned', id: vacancy.id, seq }));
    socket.on('vacancy:unpinned', ({ vacancyId, seq }) => events.push({ type: 'unpinned', id: vacancyId, seq }));
    return { events };
  }

  test('twenty pins clicked without waiting reach every viewer in click order, each with a higher sequence number, and the last one stays pinned', async () => {
    const { id, host } = await live();
    const viewers = await Promise.all(Array.from({ length: 5 }, () => stage.join(id, 'viewer')));
    const logs = viewers.map((v) => record(v.socket));
    const clicks = Array.from({ length: 20 }, (_, i) => vacancies[i % 5]!.id);
    const last = nextEvent<Pinned>(viewers[0]!.socket, 'vacancy:pinned', 10_000);
    const acks = await Promise.all(clicks.map((vacancyId) => requestOk(host, 'vacancy:pin', { vacancyId })));
    await last;
    await new Promise((r) => setTimeout(r, 200));
    expect(acks.map((a) => a.seq)).toEqual([...acks.map((a) => a.seq)].sort((x, y) => x - y));
    for (const { events } of logs) {
      expect(events.map((e) => e.id)).toEqual(clicks);
      // Moving to the next vacancy is one broadcast: no unpin in between.
      expect(events.every((e) => e.type === 'pinned')).toBe(true);
      expect(events.map((e) => e.seq)).toEqual(acks.map((a) => a.seq));
    }
    const open = (await server.store.listPins(id)).filter((p) => p.kind === 'vacancy' && p.unpinnedAt === null);
    expect(open.map((p) => p.itemId)).toEqual([clicks.at(-1)]);
    expect((await server.store.listPins(id)).filter((p) => p.kind === 'vacancy')).toHaveLength(20);
  });

  test('the join reply carries what is pinned now and its sequence number', async () => {
    const { id, host } = await live();
    const empty = await requestOk(await stage.socket(), 'stage:join', { sessionId: id, role: 'viewer' });
    expect(empty.pins).toEqual({ seq: 0, vacancy: null, policy: null });
    const { seq } = await requestOk(host, 'vacancy:pin', { vacancyId: vacancies[2]!.id });
    const joined = await requestOk(await stage.socket(), 'stage:join', { sessionId: id, role: 'viewer' });
    expect(joined.pins.seq).toBe(seq);
    expect(joined.pins.vacancy?.id).toBe(vacancies[2]!.id);
    expect(joined.pins.vacancy?.employer.name).toBeTruthy();
    expect(joined.pins.policy).toBeNull();
  });

  test('a viewer disconnected while the host pinned gets the current pin when it rejoins, without a new pin', async () => {
    const { id, host } = await live();
    await requestOk(host, 'vacancy:pin', { vacancyId: vacancies[0]!.id });
    const phone = await stage.socket();
    const first = await requestOk(phone, 'stage:join', { sessionId: id, role: 'viewer' });
    expect(first.pins.vacancy?.id).toBe(vacancies[0]!.id);
    phone.close(); // the phone drops (a tunnel, a weak cell)
    const moved = await requestOk(host, 'vacancy:pin', { vacancyId: vacancies[1]!.id });
    const back = await stage.socket();
    let heard = 0;
    back.on('vacancy:pinned', () => heard++);
    const again = await requestOk(back, 'stage:join', { sessionId: id, role: 'viewer', resume: { peerId: first.peerId, key: first.resumeKey } });
    expect(again.resumed).toBe(true);
    expect(again.pins).toMatchObject({ seq: moved.seq, vacancy: { id: vacancies[1]!.id } } satisfies Partial<Record<keyof PinsNow, unknown>>);
    expect(again.pins.seq).toBeGreaterThan(first.pins.seq);
    expect(heard).toBe(0);
  });

  test('a pin racing the end never leaves an open pin in an ended session (40 rounds, varied timing)', async () => {
    let refused = 0;
    for (let round = 0; round < 40; round++) {
      const { id, host } = await live();
      await requestOk(host, 'vacancy:pin', { vacancyId: vacancies[round % 5]!.id });
      const pin = request(host, 'vacancy:pin', { vacancyId: vacancies[(round + 1) % 5]!.id });
      if (round % 4 === 1) await new Promise((r) => setImmediate(r));
      if (round % 4 === 2) await new Promise((r) => setTimeout(r, 1));
      const policy = round % 4 === 3 ? request(host, 'policy:pin', { policyId: (await server.store.list('policy'))[0]!.id }) : undefined;
      const end = request(host, 'stage:end', {});
      const [pinAck, endAck] = await Promise.all([pin, end, policy]);
      expect(endAck.ok).toBe(true);
      if (!pinAck.ok) {
        expect(['SESSION_ENDED', 'NOT_JOINED']).toContain(pinAck.error.code);
        refused++;
      }
      expect(await server.service.sessionStatus(id)).toBe('ended');
      const pins = await server.store.listPins(id);
      expect(pins.filter((p) => p.unpinnedAt === null)).toEqual([]);
      expect((await server.service.pinsNow(id))).toMatchObject({ vacancy: null, policy: null });
    }
    console.log(`[measure] pin racing end: ${refused} of 40 pins refused as too late, none left open`);
  });
});
