import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { JobZonePage } from '@chunfeng/shared/jobZone';
import type { LiveSession, Vacancy, VacancyCard } from '@chunfeng/shared/recruitment';
import { allApplications, apiClient, bureauClient } from '../harness/api';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';

const run = promisify(execFile);
const PHONE = { width: 360, height: 640 };
const repoRoot = path.resolve(import.meta.dirname, '../..');

/** The ids of the vacancies the page lists, in its order. */
const listed = (page: Page) => page.locator('li[data-vacancy]').evaluateAll((items) => items.map((li) => li.getAttribute('data-vacancy')));

describe('the online job zone (/jobs) on a phone', () => {
  const fx = e2eFixture();

  /** Every vacancy the API answers for a filter, walked through its pages. */
  async function expected(query: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams(query);
      if (cursor) params.set('cursor', cursor);
      const res: { status: number; body: JobZonePage } = await apiClient(fx.server.url).get<JobZonePage>(`/public/jobs?${params}`);
      expect(res.status).toBe(200);
      ids.push(...res.body.vacancies.map((v) => v.id));
      cursor = res.body.next;
    } while (cursor !== null);
    return ids;
  }

  /** Waits for the live region to announce `count` results and the list to show what the API answers for the page's address. */
  async function shows(page: Page, query: string): Promise<string[]> {
    const ids = await expected(query);
    await page.getByRole('status').filter({ hasText: `找到 ${ids.length} 个岗位` }).waitFor();
    await expect.poll(() => listed(page)).toEqual(ids.slice(0, 20));
    return ids;
  }

  test('filtered by district, a badge and accessibility through the URL, paged with show more, apply from the zone (stored as "zone", in the employer’s list), within the viewer page’s budget', async () => {
    const bureau = await bureauClient(fx.server.url);
    // Ten more vacancies in the demo session, so the board has a second page.
    const demo = (await apiClient(fx.server.url).get<{ session: LiveSession; vacancies: VacancyCard[] }>('/public/sessions/demo')).body;
    const employerId = demo.vacancies[0]!.employer.id;
    const added: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const res = await bureau.post<{ vacancy: Vacancy }>('/vacancies', { employerId, title: `装配工${i}`, headcount: 3, pay: { min: 4000, max: 5000, unit: 'month' }, hours: '8:00-17:00', location: '经开区春晖路18号' });
      added.push(res.body.vacancy.id);
    }
    expect((await bureau.put(`/sessions/demo/lineup`, [...demo.session.lineup, ...added.map((id) => ({ kind: 'vacancy', id }))])).status).toBe(200);

    const viewer = await fx.browser.open(`${fx.server.url}/jobs`, { viewport: PHONE });
    const { page } = viewer;
    await page.getByRole('heading', { level: 1, name: '线上招聘专区' }).waitFor();
    const all = await shows(page, '');
    expect(all).toHaveLength(25);
    expect(await page.evaluate(() => document.title)).toContain('线上招聘专区');
    // Nothing wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(await seriousViolations(page)).toEqual([]);

    // Show more says it brings the last five (not a page of 20), brings them, and focus goes to the first of them.
    await page.getByRole('button', { name: '再显示 5 个岗位' }).click();
    await expect.poll(() => listed(page)).toEqual(all);
    expect(await page.evaluate(() => document.activeElement?.closest('li')?.getAttribute('data-vacancy'))).toBe(all[20]);
    await expect.poll(() => page.getByRole('button', { name: /再显示|显示更多/ }).count()).toBe(0);

    // District: the address carries it, and the list is the API's for it.
    await page.getByLabel('区县').selectOption('经开区');
    await page.waitForURL((url) => url.searchParams.get('district') === '经开区');
    const district = await shows(page, 'district=经开区');
    expect(district.length).toBeGreaterThan(0);
    expect(district.length).toBeLessThan(all.length);

    // A badge on top of it.
    await page.getByRole('checkbox', { name: '爱心岗位' }).check();
    await page.waitForURL((url) => url.searchParams.get('badge') === 'love');
    const loved = await shows(page, 'district=经开区&badge=love');
    expect(loved.length).toBeGreaterThan(0);
    expect(loved.length).toBeLessThan(district.length);

    // Cleared, then accessibility alone.
    await page.getByRole('link', { name: '清除筛选' }).click();
    await shows(page, '');
    await page.getByRole('checkbox', { name: '轮椅可达' }).check();
    await page.waitForURL((url) => url.searchParams.get('access') === 'wheelchair-accessible');
    const wheelchair = await shows(page, 'access=wheelchair-accessible');
    expect(wheelchair.length).toBeGreaterThan(0);
    const zone = (await apiClient(fx.server.url).get<JobZonePage>('/public/jobs?access=wheelchair-accessible')).body.vacancies;
    expect(zone.every((v) => v.accessibility.includes('wheelchair-accessible'))).toBe(true);

    // The filtered board is a link: opened afresh, it shows the same, its box ticked.
    const shared = await fx.browser.open(page.url(), { viewport: PHONE });
    await shows(shared.page, 'access=wheelchair-accessible');
    expect(await shared.page.getByRole('checkbox', { name: '轮椅可达' }).isChecked()).toBe(true);
    // Each vacancy leads to its session: the demo session's viewer page.
    expect(await shared.page.locator(`li[data-vacancy="${wheelchair[0]}"] a`).getAttribute('href')).toBe('/watch/demo');
    await shared.close();

    // Apply to the first: the viewer's own sheet, sent with source "zone".
    const target = zone[0]!;
    await page.locator(`li[data-vacancy="${target.id}"]`).getByRole('button', { name: '一键报名' }).click();
    const sheet = page.getByRole('dialog');
    await sheet.getByLabel('姓名', { exact: true }).fill('专区报名');
    await sheet.getByLabel('手机号', { exact: true }).fill('13712348801');
    await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
    await sheet.getByRole('button', { name: '提交报名' }).click();
    await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor({ timeout: 10_000 });
    await sheet.getByRole('button', { name: '关闭' }).click();
    // This phone applied: the vacancy says so instead of offering the sheet again.
    await page.locator(`li[data-vacancy="${target.id}"]`).getByRole('button', { name: '已报名' }).waitFor();

    const stored = await allApplications(bureau, `vacancyId=${target.id}`);
    expect(stored).toEqual([expect.objectContaining({ name: '专区报名', phone: '13712348801', source: 'zone', sessionId: 'demo' })]);
    const invite = await bureau.post<{ path: string }>(`/employers/${target.employer.id}/invite`);
    const employer = await fx.browser.open(`${fx.server.url}${invite.body.path}`, { viewport: { width: 390, height: 844 } });
    await employer.page.getByText('专区报名').first().waitFor();
    await employer.close();
    expect(viewer.errors).toEqual([]);

    // What a phone downloads first to open /jobs stays within the viewer page's budget.
    const { stdout } = await run('node', ['scripts/bundle-size.mjs'], { cwd: repoRoot });
    expect(stdout).toMatch(/job zone \(\/jobs\) first load \(gzip\): [\d.]+ kB of a 250 kB budget/);
  });

  test('in English, the page and its filters are English; a hand-edited link with a bad value shows the whole board, not an error', async () => {
    const viewer = await fx.browser.open(`${fx.server.url}/jobs?badge=gold&pay=lots`, { viewport: PHONE });
    const { page } = viewer;
    const all = await shows(page, '');
    expect(all.length).toBeGreaterThan(0);
    await page.locator('.language-switch select').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Online job zone' }).waitFor();
    await page.getByRole('status').filter({ hasText: `${all.length} vacancies found` }).waitFor();
    expect(await page.evaluate(() => document.title)).toContain('Online job zone');
    await page.getByLabel('District').waitFor();
    expect(viewer.errors).toEqual([]);
  });
});
