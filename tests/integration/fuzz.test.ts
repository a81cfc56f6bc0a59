import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { AppError } from '@chunfeng/shared/errors';
import { requestSchemas, type RequestName } from '@chunfeng/shared/events';
import { malformedPayloads, nestedArraysJson } from '../harness/fuzz';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, rawRequest, request, requestOk, type TestSocket } from '../harness/socketClient';
import { registerSession } from '../harness/stage';

// Every acknowledgement must be one of these, whatever was sent.
const TypedAck = z.union([z.strictObject({ ok: z.literal(true), data: z.unknown() }), z.strictObject({ ok: z.literal(false), error: AppError })]);
const SESSION = 'fuzz-session';
const PER_EVENT = 200;

describe('no socket.io payload crashes or wedges the server', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  const escaped: unknown[] = [];
  const onEscape = (error: unknown): void => void escaped.push(error);
  const open = async (): Promise<TestSocket> => {
    const s = await connect(server.url);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    // The fuzz sends thousands of requests from one socket; the flood guard has tests of its own.
    server = await startTestServer({ MEDIA_WORKERS: '1', SOCKET_EVENT_BURST: '1000000', SOCKET_EVENTS_PER_SECOND: '100000' });
    await registerSession(server, SESSION);
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
  });
  afterAll(async () => {
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
    for (const s of sockets.splice(0)) s.close();
    await server.stop();
  });

  async function expectAlive(): Promise<void> {
    expect(escaped).toEqual([]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const probe = await open();
    expect(await request(probe, 'stage:join', { sessionId: 'no-such-session', role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    probe.close();
  }

  /** Sends every malformed payload of every event on `socket`; returns how many acks came back. */
  async function sweep(socket: TestSocket, role: string): Promise<number> {
    let acks = 0;
    for (const name of Object.keys(requestSchemas) as RequestName[]) {
      const payloads = malformedPayloads(requestSchemas[name], { count: PER_EVENT, seed: name.length * 7919 });
      expect(payloads.length).toBeGreaterThanOrEqual(PER_EVENT);
      const raw = socket as unknown as {
        emit(event: string, ...args: unknown[]): void;
        timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
      };
      const replies = await Promise.all(
        payloads.map((payload, i) => {
          // Every fifth payload comes with extra arguments before the acknowledgement.
          const args = i % 5 === 4 ? [payload, 'extra', 42, { toString: 'x' }] : [payload];
          return raw.timeout(10_000).emitWithAck(name, ...args).then(
            (ack) => ({ ack }),
            (error: unknown) => ({ ack: `no acknowledgement: ${String(error)}` }),
          );
        }),
      );
      for (const [i, { ack }] of replies.entries()) {
        const typed = TypedAck.safeParse(ack);
        expect(typed.success, `${role} ${name} #${i}: ${JSON.stringify(payloads[i])?.slice(0, 200)} → ${JSON.stringify(ack)}`).toBe(true);
        acks++;
      }
      // Without an acknowledgement (or with only an argument that is not one) nothing is answered and nothing breaks.
      for (const payload of payloads.slice(0, 20)) {
        raw.emit(name, payload);
        raw.emit(name);
        raw.emit(name, payload, 'not an ack');
      }
    }
    return acks;
  }

  test('the issue\'s crash payload for chat:send, { text: { length: { toString } } }, is answered VALIDATION before any join', async () => {
    const s = await open();
    expect(await request(s, 'chat:send', { text: { length: { toString: 'x' } }, displayName: 'x' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await request(s, 'chat:send', { text: { length: { toString: { toString: 'x' } } }, displayName: { valueOf: {} } })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    await expectAlive();
  });

  test(`every client event, sent ${PER_EVENT}+ malformed payloads by an unjoined socket, answers each with a typed Ack`, async () => {
    const s = await open();
    const acks = await sweep(s, 'unjoined');
    expect(acks).toBeGreaterThanOrEqual(PER_EVENT * Object.keys(requestSchemas).length);
    await expectAlive();
  });

  test(`… and as the host of a live session`, async () => {
    const s = await open();
    const token = await server.tokens.issue({ sid: SESSION, role: 'host', sub: 'fuzz-host' });
    await requestOk(s, 'stage:join', { sessionId: SESSION, role: 'host', token });
    await sweep(s, 'host');
    await expectAlive();
    // The stage is still up and the host still holds it.
    expect(await request(s, 'caption:history', {})).toMatchObject({ ok: true });
  });

  test(`… and as a viewer of that session`, async () => {
    const s = await open();
    await requestOk(s, 'stage:join', { sessionId: SESSION, role: 'viewer' });
    await sweep(s, 'viewer');
    await expectAlive();
    expect(await request(s, 'caption:history', {})).toMatchObject({ ok: true });
  });

  test('10,000-deep nesting is answered VALIDATION', async () => {
    const s = await open();
    const deep = nestedArraysJson(10_000);
    expect(await rawRequest(s, 'question:ask', deep)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await rawRequest(s, 'question:ask', `{"text":${deep}}`)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await rawRequest(s, 'chat:send', `{"text":{"length":{"toString":${deep}}},"displayName":"x"}`)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    await expectAlive();
  });

  test('a 1 MB payload is refused by the transport (that socket is closed) and nothing else notices', async () => {
    const bystander = await open();
    const s = await open();
    const closed = new Promise<string>((resolve) => s.once('disconnect', (reason) => resolve(reason)));
    s.emit('chat:send', { text: 'x'.repeat(1024 * 1024), displayName: 'x' }, () => undefined);
    expect(await closed).toMatch(/close/);
    expect(await request(bystander, 'chat:history', {})).toMatchObject({ ok: false, error: { code: 'NOT_JOINED' } });
    await expectAlive();
  });

  test('a handler that throws unexpectedly is answered INTERNAL and the server keeps serving', async () => {
    const original = server.service.sessionStatus.bind(server.service);
    server.service.sessionStatus = () => {
      throw new TypeError('injected fault');
    };
    try {
      const s = await open();
      expect(await request(s, 'stage:join', { sessionId: 'fuzz-other', role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    } finally {
      server.service.sessionStatus = original;
    }
    await expectAlive();
  });
});
