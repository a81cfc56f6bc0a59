import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { hashKey } from '../../server/src/domain/applications';
import { apiClient, applyBody, bureauClient } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';

interface Texted {
  phone: string;
  text: string;
  authorization: string | undefined;
  contentType: string | undefined;
}

/** A stand-in for a bureau's SMS gateway: records what the platform POSTs; `failing` makes it answer 502. */
async function startGateway(): Promise<{ url: string; texts: Texted[]; failing: { on: boolean }; close: () => Promise<void> }> {
  const texts: Texted[] = [];
  const failing = { on: false };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (failing.on) {
        res.writeHead(502).end();
        return;
      }
      const { phone, text } = JSON.parse(body) as { phone: string; text: string };
      texts.push({ phone, text, authorization: req.headers.authorization, contentType: req.headers['content-type'] });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/send`, texts, failing, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const codeIn = (text: string): string => /(\d{6})/.exec(text)![1]!;

describe('APPLY_VERIFY=sms: an application needs the code texted to its phone', () => {
  let server: TestServer;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let vacancy: Vacancy;
  let another: Vacancy;
  const api = () => apiClient(server.url);

  beforeAll(async () => {
    gateway = await startGateway();
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', APPLY_VERIFY: 'sms', SMS_WEBHOOK_URL: gateway.url, SMS_WEBHOOK_TOKEN: 'gateway-secret' });
    [vacancy, another] = (await (await bureauClient(server.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies as [Vacancy, Vacancy];
  });
  afterAll(async () => {
    await server.stop();
    await gateway.close();
  });

  test('without a code nothing is stored and the answer says a code is needed', async () => {
    const body = applyBody(vacancy.id, { phone: '13633330000' });
    const res = await api().post<{ error: { code: string } }>('/applications', body);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('VERIFICATION_REQUIRED');
    expect((await api().post<{ applications: unknown[] }>('/applications/mine', { items: [{ idempotencyKey: body.idempotencyKey }] })).body.applications).toEqual([]);
  });

  test('the code goes to the gateway as { phone, text } JSON with the bearer token; with it the application is stored, once', async () => {
    const phone = '13633330001';
    const sent = await api().post('/apply/verify', { phone: '136 3333 0001' });
    expect(sent).toEqual({ status: 200, body: { sent: true, expiresInSeconds: 300 } });
    const texted = gateway.texts.at(-1)!;
    expect(texted).toMatchObject({ phone, authorization: 'Bearer gateway-secret', contentType: 'application/json' });
    expect(texted.text).toMatch(/验证码是 \d{6}/);
    const code = codeIn(texted.text);
    // The code is at rest only as a hash: nowhere in the store in clear.
    expect(JSON.stringify(await server.store.list('phoneCode'))).not.toContain(code);
    expect(JSON.stringify(await server.store.list('phoneCode'))).not.toContain(phone);

    const body = applyBody(vacancy.id, { phone, code });
    expect((await api().post('/applications', body)).status).toBe(202);
    expect((await api().post<{ applications: unknown[] }>('/applications/mine', { items: [{ idempotencyKey: body.idempotencyKey }] })).body.applications).toHaveLength(1);
    // A retry of that same tap still gets its answer; the used code does not open another application.
    expect((await api().post('/applications', body)).status).toBe(202);
    const other = applyBody(another.id, { phone, code });
    expect((await api().post<{ error: { code: string } }>('/applications', other)).body.error.code).toBe('VERIFICATION_REQUIRED');
  });

  test('a key already answered stores nothing more under it: another phone and vacancy without a code get the same answer and no application', async () => {
    const phone = '13633330006';
    await api().post('/apply/verify', { phone });
    const first = applyBody(vacancy.id, { phone, code: codeIn(gateway.texts.at(-1)!.text) });
    expect((await api().post('/applications', first)).status).toBe(202);
    // A repeat of that phone under another key leaves a receipt under the new key (made here in the
    // store: a second code would take a minute to be sent).
    const repeatKey = `repeat-${crypto.randomUUID()}`;
    await server.store.put('receipt', { id: hashKey(repeatKey), receiptId: crypto.randomUUID(), vacancyId: vacancy.id, status: 'new', createdAt: new Date().toISOString() });
    const victim = '13633330007';
    for (const idempotencyKey of [repeatKey, first.idempotencyKey]) {
      const forged = { ...applyBody(another.id, { phone: victim, name: '冒名' }), idempotencyKey };
      expect(await api().post('/applications', forged)).toEqual({ status: 202, body: { received: true } });
    }
    const stored = await server.store.listApplications({});
    expect(stored.filter((a) => a.phone === victim)).toEqual([]);
    expect(stored.filter((a) => a.phone === phone)).toHaveLength(1);
  });

  test('wrong codes: five tries, then the code is dead even when right', async () => {
    const phone = '13633330002';
    await api().post('/apply/verify', { phone });
    const code = codeIn(gateway.texts.at(-1)!.text);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i += 1) expect((await api().post('/applications', applyBody(vacancy.id, { phone, code: wrong }))).status).toBe(403);
    const res = await api().post<{ error: { code: string; message: string } }>('/applications', applyBody(vacancy.id, { phone, code }));
    expect(res.body.error).toMatchObject({ code: 'VERIFICATION_REQUIRED', message: expect.stringContaining('too many') as string });
  });

  test('a phone gets a new code at most once a minute; a code does not work for another phone', async () => {
    const phone = '13633330003';
    expect((await api().post('/apply/verify', { phone })).status).toBe(200);
    const again = await api().post<{ error: { code: string; message: string } }>('/apply/verify', { phone });
    expect(again.status).toBe(429);
    expect(again.body.error.message).toMatch(/wait \d+ seconds/);
    const code = codeIn(gateway.texts.at(-1)!.text);
    expect((await api().post('/applications', applyBody(vacancy.id, { phone: '13633330004', code }))).status).toBe(403);
  });

  test('a gateway that fails is UNAVAILABLE, not a crash; a malformed phone is VALIDATION', async () => {
    gateway.failing.on = true;
    try {
      expect(await api().post('/apply/verify', { phone: '13633330005' })).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE' } } });
    } finally {
      gateway.failing.on = false;
    }
    expect(await api().post('/apply/verify', { phone: '12345' })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
  });
});

describe('APPLY_VERIFY=off (the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
  });
  afterAll(() => server.stop());

  test('no code is asked for, and the code endpoint does not exist', async () => {
    const vacancy = (await (await bureauClient(server.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
    expect((await apiClient(server.url).post('/applications', applyBody(vacancy.id))).status).toBe(202);
    expect((await apiClient(server.url).post('/apply/verify', { phone: '13633330009' })).status).toBe(404);
  });
});


describe('code requests share the per-network ceiling', () => {
  let server: TestServer;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gateway = await startGateway();
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', APPLY_VERIFY: 'sms', SMS_WEBHOOK_URL: gateway.url, APPLY_LIMIT_PER_BLOCK: '3' });
  });
  afterAll(async () => {
    await server.stop();
    await gateway.close();
  });

  test('past APPLY_LIMIT_PER_BLOCK a minute from one address block, codes are refused for any phone, and nothing is texted', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await apiClient(server.url).post('/apply/verify', { phone: `1363333010${i}` })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(gateway.texts).toHaveLength(3);
  });
});
