import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Employer, Vacancy } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../harness/api';
import { e2eFixture } from './fixture';
import { hostGoesLive } from './pages';

describe('the core loop in Chromium: pin → card → apply → employer console → CSV', () => {
  const fx = e2eFixture();


  test('a job seeker applies to the pinned vacancy and the employer sees it live', async () => {
    const bureau = await bureauClient(fx.server.url);
    const vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    const employers = (await bureau.get<{ employers: Employer[] }>('/employers')).body.employers;
    const vacancy = vacancies[4]!;
    const employer = employers.find((e) => e.id === vacancy.employerId)!;
    const invite = await bureau.post<{ path: string }>(`/employers/${employer.id}/invite`);
    const hostLink = await bureau.post<{ path: string }>('/sessions/demo/host-link');

    const host = await hostGoesLive(fx.browser, `${fx.server.url}${hostLink.body.path}`);

    const console_ = await fx.browser.open(`${fx.server.url}${invite.body.path}`);
    await console_.page.getByRole('status').filter({ hasText: '实时更新中' }).waitFor();
    await console_.page.getByRole('heading', { name: new RegExp(employer.name) }).waitFor();

    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 360, height: 640 } });
    await viewer.page.getByRole('status').filter({ hasText: '直播中' }).waitFor({ timeout: 15_000 });

    const pinnedAt = Date.now();
    await host.page.getByRole('button', { name: `置顶 ${vacancy.title}` }).click();
    const card = viewer.page.locator(`article.pinned-card[data-vacancy="${vacancy.id}"]`);
    await card.waitFor({ timeout: 5000 });
    console.log(`[measure] host pins → card on the viewer's phone: ${Date.now() - pinnedAt} ms`);
    await expect(card.textContent()).resolves.toContain(employer.name);
    await expect(viewer.page.locator('[data-announce="pin"]').textContent()).resolves.toContain(vacancy.title);

    await card.getByRole('button', { name: '一键报名' }).click();
    const sheet = viewer.page.getByRole('dialog');
    await sheet.getByLabel('姓名', { exact: true }).fill('陈春燕');
    await sheet.getByLabel('手机号', { exact: true }).fill('138 0013 8000');
    await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
    // Two quick taps: still one application.
    await sheet.getByRole('button', { name: '提交报名' }).dblclick();
    await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor();

    const row = console_.page.locator('tr', { hasText: '陈春燕' });
    await row.waitFor({ timeout: 5000 });
    await expect(row.textContent()).resolves.toContain('13800138000');
    expect(await console_.page.locator('tbody tr', { hasText: '陈春燕' }).count()).toBe(1);

    // The host's live counter for that vacancy moved.
    await host.page.locator(`li[data-vacancy="${vacancy.id}"] .counters`).filter({ hasText: '报名 1' }).waitFor({ timeout: 5000 });

    // The employer moves the applicant on, then exports.
    await row.getByRole('combobox', { name: '状态' }).selectOption('contacted');
    await row.getByRole('textbox', { name: '备注' }).fill('已电话联系，周三面试');
    await row.getByRole('button', { name: '更新' }).click();
    await expect
      .poll(async () => (await bureau.get<{ applications: Array<{ name: string; status: string }> }>('/applications')).body.applications.find((a) => a.name === '陈春燕')?.status)
      .toBe('contacted');

    const downloading = console_.page.waitForEvent('download');
    await console_.page.getByRole('button', { name: '导出 CSV' }).click();
    const file = await (await downloading).path();
    const bytes = fs.readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = bytes.toString('utf8');
    expect(csv).toContain('"陈春燕"');
    expect(csv).toContain('="13800138000"');
    expect(csv).toContain(`"${vacancy.title}"`);
    expect(csv).toContain('"已联系"');
    expect(csv).toContain('已电话联系，周三面试');

    for (const p of [host, console_, viewer]) expect(p.errors).toEqual([]);
  });
});
