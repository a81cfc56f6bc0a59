import { EventEmitter } from 'node:events';
import { describe, expect, test } from 'vitest';
import type { RecruitmentService } from '../../server/src/services/recruitment';
import { PublicSessions } from '../../server/src/transport/publicSessions';

/** A recruitment service whose public views are built by hand, one promise per build. */
function fakeService() {
  const service = new EventEmitter() as EventEmitter & { questions: EventEmitter; builds: number; title: string; release: Array<() => void>; held: boolean };
  service.questions = new EventEmitter();
  service.builds = 0;
  service.title = 'v1';
  service.release = [];
  service.held = false;
  Object.assign(service, {
    publicSession: async (sessionId: string) => {
      service.builds++;
      if (sessionId === 'missing') throw Object.assign(new Error('no such session'), { code: 'NOT_FOUND' });
      const title = service.title;
      if (service.held) await new Promise<void>((resolve) => service.release.push(resolve));
      return {
        session: { id: sessionId, title, lineup: [{ kind: 'vacancy', id: 'v1' }] },
        vacancies: [{ id: 'v1', employer: { id: 'e1' } }],
        policies: [],
        pinned: { seq: 0, vacancy: null, policy: null },
      };
    },
  });
  return service;
}

const docs = (service: ReturnType<typeof fakeService>, options: { maxAgeMs?: number; now?: () => number; capacity?: number } = {}) =>
  new PublicSessions({ service: service as unknown as RecruitmentService, recorded: false, ...options });

describe('PublicSessions', () => {
  test('builds a document once and serves the same bytes and ETag until something it shows changes', async () => {
    const service = fakeService();
    const cache = docs(service);
    const a = await cache.get('s');
    expect(await cache.get('s')).toBe(a);
    service.emit('changed', 'unrelated-vacancy');
    expect(await cache.get('s')).toBe(a);
    expect(service.builds).toBe(1);
    service.title = 'v2';
    service.emit('changed', 'e1'); // the employer of a card it shows
    const b = await cache.get('s');
    expect(b.body.toString()).toContain('v2');
    expect(b.etag).not.toBe(a.etag);
    expect(service.builds).toBe(2);
  });

  test('an answered question about a vacancy it shows makes a new document', async () => {
    const service = fakeService();
    const cache = docs(service);
    await cache.get('s');
    service.questions.emit('question', { question: { vacancyId: 'v1', sessionId: 's' }, change: 'voted' });
    await cache.get('s');
    expect(service.builds).toBe(1);
    service.questions.emit('question', { question: { vacancyId: 'v1', sessionId: 's' }, change: 'answered' });
    await cache.get('s');
    expect(service.builds).toBe(2);
  });

  test('a document built across a change to what it shows is served to those waiting for it but not kept', async () => {
    const service = fakeService();
    const cache = docs(service);
    service.held = true;
    const waiting = cache.get('s');
    await new Promise((r) => setImmediate(r));
    service.emit('changed', 'v1');
    service.held = false;
    for (const release of service.release.splice(0)) release();
    expect((await waiting).body.toString()).toContain('v1');
    await cache.get('s');
    expect(service.builds).toBe(2);
  });

  test('an unknown session is refused and nothing is kept for it', async () => {
    const service = fakeService();
    const cache = docs(service);
    await expect(cache.get('missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(cache.get('missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(service.builds).toBe(2);
  });

  test('with a maximum age (a store shared by several nodes) a document is built again once it is older', async () => {
    const service = fakeService();
    let now = 0;
    const cache = docs(service, { maxAgeMs: 5000, now: () => now });
    await cache.get('s');
    now = 5000;
    await cache.get('s');
    expect(service.builds).toBe(1);
    now = 5001;
    await cache.get('s');
    expect(service.builds).toBe(2);
  });

  test('keeps at most `capacity` documents, the least recently read going first; a dropped session is built again', async () => {
    const service = fakeService();
    const cache = docs(service, { capacity: 3 });
    for (let i = 0; i < 10; i++) await cache.get(`ended-${i}`);
    expect(cache.size).toBe(3);
    await cache.get('ended-7'); // read again: now the most recent
    await cache.get('new');
    expect(cache.size).toBe(3);
    const builds = service.builds;
    await cache.get('ended-7');
    await cache.get('ended-9');
    expect(service.builds).toBe(builds);
    await cache.get('ended-8'); // went when 'new' came
    expect(service.builds).toBe(builds + 1);
    cache.drop('ended-8');
    expect(cache.size).toBe(2);
    await cache.get('ended-8');
    expect(service.builds).toBe(builds + 2);
  });
});
