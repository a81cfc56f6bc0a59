import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { Vacancy, VacancyCard } from '@chunfeng/shared/recruitment';
import { apiClient, applyBody, bureauClient } from '../harness/api';
import type { TestPage } from '../harness/browser';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';
import { hostGoesLive } from './pages';
import { screenshot } from './screenshots';

const PHONE = { width: 360, height: 640 };

/** Fills and sends the open apply sheet; resolves with the outcome's text. */
async function submitSheet(page: Page, name: string, phone: string): Promise<string> {
  const sheet = page.getByRole('dialog');
  await sheet.getByLabel('姓名', { exact: true }).fill(name);
  await sheet.getByLabel('手机号', { exact: true }).fill(phone);
  await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
  await sheet.getByRole('button', { name: '提交报名' }).click();
  const outcome = sheet.getByRole('status').filter({ hasText: /报名成功|已报名过/ });
  await outcome.waitFor({ timeout: 5000 });
  return (await outcome.textContent()) ?? '';
}

const stored = (page: Page) =>
  page.evaluate(() => JSON.parse(localStorage.getItem('chunfeng.myApplications') ?? '[]') as Array<{ id: string; vacancyId: string; idempotencyKey: string }>);

describe('the viewer page as a job seeker walks it', () => {
  const fx = e2eFixture();

  test('before it goes live: the session title and its start time, the details toggle in the list, and the poster', async () => {
    const { session } = (await apiClient(fx.server.url).get<{ session: { title: string; scheduledAt: string } }>('/public/sessions/demo')).body;
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    const { page } = viewer;
    const heading = page.getByRole('heading', { level: 1 });
    await heading.filter({ hasText: session.title }).waitFor({ timeout: 10_000 });
    expect(await heading.locator('[lang="zh-CN"]').textContent()).toBe(session.title);
    await page.getByText(/^开播时间：/).waitFor();
    await page.getByRole('status').filter({ hasText: '直播尚未开始' }).waitFor({ timeout: 10_000 });

    // The list's details toggle opens insurance, benefits and requirements, as on the pinned card.
    const vacancies = (await (await bureauClient(fx.server.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    const detailed = vacancies.find((v) => v.insurance.length > 0)!;
    const item = page.getByRole('region', { name: /本场岗位/ }).locator(`li[data-vacancy="${detailed.id}"]`);
    await item.waitFor({ timeout: 10_000 });
    expect(await item.getByText('保险', { exact: true }).count()).toBe(0);
    const toggle = item.getByRole('button', { name: '查看详情' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await item.getByText('保险', { exact: true }).waitFor();
    expect(await item.textContent()).toContain(detailed.insurance[0]);
    expect(await toggle.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'viewer-before-live-phone');

    // The stage's poster: tiny, no play button to tap, no words to translate.
    const poster = await (await fetch(`${fx.server.url}/poster.svg`)).text();
    expect(poster.length).toBeLessThan(1024);
    expect(poster).not.toMatch(/<text|#b91c1c/);
    expect(await page.locator('img.stage-poster').getAttribute('alt')).toBe('');
    expect(viewer.errors).toEqual([]);
  });

  test('a filter that hides every vacancy offers to clear the filters', async () => {
    const { vacancies } = (await apiClient(fx.server.url).get<{ vacancies: VacancyCard[] }>('/public/sessions/demo')).body;
    // A district and an accessibility fact that no vacancy of that district has, each shown on its own.
    const facts = ['wheelchair-accessible', 'sign-language-friendly', 'suitable-for-disabled', 'accessible-toilet'] as const;
    const districts = [...new Set(vacancies.map((v) => v.employer.district))];
    let combo: { district: string; fact: string } | undefined;
    for (const district of districts) {
      const fact = facts.find((f) => vacancies.some((v) => v.accessibility.includes(f)) && !vacancies.some((v) => v.employer.district === district && v.accessibility.includes(f)));
      if (fact) combo = { district, fact };
      if (combo) break;
    }
    expect(combo).toBeDefined();
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    const list = viewer.page.getByRole('region', { name: /本场岗位/ });
    await list.locator('li[data-vacancy]').first().waitFor({ timeout: 10_000 });
    expect(await list.getByRole('button', { name: '清除筛选' }).count()).toBe(0);
    await list.getByLabel('区县').selectOption(combo!.district);
    await list.getByLabel('无障碍').selectOption(combo!.fact);
    await list.getByRole('status').filter({ hasText: '显示 0 个岗位' }).waitFor();
    expect(await seriousViolations(viewer.page)).toEqual([]);
    await list.getByRole('button', { name: '清除筛选' }).click();
    await list.getByRole('status').filter({ hasText: `显示 ${vacancies.length} 个岗位` }).waitFor();
    expect(await list.locator('li[data-vacancy]').count()).toBe(vacancies.length);
    expect(await list.getByLabel('区县').inputValue()).toBe('');
    expect(await list.getByLabel('无障碍').inputValue()).toBe('');
    // The button went with the empty result; focus did not go with it.
    expect(await list.getByLabel('区县').evaluate((el) => el === document.activeElement)).toBe(true);
    expect(viewer.errors).toEqual([]);
  });

  test('applying twice to one vacancy (two tabs of one phone) keeps the first entry and its key: status and withdraw still work', async () => {
    const vacancy = (await (await bureauClient(fx.server.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[3]!;
    const first = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    // A second tab of the same phone: same storage.
    const second = await first.context.newPage();
    const secondErrors: string[] = [];
    second.on('console', (msg) => msg.type() === 'error' && secondErrors.push(msg.text()));
    await second.goto(`${fx.server.url}/watch/demo`);
    const applyIn = (page: Page) => page.getByRole('region', { name: /本场岗位/ }).locator(`li[data-vacancy="${vacancy.id}"]`).getByRole('button', { name: '一键报名' });
    await applyIn(first.page).click();
    await applyIn(second).click();

    expect(await submitSheet(first.page, '两次报名', '13712340001')).toContain('报名成功');
    const [entry] = await stored(first.page);
    expect(entry).toMatchObject({ vacancyId: vacancy.id });
    expect(await submitSheet(second, '两次报名', '13712340001')).toContain('已报名过');
    // The "already" answer did not overwrite the entry with the second sheet's key.
    expect(await stored(second)).toEqual([entry]);

    for (const page of [first.page, second]) {
      await page.getByRole('dialog').getByRole('button', { name: '关闭' }).click();
      const mine = page.getByRole('region', { name: '我的报名（本机）' });
      await mine.locator(`li[data-application="${entry!.id}"]`).filter({ hasText: '新投递' }).waitFor({ timeout: 5000 });
      // And the vacancy now says it is applied to, in the list, without opening a second sheet.
      const applied = page.getByRole('region', { name: /本场岗位/ }).locator(`li[data-vacancy="${vacancy.id}"]`).getByRole('button', { name: '已报名' });
      expect(await applied.getAttribute('aria-disabled')).toBe('true');
      // A tap (or Enter) opens no second sheet: it shows where the application stands.
      await applied.focus();
      await page.keyboard.press('Enter');
      await applied.click({ force: true });
      expect(await page.getByRole('dialog').count()).toBe(0);
      expect(await mine.getByRole('heading', { name: '我的报名（本机）' }).evaluate((el) => el === document.activeElement)).toBe(true);
    }
    await first.page.getByRole('region', { name: '我的报名（本机）' }).getByRole('button', { name: '撤回报名' }).click();
    await first.page.locator(`li[data-application="${entry!.id}"]`).filter({ hasText: '已撤回' }).waitFor({ timeout: 5000 });
    expect([...first.errors, ...secondErrors]).toEqual([]);
  });

  test('applying with a number that applied elsewhere looks exactly like a new application (nothing of the stored one is shown); an entry the server does not know shows 进度暂不可查', async () => {
    const vacancy = (await (await bureauClient(fx.server.url)).get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[5]!;
    const elsewhere = await apiClient(fx.server.url).post('/applications', applyBody(vacancy.id, { phone: '13712340002' }));
    expect(elsewhere.status).toBe(202);
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    const { page } = viewer;
    await page.getByRole('region', { name: /本场岗位/ }).locator(`li[data-vacancy="${vacancy.id}"]`).getByRole('button', { name: '一键报名' }).click();
    expect(await submitSheet(page, '别处报名', '13712340002')).toContain('报名成功');
    // This phone keeps its own receipt (withdrawable by it alone); the application made elsewhere is untouched.
    const [receipt] = await stored(page);
    expect(receipt).toMatchObject({ vacancyId: vacancy.id });
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).click();
    await page.getByRole('region', { name: '我的报名（本机）' }).locator(`li[data-application="${receipt!.id}"]`).filter({ hasText: '新投递' }).waitFor({ timeout: 5000 });
    const forPhone = (await (await bureauClient(fx.server.url)).get<{ applications: Array<{ phone: string; name: string }> }>(`/applications?vacancyId=${vacancy.id}`)).body.applications.filter((a) => a.phone === '13712340002');
    expect(forPhone.map((a) => a.name)).toEqual(['王小明']);

    // An entry whose key the server does not accept (such as one the old bug overwrote) is not "loading" for ever.
    await page.evaluate((v) => {
      const entry = { id: 'not-a-known-application', vacancyId: v.id, title: v.title, employer: '某单位', idempotencyKey: crypto.randomUUID(), at: new Date().toISOString() };
      localStorage.setItem('chunfeng.myApplications', JSON.stringify([entry]));
    }, { id: vacancy.id, title: vacancy.title });
    await page.reload();
    const entry = page.getByRole('region', { name: '我的报名（本机）' }).locator('li[data-application="not-a-known-application"]');
    await entry.filter({ hasText: '进度暂不可查' }).waitFor({ timeout: 10_000 });
    expect(await entry.getByRole('button').count()).toBe(0);
    expect(viewer.errors).toEqual([]);
  });

  test('live: the pinned card says "applied" for a vacancy applied to; when the host ends, a thank-you card links to the replay and other sessions, and no stale card stays', async () => {
    const bureau = await bureauClient(fx.server.url);
    const vacancy = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[6]!;
    const hostLink = await bureau.post<{ path: string }>('/sessions/demo/host-link');
    const host = await hostGoesLive(fx.browser, `${fx.server.url}${hostLink.body.path}`);
    // Pinned once whatever came before (a retry of this test finds it pinned: its button then unpins).
    const pinButton = host.page.getByRole('button', { name: new RegExp(`^(取消)?置顶 ${vacancy.title}$`) });
    await pinButton.waitFor({ timeout: 10_000 });
    if ((await pinButton.getAttribute('aria-pressed')) !== 'true') await pinButton.click();

    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    const { page } = viewer;
    await page.getByRole('status').filter({ hasText: '直播中' }).waitFor({ timeout: 15_000 });
    // Live, the start time is no longer news.
    expect(await page.getByText(/^开播时间：/).count()).toBe(0);
    const card = page.locator(`article.pinned-card[data-vacancy="${vacancy.id}"]`);
    await card.waitFor({ timeout: 10_000 });
    // At 360×640 the card sits under the video: its 一键报名 is on the screen without a scroll.
    const apply = card.getByRole('button', { name: '一键报名' });
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    const box = (await apply.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
    expect(await apply.evaluate((el) => { const r = el.getBoundingClientRect(); return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === el || el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)); })).toBe(true);
    await apply.click();
    expect(await submitSheet(page, '置顶报名', '13712340003')).toContain('报名成功');
    await page.getByRole('dialog').getByRole('button', { name: '关闭' }).click();
    const applied = card.getByRole('button', { name: '已报名' });
    await applied.waitFor();
    await screenshot(page, 'viewer-pinned-applied-phone', { fullPage: false });
    expect(await applied.getAttribute('aria-disabled')).toBe('true');
    expect(await card.getByRole('button', { name: '一键报名' }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    await host.page.getByRole('button', { name: '结束直播' }).click();
    await host.page.getByRole('button', { name: '确认结束' }).click();
    const ended = page.getByRole('region', { name: /本场直播已结束/ });
    await ended.waitFor({ timeout: 10_000 });
    await checkEnded(viewer, ended);
    await screenshot(page, 'viewer-ended-phone');

    // Opened after the end: the same card, not "not started yet".
    const later = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    const laterEnded = later.page.getByRole('region', { name: /本场直播已结束/ });
    await laterEnded.waitFor({ timeout: 10_000 });
    await checkEnded(later, laterEnded);
    expect(await later.page.getByText(/直播尚未开始/).count()).toBe(0);
    expect(await later.page.getByText(/^开播时间：/).count()).toBe(0);
    expect(host.errors).toEqual([]);

    async function checkEnded(p: TestPage, region: ReturnType<Page['getByRole']>): Promise<void> {
      // Nothing is recorded with HLS off (as in this harness): no replay link to a page that would say so.
      expect(await region.getByRole('link', { name: '看回放' }).count()).toBe(0);
      expect(await region.getByRole('link', { name: '看看其他场次' }).getAttribute('href')).toBe('/');
      expect(await p.page.locator('article.pinned-card').count()).toBe(0);
      expect(await p.page.getByText('正在推荐的岗位').count()).toBe(0);
      // The vacancies outlive the broadcast: still listed, still open to apply.
      await p.page.getByRole('region', { name: /本场岗位/ }).locator('li[data-vacancy]').first().waitFor({ timeout: 10_000 });
      expect(await seriousViolations(p.page)).toEqual([]);
      expect(p.errors).toEqual([]);
    }
  });

  test('a /watch/ link to a session that does not exist says so and leads to the landing page', async () => {
    const viewer = await fx.browser.open(`${fx.server.url}/watch/no-such-session`, { viewport: PHONE });
    const { page } = viewer;
    await page.getByRole('heading', { level: 1, name: '找不到这场直播' }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole('link', { name: '查看全部直播' }).getAttribute('href')).toBe('/');
    // Not the waiting page: no chat, no questions, no "please wait".
    expect(await page.getByRole('region', { name: '聊天' }).count()).toBe(0);
    expect(await page.getByRole('region', { name: '提问' }).count()).toBe(0);
    expect(await page.getByText(/直播尚未开始/).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'viewer-not-found-phone');
    // The one console error is Chromium reporting the API's 404 that the page turned into this state.
    expect(viewer.errors).toEqual([expect.stringContaining('404')]);
  });
});

describe('the landing page with nothing to show', () => {
  const fx = e2eFixture({ DEMO_DATA: 'false' });

  test('says there is nothing live, upcoming or replayed, instead of an empty page', async () => {
    const landing = await fx.browser.open(`${fx.server.url}/`, { viewport: PHONE });
    const empty = landing.page.getByRole('region', { name: '现在没有直播，也没有回放' });
    await empty.waitFor({ timeout: 10_000 });
    expect(await empty.textContent()).toContain('请过几天再来看看');
    expect(await seriousViolations(landing.page)).toEqual([]);
    await screenshot(landing.page, 'landing-empty-phone');
    expect(landing.errors).toEqual([]);
  });
});
