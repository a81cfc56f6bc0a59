import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Caption } from '@chunfeng/shared/stage';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';

describe('live captions', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.stop();
  });

  test('captions typed by the captioner reach 200 viewers, every line, in order', async () => {
    const host = await connect(server.url);
    sockets.push(host);
    await requestOk(host, 'stage:join', { sessionId: 'demo', role: 'host', token: await server.tokens.issue({ sid: 'demo', role: 'host', sub: 'h' }) });
    const invite = await requestOk(host, 'stage:invite', { role: 'captioner' });
    const captioner = await connect(server.url);
    sockets.push(captioner);
    await requestOk(captioner, 'stage:join', { sessionId: 'demo', role: 'captioner', token: invite.token });

    const viewers = await Promise.all(Array.from({ length: 200 }, () => connect(server.url)));
    sockets.push(...viewers);
    await Promise.all(viewers.map((v) => requestOk(v, 'stage:join', { sessionId: 'demo', role: 'viewer' })));
    // Viewers may not caption.
    expect(await request(viewers[0]!, 'caption:send', { text: '假字幕' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const lines = Array.from({ length: 20 }, (_, i) => `第${i + 1}句：欢迎参加春风行动直播招聘`);
    const received = viewers.map(
      (v) =>
        new Promise<Caption[]>((resolve) => {
          const got: Caption[] = [];
          v.on('caption', (c) => {
            got.push(c);
            if (got.length === lines.length) resolve(got);
          });
        }),
    );
    const started = performance.now();
    // Sent back to back, without waiting for each acknowledgement, as a fast typist would.
    const acks = lines.map((text) => requestOk(captioner, 'caption:send', { text }));
    expect((await Promise.all(acks)).map((a) => a.seq)).toEqual(lines.map((_, i) => i + 1));
    const all = await Promise.all(received);
    console.log(`[measure] 20 caption lines → all 200 viewers: ${(performance.now() - started).toFixed(0)} ms`);
    for (const got of all) {
      expect(got.map((c) => c.seq)).toEqual(lines.map((_, i) => i + 1));
      expect(got.map((c) => c.text)).toEqual(lines);
    }
    // Someone arriving later gets the recent lines.
    expect((await requestOk(viewers[1]!, 'caption:history', {})).captions).toHaveLength(20);
  });
});
