import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Ack } from '@chunfeng/shared/ack';
import type { VacancyCard, VacancyFunnelView } from '@chunfeng/shared/recruitment';
import type { Participant } from '@chunfeng/shared/stage';
import { apiClient } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';
import { deviceToken } from '../harness/stage';

const SESSION = 'demo';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every message of one event a socket receives, with when it arrived. */
function record<T>(socket: TestSocket, event: 'funnel:updated' | 'stage:hands'): Array<{ at: number; value: T }> {
  const seen: Array<{ at: number; value: T }> = [];
  (socket as unknown as { on(e: string, l: (v: T) => void): void }).on(event, (value) => seen.push({ at: performance.now(), value }));
  return seen;
}

/** The most messages per second in any one-second window: what the host's page had to handle. */
function peakPerSecond(times: number[]): number {
  let peak = 0;
  for (const [i, t] of times.entries()) peak = Math.max(peak, times.filter((u, j) => j >= i && u < t + 1000).length);
  return peak;
}

describe('the host page is not flooded (real server, real socket.io clients)', () => {
  let server: TestServer;
  let host: TestSocket;
  let lineup: VacancyCard[];
  const sockets: TestSocket[] = [];

  async function open(device?: string): Promise<TestSocket> {
    const s = await connect(server.url, device ? { device } : {});
    sockets.push(s);
    return s;
  }
  async function joinHost(): Promise<TestSocket> {
    const s = await open();
    const token = await server.tokens.issue({ sid: SESSION, role: 'host', sub: 'chief' });
    await requestOk(s, 'stage:join', { sessionId: SESSION, role: 'host', token });
    return s;
  }
  async function viewers(n: number): Promise<Array<{ socket: TestSocket; peerId: string }>> {
    return Promise.all(
      Array.from({ length: n }, async () => {
        // Raising a hand needs a device token.
        const socket = await open(await deviceToken(server));
        const { peerId } = await requestOk(socket, 'stage:join', { sessionId: SESSION, role: 'viewer' });
        return { socket, peerId };
      }),
    );
  }

  beforeAll(async () => {
    // Thousands of requests from one socket test the limits behind the edge; the per-socket event
    // bucket in front of them (tests/integration/flood.test.ts) is opened wide here.
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', SOCKET_EVENT_BURST: '1000000' });
    lineup = (await apiClient(server.url).get<{ vacancies: VacancyCard[] }>(`/public/sessions/${SESSION}`)).body.vacancies;
    host = await joinHost();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.stop();
  });

  test('91,000 card events for made-up vacancies are refused, grow the funnel by nothing and send the host nothing', async () => {
    const [viewer] = await viewers(1);
    const messages = record<unknown>(host, 'funnel:updated');
    const before = server.service.funnels.size();
    const codes = new Map<string, number>();
    const started = performance.now();
    for (let batch = 0; batch < 91; batch += 1) {
      const acks = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          request(viewer!.socket, 'card:event', { vacancyId: crypto.randomUUID(), step: i % 2 === 0 ? 'shown' : 'opened' }),
        ),
      );
      for (const ack of acks as Array<Ack<unknown>>) {
        const code = ack.ok ? 'ok' : ack.error.code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }
    const ms = performance.now() - started;
    await sleep(1200);
    console.log(
      `[measure] 91,000 card:event with made-up vacancy ids: ${(91_000 / (ms / 1000)).toFixed(0)} events/s answered, ` +
        `refused ${codes.get('NOT_FOUND') ?? 0}, funnel:updated to the host 0/s (${messages.length} in all)`,
    );
    expect(Object.fromEntries(codes)).toEqual({ NOT_FOUND: 91_000 });
    expect(server.service.funnels.size()).toEqual(before);
    expect(messages).toEqual([]);
  }, 90_000);

  test('a thousand card events in a second reach the host as at most about two messages a second, with the right final counts', async () => {
    const crowd = await viewers(34);
    const messages = record<{ funnel: VacancyFunnelView[] }>(host, 'funnel:updated');
    const started = performance.now();
    // Every viewer sees and opens every card of the lineup, and reports each twice: counted once.
    const acks = await Promise.all(
      crowd.flatMap(({ socket }) =>
        lineup.flatMap((v) => (['shown', 'opened', 'shown', 'opened'] as const).map((step) => request(socket, 'card:event', { vacancyId: v.id, step }))),
      ),
    );
    const sentMs = performance.now() - started;
    expect(acks.every((a) => a.ok)).toBe(true);
    const expected = (f: VacancyFunnelView | undefined) => f?.shown === crowd.length && f.opened === crowd.length;
    const merged = new Map<string, VacancyFunnelView>();
    for (let waited = 0; waited < 3000 && !lineup.every((v) => expected(merged.get(v.id))); waited += 50) {
      await sleep(50);
      for (const { value } of messages) for (const f of value.funnel) merged.set(f.vacancyId, f);
    }
    await sleep(1100);
    const times = messages.map((m) => m.at);
    const windowMs = Math.max(...times) - started;
    console.log(
      `[measure] ${acks.length} card:event (${crowd.length} viewers × ${lineup.length} vacancies × 4) sent in ${sentMs.toFixed(0)} ms → ` +
        `${messages.length} funnel:updated to the host over ${windowMs.toFixed(0)} ms (peak ${peakPerSecond(times)} in any second)`,
    );
    expect(peakPerSecond(times)).toBeLessThanOrEqual(2);
    expect(messages.length).toBeLessThanOrEqual(1 + Math.ceil(windowMs / 1000));
    // The latest state won: the host's merged view is the server's, every card seen and opened once per viewer.
    const funnel = (await requestOk(host, 'funnel:get', {})).funnel;
    for (const v of lineup) {
      expect(merged.get(v.id)).toMatchObject({ shown: crowd.length, opened: crowd.length });
      expect(funnel.find((f) => f.vacancyId === v.id)).toEqual(merged.get(v.id));
    }
  });

  test('a viewer toggling its hand 1,000 times, and fifty more raising and lowering, reach the host as at most about two messages a second, ending with the right hands', async () => {
    const [flooder] = await viewers(1);
    const crowd = await viewers(50);
    const messages = record<{ hands: Participant[] }>(host, 'stage:hands');
    const started = performance.now();
    const flood = Promise.all(Array.from({ length: 1000 }, (_, i) => request(flooder!.socket, 'hand:raise', { raised: i % 2 === 0 })));
    // Within their budget: up, down, up, down, and up again for the odd ones.
    const steps = (i: number): boolean[] => (i % 2 === 1 ? [true, false, true, false, true] : [true, false, true, false]);
    const others = Promise.all(
      crowd.map(async ({ socket }, i) => {
        for (const raised of steps(i)) await requestOk(socket, 'hand:raise', { raised });
      }),
    );
    const floodAcks = await flood;
    await others;
    const sentMs = performance.now() - started;
    const accepted = floodAcks.flatMap((a, i) => (a.ok ? [i] : []));
    const refused = floodAcks.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED').length;
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length + refused).toBe(1000);
    const flooderRaised = accepted.at(-1)! % 2 === 0;
    const expected = new Set([...crowd.filter((_, i) => i % 2 === 1).map((v) => v.peerId), ...(flooderRaised ? [flooder!.peerId] : [])]);

    await sleep(1500);
    const times = messages.map((m) => m.at);
    const windowMs = Math.max(...times) - started;
    console.log(
      `[measure] 1,000 hand toggles from one viewer (${accepted.length} accepted, ${refused} RATE_LIMITED) + ${crowd.length} viewers × 4–5 toggles in ${sentMs.toFixed(0)} ms → ` +
        `${messages.length} stage:hands to the host over ${windowMs.toFixed(0)} ms (peak ${peakPerSecond(times)} in any second)`,
    );
    expect(peakPerSecond(times)).toBeLessThanOrEqual(2);
    expect(messages.length).toBeLessThanOrEqual(1 + Math.ceil(windowMs / 1000));
    const last = new Set(messages.at(-1)!.value.hands.map((p) => p.peerId));
    expect(last).toEqual(expected);
    const stage = await server.directory.get(SESSION as never);
    expect(new Set(stage!.roster.hands().map((p) => p.peerId))).toEqual(expected);
  });

  test("closing the session's stage releases its funnel", async () => {
    expect(server.service.funnels.size().sessions).toBe(1);
    expect(server.service.funnels.size().viewers).toBeGreaterThan(0);
    const stage = await server.directory.get(SESSION as never);
    stage!.room.close('server-shutdown');
    expect(server.service.funnels.size()).toEqual({ sessions: 0, vacancies: 0, viewers: 0 });
    // Opened again, it counts from zero, and still only the session's own vacancies.
    host = await joinHost();
    const [viewer] = await viewers(1);
    expect(await request(viewer!.socket, 'card:event', { vacancyId: crypto.randomUUID(), step: 'shown' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await requestOk(viewer!.socket, 'card:event', { vacancyId: lineup[0]!.id, step: 'shown' });
    expect((await requestOk(host, 'funnel:get', {})).funnel).toEqual([expect.objectContaining({ vacancyId: lineup[0]!.id, shown: 1, opened: 0 })]);
  });
});
