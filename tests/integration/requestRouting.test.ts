import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requestSchemas } from '@chunfeng/shared/events';
import { SocketState } from '../../server/src/transport/socketState';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, request, type TestSocket } from '../harness/socketClient';

describe('request routing per socket', () => {
  let server: TestServer;
  let client: TestSocket;

  beforeAll(async () => {
    server = await startTestServer({ MEDIA_WORKERS: '1' });
    client = await connect(server.url);
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  test('a connected socket holds no listener per request name, yet every request is answered with its Ack', async () => {
    const [serverSocket] = [...server.io.sockets.sockets.values()];
    expect(serverSocket).toBeDefined();
    const requestNames = Object.keys(requestSchemas);
    expect(requestNames.length).toBeGreaterThan(30);
    const listened = serverSocket!.eventNames().map(String);
    expect(listened.filter((name) => requestNames.includes(name))).toEqual([]);
    // Routed all the same: validated, then handled (an unjoined socket is told to join first).
    expect(await request(client, 'caption:history', {})).toMatchObject({ ok: false, error: { code: 'NOT_JOINED' } });
    expect(await request(client, 'chat:send', { text: { length: 1 } })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await request(client, 'stage:join', { sessionId: 'no-such-session', role: 'viewer' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  test('every socket shares the same listeners and keeps its state in one SocketState: no closures of its own', async () => {
    const other = await connect(server.url);
    try {
      const sockets = [...server.io.sockets.sockets.values()];
      expect(sockets).toHaveLength(2);
      for (const socket of sockets) expect(socket.data).toBeInstanceOf(SocketState);
      const [a, b] = sockets.map((socket) => socket.listeners('disconnect'));
      expect(a).toHaveLength(1);
      expect(a).toEqual(b);
      expect(a![0]).toBe(b![0]);
    } finally {
      other.close();
    }
  });

  test('an event that is no request goes unanswered and leaves the socket connected', async () => {
    await expect(request(client, 'no:such' as never, {}, 500)).rejects.toThrow();
    expect(await request(client, 'caption:history', {})).toMatchObject({ ok: false, error: { code: 'NOT_JOINED' } });
    expect(client.connected).toBe(true);
  });
});
