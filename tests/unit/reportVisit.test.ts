import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { reportVisit } from '../../client/src/features/promotion/shareChannel';

describe('reportVisit: a viewer who came by a share link is reported once per browser and session', () => {
  const storage = new Map<string, string>();
  const posted: string[] = [];
  let answer: () => Promise<Response>;

  beforeEach(() => {
    storage.clear();
    posted.length = 0;
    answer = () => Promise.resolve(new Response('{"counted":true}', { status: 200 }));
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    });
    vi.stubGlobal('fetch', (url: string) => {
      posted.push(url);
      return answer();
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  test('a second load reports nothing', async () => {
    await reportVisit('demo', 'sms');
    await reportVisit('demo', 'sms');
    expect(posted).toEqual(['/api/public/sessions/demo/visit']);
  });

  test('the visit is marked before the request leaves: a load while the first is in flight reports nothing', async () => {
    let release!: () => void;
    answer = () => new Promise((resolve) => (release = () => resolve(new Response('{"counted":true}'))));
    const first = reportVisit('demo', 'wechat');
    await reportVisit('demo', 'wechat');
    expect(posted).toHaveLength(1);
    release();
    await first;
  });

  test('a refusal by the server takes the mark back (tried again next load); no answer at all keeps it (never counted twice)', async () => {
    answer = () => Promise.resolve(new Response('{"error":{"code":"RATE_LIMITED","message":"wait"}}', { status: 429 }));
    await expect(reportVisit('demo', 'poster')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    answer = () => Promise.reject(new TypeError('Failed to fetch'));
    await expect(reportVisit('demo', 'poster')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await reportVisit('demo', 'poster');
    expect(posted).toHaveLength(2);
  });
});
