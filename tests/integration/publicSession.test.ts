import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Employer, Vacancy, VacancyCard } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';
import { requestOk } from '../harness/socketClient';
import { StageDriver } from '../harness/stage';

interface Doc {
  session: { status: string; title: string };
  vacancies: VacancyCard[];
  pinned: { seq: number; vacancy: VacancyCard | null };
}

describe('the public session document', () => {
  let server: TestServer;
  let stage: StageDriver;

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    stage = new StageDriver(server);
  });
  afterAll(async () => {
    stage.closeAll();
    await server.stop();
  });

  async function get(headers: Record<string, string> = {}): Promise<{ status: number; etag: string; cacheControl: string; doc: Doc | undefined }> {
    const res = await fetch(`${server.url}/api/public/sessions/demo`, { headers });
    const text = await res.text();
    return { status: res.status, etag: res.headers.get('etag') ?? '', cacheControl: res.headers.get('cache-control') ?? '', doc: text ? (JSON.parse(text) as Doc) : undefined };
  }

  test('is served with a strong ETag and a short public max-age, and answers 304 to a client holding it', async () => {
    const first = await get();
    expect(first.status).toBe(200);
    expect(first.etag).toMatch(/^"[^"]+"$/);
    expect(first.cacheControl).toMatch(/^public, max-age=\d+$/);
    const again = await get();
    expect(again.etag).toBe(first.etag);
    const held = await get({ 'if-none-match': first.etag });
    expect(held.status).toBe(304);
    expect(held.doc).toBeUndefined();
    expect(held.etag).toBe(first.etag);
    expect((await get({ 'if-none-match': '"something-else"' })).status).toBe(200);
  });

  test('is built once per change: fifty more GETs read nothing from the store', async () => {
    await get();
    const store = server.store as unknown as Record<string, (...args: unknown[]) => unknown>;
    let reads = 0;
    const originals = Object.fromEntries(['get', 'list', 'listPins'].map((m) => [m, store[m]!]));
    for (const [m, original] of Object.entries(originals)) {
      store[m] = (...args: unknown[]) => {
        reads++;
        return original.apply(server.store, args);
      };
    }
    try {
      const etags = new Set<string>();
      for (let i = 0; i < 50; i++) etags.add((await get()).etag);
      expect(etags.size).toBe(1);
      expect(reads).toBe(0);
    } finally {
      Object.assign(store, originals);
    }
  });

  test('editing a vacancy of the lineup: the next GET shows the edit under a new ETag', async () => {
    const bureau = await bureauClient(server.url);
    const before = await get();
    const target = before.doc!.vacancies[1]!;
    const vacancy = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies.find((v) => v.id === target.id)!;
    const { id: _id, createdAt: _c, flags: _f, review: _r, ...input } = vacancy;
    expect((await bureau.put(`/vacancies/${vacancy.id}`, { ...input, title: `${vacancy.title}（急招）` })).status).toBe(200);
    const after = await get();
    expect(after.doc!.vacancies[1]!.title).toBe(`${vacancy.title}（急招）`);
    expect(after.etag).not.toBe(before.etag);
    expect((await get({ 'if-none-match': before.etag })).status).toBe(200);

    // An employer's public facts are on every card of theirs.
    const employer = (await bureau.get<{ employers: Employer[] }>('/employers')).body.employers.find((e) => e.id === target.employer.id)!;
    expect((await bureau.patch(`/employers/${employer.id}`, { name: `${employer.name}集团` })).status).toBe(200);
    const renamed = await get();
    expect(renamed.doc!.vacancies[1]!.employer.name).toBe(`${employer.name}集团`);
    expect(renamed.etag).not.toBe(after.etag);
  });

  test('going live and each pin make a new document; a document nobody changed keeps its ETag', async () => {
    const scheduled = await get();
    const { socket: host } = await stage.join('demo', 'host');
    await expect.poll(async () => (await get()).doc!.session.status).toBe('live');
    const live = await get();
    expect(live.etag).not.toBe(scheduled.etag);
    const vacancyId = live.doc!.vacancies[0]!.id;
    const { seq } = await requestOk(host, 'vacancy:pin', { vacancyId });
    const pinned = await get();
    expect(pinned.doc!.pinned).toMatchObject({ seq, vacancy: { id: vacancyId } });
    expect(pinned.etag).not.toBe(live.etag);
    expect((await get()).etag).toBe(pinned.etag);
    await requestOk(host, 'vacancy:pin', { vacancyId: live.doc!.vacancies[2]!.id });
    expect((await get()).doc!.pinned.vacancy?.id).toBe(live.doc!.vacancies[2]!.id);

    // An answer joins the pinned card's FAQ, in the lineup and in what is pinned.
    const viewer = await stage.join('demo', 'viewer', undefined, { device: await stage.device() });
    const { question } = await requestOk(viewer.socket, 'question:ask', { text: '需要自带工具吗？' });
    const beforeAnswer = await get();
    await requestOk(host, 'question:answer', { questionId: question.id, text: '不需要，公司统一配发' });
    const answered = await get();
    expect(answered.etag).not.toBe(beforeAnswer.etag);
    expect(answered.doc!.pinned.vacancy?.faq.map((f) => f.answer)).toContain('不需要，公司统一配发');
    expect(answered.doc!.vacancies[2]!.faq.map((f) => f.answer)).toContain('不需要，公司统一配发');
    const rejoined = await requestOk(await stage.socket(), 'stage:join', { sessionId: 'demo', role: 'viewer' });
    expect(rejoined.pins.vacancy?.faq.map((f) => f.answer)).toContain('不需要，公司统一配发');
    await requestOk(host, 'vacancy:unpin', {});
    expect((await get()).doc!.pinned.vacancy).toBeNull();
  });
});
