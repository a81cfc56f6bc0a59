import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LiveSession, VacancyCard } from '@chunfeng/shared/recruitment';
import type { SessionStatistics } from '@chunfeng/shared/statistics';
import { apiClient, applyBody, bureauClient } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';

describe('promotion (送岗): the calendar entry and the share channels', () => {
  let server: TestServer;
  let bureau: Awaited<ReturnType<typeof bureauClient>>;
  let publicApi: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    bureau = await bureauClient(server.url);
    publicApi = apiClient(server.url);
  });
  afterAll(async () => {
    await server.stop();
  });

  const channels = async (sessionId = 'demo') => (await bureau.get<SessionStatistics>(`/statistics/sessions/${sessionId}`)).body.applications.byChannel;

  test('an unknown session has no calendar entry and counts no visit: a typed 404', async () => {
    const ics = await fetch(`${server.url}/api/public/sessions/no-such-session/calendar.ics`);
    expect(ics.status).toBe(404);
    expect(await ics.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const visit = await publicApi.post('/public/sessions/no-such-session/visit', { channel: 'wechat' });
    expect(visit).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  test('a ch that is not a channel is ignored (nothing counted, no error); a body that is not a channel text is a typed 400', async () => {
    const before = await channels();
    for (const channel of ['<script>alert(1)</script>', 'WECHAT', '', 'wechat ', 'constructor', '__proto__', 'x'.repeat(40)]) {
      expect(await publicApi.post(`/public/sessions/demo/visit`, { channel })).toEqual({ status: 200, body: { counted: false } });
    }
    for (const body of [{}, { channel: 1 }, { channel: ['sms'] }, { channel: { sms: true } }, { channel: 'x'.repeat(41) }, '"sms"']) {
      const reply = await publicApi.post('/public/sessions/demo/visit', body);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ error: { code: 'VALIDATION' } });
    }
    expect(await channels()).toEqual(before);
    // On the calendar entry a hostile ch is left out of the link, never an error.
    const ics = await (await fetch(`${server.url}/api/public/sessions/demo/calendar.ics?ch=%22%3E%3Cscript%3E`)).text();
    expect(ics).toContain(`\r\nURL:${server.url}/watch/demo\r\n`);
    const odd = await fetch(`${server.url}/api/public/sessions/demo/calendar.ics?ch=a&ch=b`);
    expect(odd.status).toBe(400);
  });

  test('visits and applications are tallied per channel; an apply with a channel that is not one is refused', async () => {
    const before = await channels();
    expect(await publicApi.post('/public/sessions/demo/visit', { channel: 'poster' })).toEqual({ status: 200, body: { counted: true } });
    expect(await publicApi.post('/public/sessions/demo/visit', { channel: 'poster' })).toEqual({ status: 200, body: { counted: true } });
    const { vacancies } = (await publicApi.get<{ vacancies: VacancyCard[] }>('/public/sessions/demo')).body;
    expect((await publicApi.post('/applications', applyBody(vacancies[0]!.id, { channel: 'poster' }))).status).toBe(202);
    expect((await publicApi.post('/applications', applyBody(vacancies[1]!.id))).status).toBe(202);
    const refused = await publicApi.post('/applications', applyBody(vacancies[2]!.id, { channel: 'tiktok' }));
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });

    const after = await channels();
    const of = (list: typeof after, channel: string) => list.find((c) => c.channel === channel)!;
    expect(of(after, 'poster')).toEqual({ channel: 'poster', viewers: of(before, 'poster').viewers + 2, applications: of(before, 'poster').applications + 1 });
    for (const other of ['wechat', 'sms', 'site']) expect(of(after, other)).toEqual(of(before, other));
    // The application without a channel counts in the total and in no channel.
    const stats = (await bureau.get<SessionStatistics>('/statistics/sessions/demo')).body.applications;
    expect(stats.total - stats.byChannel.reduce((n, c) => n + c.applications, 0)).toBeGreaterThanOrEqual(1);
    const campaign = (await publicApi.get<{ session: LiveSession }>('/public/sessions/demo')).body.session.campaignId;
    const campaignStats = (await bureau.get<{ applications: SessionStatistics['applications'] }>(`/statistics/campaigns/${campaign}`)).body.applications;
    expect(of(campaignStats.byChannel, 'poster').viewers).toBeGreaterThanOrEqual(2);
  });

  test('the calendar entry: text/calendar, one VEVENT with UID, DTSTART/DTEND in UTC, SUMMARY and URL; a title with commas, semicolons, a backslash and line breaks escaped; lines folded at 75 octets', async () => {
    const { session } = (await publicApi.get<{ session: LiveSession }>('/public/sessions/demo')).body;
    const title = '春风行动,招聘;专场\\第二场\n下午场\r\n电子厂、物流、餐饮、家政、保安、护工、快递、仓储、制衣、汽配岗位专场';
    const created = await bureau.post<{ session: LiveSession }>('/sessions', { campaignId: session.campaignId, title, scheduledAt: '2027-02-20T10:30:00+08:00' });
    expect(created.status).toBe(201);
    const res = await fetch(`${server.url}/api/public/sessions/${created.body.session.id}/calendar.ics?ch=sms`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const ics = await res.text();
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '').includes('\n')).toBe(false);
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const unfolded = ics.replace(/\r\n /g, '');
    const lines = unfolded.split('\r\n');
    expect(lines.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(1);
    expect(lines).toContain(`UID:session-${created.body.session.id}@chunfeng-live`);
    expect(lines).toContain('DTSTART:20270220T023000Z');
    expect(lines).toContain('DTEND:20270220T033000Z');
    expect(lines.some((l) => /^DTSTAMP:\d{8}T\d{6}Z$/.test(l))).toBe(true);
    expect(lines).toContain(`URL:${server.url}/watch/${created.body.session.id}?ch=sms`);
    const stored = (await publicApi.get<{ session: LiveSession }>(`/public/sessions/${created.body.session.id}`)).body.session.title;
    const escaped = stored.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
    expect(escaped).toContain('春风行动\\,招聘\\;专场\\\\第二场\\n下午场\\n');
    expect(lines).toContain(`SUMMARY:${escaped}`);
  });
});
