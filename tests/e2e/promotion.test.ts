import fs from 'node:fs';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { VacancyCard } from '@chunfeng/shared/recruitment';
import type { SessionStatistics } from '@chunfeng/shared/statistics';
import { apiClient, bureauClient } from '../harness/api';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';

const PHONE = { width: 360, height: 640 };

/** Downloads what a link on the page gives, as the person tapping it would, and reads the file. */
async function download(page: Page, name: RegExp): Promise<{ file: string; bytes: Buffer }> {
  const [event] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
  const path = await event.path();
  return { file: event.suggestedFilename(), bytes: fs.readFileSync(path) };
}

/** The QR code in a PNG, decoded by jsQR (a decoder of its own: nothing of the code that drew it). */
function decodeQr(png: Buffer): { width: number; height: number; text: string | undefined } {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  return { width: image.width, height: image.height, text: code?.data };
}

/** An iCalendar file's VEVENT properties, lines unfolded and TEXT values unescaped (RFC 5545 §3.1, §3.3.11). */
function parseEvent(ics: string): Record<string, string> {
  expect(ics.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
  const lines = ics.replace(/\r\n[ \t]/g, '').split('\r\n');
  const start = lines.indexOf('BEGIN:VEVENT');
  const end = lines.indexOf('END:VEVENT');
  expect(lines[0]).toBe('BEGIN:VCALENDAR');
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  const props: Record<string, string> = {};
  for (const line of lines.slice(start + 1, end)) {
    const colon = line.indexOf(':');
    props[line.slice(0, colon)] = line.slice(colon + 1).replace(/\\(\\|;|,|n|N)/g, (_, c: string) => (c.toLowerCase() === 'n' ? '\n' : c));
  }
  return props;
}

const utc = (iso: string) => new Date(iso).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

describe('promotion (送岗): the share page, its poster, the calendar entry and the channels', () => {
  const fx = e2eFixture();

  test('the share page (at 360×640) shows the session and gives two posters whose QR code is the viewer page with ch=poster, and a calendar entry of the session', async () => {
    const { session, vacancies } = (await apiClient(fx.server.url).get<{ session: { id: string; title: string; scheduledAt: string }; vacancies: VacancyCard[] }>('/public/sessions/demo')).body;
    const sharer = await fx.browser.open(`${fx.server.url}/share/demo?ch=wechat`, { viewport: PHONE });
    const { page } = sharer;
    await page.getByRole('heading', { level: 1, name: session.title }).waitFor();
    for (const name of new Set(vacancies.map((v) => v.employer.name))) await page.getByRole('listitem').filter({ hasText: name }).first().waitFor();
    // The page's own channel goes on to the watch and calendar links.
    expect(await page.getByRole('link', { name: '进入直播间' }).getAttribute('href')).toBe('/watch/demo?ch=wechat');
    expect(await page.getByLabel('发到微信群的链接').inputValue()).toBe(`${fx.server.url}/watch/demo?ch=wechat`);
    expect(await page.getByLabel('短信内容').inputValue()).toContain(`${fx.server.url}/watch/demo?ch=sms`);

    const wechat = await download(page, /下载微信群海报/);
    expect(wechat.file).toBe('poster-demo-wechat.png');
    expect(decodeQr(wechat.bytes)).toEqual({ width: 750, height: 1334, text: `${fx.server.url}/watch/demo?ch=poster` });
    const print = await download(page, /下载打印海报/);
    expect(decodeQr(print.bytes)).toEqual({ width: 1240, height: 1754, text: `${fx.server.url}/watch/demo?ch=poster` });
    // Nothing on the phone-width page is wider than the screen (the preview scales down).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await seriousViolations(page)).toEqual([]);

    const calendarHref = await page.getByRole('link', { name: '加入日历' }).getAttribute('href');
    const res = await fetch(new URL(calendarHref!, fx.server.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const event = parseEvent(await res.text());
    expect(event).toMatchObject({
      UID: 'session-demo@chunfeng-live',
      DTSTART: utc(session.scheduledAt),
      DTEND: utc(new Date(Date.parse(session.scheduledAt) + 3_600_000).toISOString()),
      SUMMARY: session.title,
      URL: `${fx.server.url}/watch/demo?ch=wechat`,
    });
    expect(event['DESCRIPTION']).toContain(vacancies[0]!.employer.name);
    expect(sharer.errors).toEqual([]);
  });

  test('a viewer who came by ?ch=sms and applies is counted under sms, once however often the page is reloaded; a hostile ch is ignored', async () => {
    const bureau = await bureauClient(fx.server.url);
    const before = (await bureau.get<SessionStatistics>('/statistics/sessions/demo')).body.applications.byChannel;
    const sms = (list: typeof before) => list.find((c) => c.channel === 'sms')!;
    const { vacancies } = (await apiClient(fx.server.url).get<{ vacancies: VacancyCard[] }>('/public/sessions/demo')).body;

    // A number of its own per run: a retry of this test is a new applicant, not a duplicate tap.
    const phone = `137${String(Date.now()).slice(-8)}`;
    // The page is opened blank first, so the route below is in place before the viewer page can report.
    const viewer = await fx.browser.open('about:blank', { viewport: PHONE });
    const { page } = viewer;
    // The phone is reloaded after the server counted the visit but before the page had the answer:
    // the first visit's answer is held back until the reload has thrown the page away.
    let reached!: () => void;
    const counted = new Promise<void>((resolve) => (reached = resolve));
    let held = false;
    await page.route('**/api/public/sessions/demo/visit', async (route) => {
      const answer = await route.fetch();
      if (held) return route.fulfill({ response: answer });
      held = true;
      reached();
    });
    await page.goto(`${fx.server.url}/watch/demo?ch=sms`);
    await counted;
    await page.reload();
    await page.getByRole('region', { name: /本场岗位/ }).locator(`li[data-vacancy="${vacancies[0]!.id}"]`).getByRole('button', { name: '一键报名' }).click();
    const sheet = page.getByRole('dialog');
    await sheet.getByLabel('姓名', { exact: true }).fill('短信来的');
    await sheet.getByLabel('手机号', { exact: true }).fill(phone);
    await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
    await sheet.getByRole('button', { name: '提交报名' }).click();
    await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor({ timeout: 5000 });

    // A second phone with a channel that is not one: the page works and nothing is counted for it.
    const stranger = await fx.browser.open(`${fx.server.url}/watch/demo?ch=%3Cscript%3E`, { viewport: PHONE });
    await stranger.page.getByRole('region', { name: /本场岗位/ }).waitFor();

    const after = (await bureau.get<SessionStatistics>('/statistics/sessions/demo')).body.applications;
    expect(sms(after.byChannel)).toEqual({ channel: 'sms', viewers: sms(before).viewers + 1, applications: sms(before).applications + 1 });
    expect(after.byChannel.map((c) => c.channel)).toEqual(['wechat', 'sms', 'poster', 'site']);
    const stored = (await bureau.get<{ applications: Array<{ phone: string; channel?: string }> }>('/applications?sessionId=demo')).body.applications;
    expect(stored.find((a) => a.phone === phone)?.channel).toBe('sms');
    expect(viewer.errors).toEqual([]);
    expect(stranger.errors).toEqual([]);
  });
});
