import { describe, expect, test } from 'vitest';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../harness/api';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';
import { hostGoesLive } from './pages';

describe('accessibility and language of the live pages', () => {
  const fx = e2eFixture();

  test('host studio, viewer (phone) with a pinned card and the apply sheet, and the employer console have no serious axe violations', async () => {
    const bureau = await bureauClient(fx.server.url);
    const vacancy = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
    const hostLink = await bureau.post<{ path: string }>('/sessions/demo/host-link');
    const invite = await bureau.post<{ path: string }>(`/employers/${vacancy.employerId}/invite`);
    const host = await hostGoesLive(fx.browser, `${fx.server.url}${hostLink.body.path}`);
    await host.page.getByRole('button', { name: `置顶 ${vacancy.title}` }).click();
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 360, height: 640 } });
    await viewer.page.locator('article.pinned-card').waitFor({ timeout: 15_000 });
    const employer = await fx.browser.open(`${fx.server.url}${invite.body.path}`);
    await employer.page.getByRole('status').filter({ hasText: '实时更新中' }).waitFor();

    const report: Record<string, unknown> = {
      host: await seriousViolations(host.page),
      viewer: await seriousViolations(viewer.page),
      employer: await seriousViolations(employer.page),
    };
    await viewer.page.locator('article.pinned-card').getByRole('button', { name: '一键报名' }).click();
    await viewer.page.getByRole('dialog').waitFor();
    report['apply sheet'] = await seriousViolations(viewer.page);
    expect(report).toEqual({ host: [], viewer: [], employer: [], 'apply sheet': [] });
  });

  test('switching the viewer page to English leaves no Chinese interface text (content written in Chinese is marked lang=zh-CN)', async () => {
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 360, height: 640 } });
    await viewer.page.getByRole('status').first().waitFor();
    // With as much on screen as a job seeker sees: the pinned card (the host of the test above is still
    // live with a pin), an application of theirs, a question, and the captions switched on.
    const card = viewer.page.locator('article.pinned-card');
    await card.waitFor({ timeout: 15_000 });
    await card.getByRole('button', { name: '一键报名' }).click();
    const sheet = viewer.page.getByRole('dialog');
    await sheet.getByLabel('姓名', { exact: true }).fill('语言测试');
    await sheet.getByLabel('手机号', { exact: true }).fill('13912340077');
    await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
    await sheet.getByRole('button', { name: '提交报名' }).click();
    await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor();
    await sheet.getByRole('button', { name: '关闭' }).click();
    await viewer.page.getByRole('region', { name: '我的报名（本机）' }).locator('li').first().waitFor();
    const questions = viewer.page.getByRole('region', { name: '提问' });
    await questions.getByRole('textbox').fill('有没有宿舍？');
    await questions.getByRole('button', { name: '提问' }).click();
    await questions.locator('li[data-question]').first().waitFor();
    await viewer.page.getByRole('checkbox', { name: '显示字幕' }).check();
    await viewer.page.getByRole('combobox', { name: '语言' }).selectOption('en');
    await viewer.page.getByRole('heading', { name: 'Questions' }).waitFor();
    const chinese = await viewer.page.evaluate(() => {
      const found: string[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        // The language picker names 中文 in Chinese; vacancies, names and chat are content, marked lang=zh-CN.
        if (!el || el.closest('option[value="zh-CN"]') || el.closest('body [lang="zh-CN"]') || !el.checkVisibility()) continue;
        if (/[\u4e00-\u9fff]/.test(n.textContent ?? '')) found.push(n.textContent!.trim());
      }
      return found;
    });
    expect(chinese).toEqual([]);
    expect(await viewer.page.evaluate(() => document.documentElement.lang)).toBe('en');
  });
});

