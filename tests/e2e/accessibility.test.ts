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
    await viewer.page.getByRole('button', { name: '一键报名' }).click();
    await viewer.page.getByRole('dialog').waitFor();
    report['apply sheet'] = await seriousViolations(viewer.page);
    expect(report).toEqual({ host: [], viewer: [], employer: [], 'apply sheet': [] });
  });

  test('switching the viewer page to English leaves no Chinese interface text (content written in Chinese is marked lang=zh-CN)', async () => {
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 360, height: 640 } });
    await viewer.page.getByRole('status').first().waitFor();
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