describe('the text-only vacancy list', () => {
  const fx = e2eFixture();

  test('filters by accessibility fact and takes applications marked as coming from the list', async () => {
    const bureau = await bureauClient(fx.server.url);
    const all = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    const accessible = all.filter((v) => v.accessibility.includes('wheelchair-accessible'));
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 360, height: 640 } });
    const list = viewer.page.getByRole('region', { name: /本场岗位/ });
    await list.locator('li[data-vacancy]').first().waitFor({ timeout: 10_000 });
    expect(await list.locator('li[data-vacancy]').count()).toBe(all.length);
    // Pay: a day or hour rate counts as 22 days of 8 hours a month; piece rates always stay listed.
    const monthly = (v: Vacancy) => (v.pay.unit === 'piece' ? Infinity : v.pay.max * { month: 1, day: 22, hour: 176 }[v.pay.unit]);
    await list.getByLabel('月收入').selectOption('6000');
    expect(await list.locator('li[data-vacancy]').evaluateAll((els) => els.map((e) => e.getAttribute('data-vacancy')))).toEqual(all.filter((v) => monthly(v) >= 6000).map((v) => v.id));
    expect(all.filter((v) => monthly(v) >= 6000).length).toBeLessThan(all.length);
    await list.getByLabel('月收入').selectOption('0');
    await list.getByLabel('无障碍').selectOption('wheelchair-accessible');
    expect(await list.locator('li[data-vacancy]').evaluateAll((els) => els.map((e) => e.getAttribute('data-vacancy')))).toEqual(accessible.map((v) => v.id));
    expect(await seriousViolations(viewer.page)).toEqual([]);

    await list.locator('li[data-vacancy]').first().getByRole('button', { name: '一键报名' }).click();
    const sheet = viewer.page.getByRole('dialog');
    await sheet.getByLabel('姓名', { exact: true }).fill('列表报名');
    await sheet.getByLabel('手机号', { exact: true }).fill('13912340000');
    await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
    await sheet.getByRole('button', { name: '提交报名' }).click();
    await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor();
    const stored = (await bureau.get<{ applications: Array<{ name: string; source: string; vacancyId: string }> }>('/applications')).body.applications;
    expect(stored.find((a) => a.name === '列表报名')).toMatchObject({ source: 'list', vacancyId: accessible[0]!.id });

    // "My applications" on this phone shows it, and the applicant can withdraw it.
    await sheet.getByRole('button', { name: '关闭' }).click();
    const mine = viewer.page.getByRole('region', { name: '我的报名（本机）' });
    const entry = mine.locator('li', { hasText: accessible[0]!.title });
    await entry.filter({ hasText: '新投递' }).waitFor({ timeout: 5000 });
    await entry.getByRole('button', { name: '撤回报名' }).click();
    await entry.filter({ hasText: '已撤回' }).waitFor();
    const after = (await bureau.get<{ applications: Array<{ name: string; status: string }> }>('/applications')).body.applications;
    expect(after.find((a) => a.name === '列表报名')?.status).toBe('withdrawn');
  });
});

describe('the landing page', () => {
  const fx = e2eFixture();

  test('lists the demo session as coming up, links to it, and has no serious axe violations', async () => {
    const page = await fx.browser.open(`${fx.server.url}/`, { viewport: { width: 360, height: 640 } });
    const upcoming = page.page.getByRole('region', { name: '即将开始' });
    await upcoming.locator('li[data-session="demo"]').waitFor({ timeout: 10_000 });
    await expect(upcoming.getByRole('link', { name: '先看岗位' }).getAttribute('href')).resolves.toBe('/watch/demo');
    expect(await seriousViolations(page.page)).toEqual([]);
    expect(page.errors).toEqual([]);
  });
});

describe('keyboard only', () => {
  const fx = e2eFixture();

  test('a job seeker applies from the vacancy list with the keyboard alone', async () => {
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 1280, height: 800 } });
    const apply = viewer.page.getByRole('region', { name: /本场岗位/ }).getByRole('button', { name: '一键报名' }).first();
    await apply.waitFor({ timeout: 10_000 });
    // Tab until the first apply button has focus, as a keyboard user would.
    for (let i = 0; i < 60 && !(await apply.evaluate((el) => el === document.activeElement)); i += 1) await viewer.page.keyboard.press('Tab');
    expect(await apply.evaluate((el) => el === document.activeElement)).toBe(true);
    const opener = await apply.elementHandle();
    await viewer.page.keyboard.press('Enter');
    const sheet = viewer.page.getByRole('dialog');
    await sheet.waitFor();
    // The sheet puts focus in its first field.
    expect(await sheet.getByLabel('姓名', { exact: true }).evaluate((el) => el === document.activeElement)).toBe(true);
    await viewer.page.keyboard.type('键盘用户');
    await viewer.page.keyboard.press('Tab');
    await viewer.page.keyboard.type('13700137000');
    await viewer.page.keyboard.press('Tab'); // target group (optional)
    await viewer.page.keyboard.press('Tab'); // consent
    await viewer.page.keyboard.press('Space');
    await viewer.page.keyboard.press('Tab');
    await viewer.page.keyboard.press('Enter');
    await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor({ timeout: 5000 });
    // Escape closes the sheet, and focus returns to the button that opened it — which now says 已报名.
    await viewer.page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
    expect(await opener.evaluate((el) => el === document.activeElement && el.textContent === '已报名')).toBe(true);
  });
});
