import { describe, expect, test } from 'vitest';
import type { Application, Employer, Vacancy } from '@chunfeng/shared/recruitment';
import { allApplications, applyBody, bureauClient } from '../harness/api';
import { e2eFixture } from './fixture';

/** An employer with more applicants than one page, in Chromium. */
describe("the employer console's applicant list (Chromium)", () => {
  const fx = e2eFixture();

  test('shows 50, the rest on demand; finds by name; after a dropped connection asks only for what changed', async () => {
    const bureau = await bureauClient(fx.server.url);
    const employer = (await bureau.get<{ employers: Employer[] }>('/employers')).body.employers[2]!;
    const own = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies.filter((v) => v.employerId === employer.id);
    const apply = async (vacancy: Vacancy, name: string): Promise<void> => {
      const res = await fetch(`${fx.server.url}/api/applications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: fx.server.url },
        body: JSON.stringify(applyBody(vacancy.id, { name })),
      });
      expect(res.status).toBe(202);
    };
    for (let i = 0; i < 54; i += 1) await apply(own[i % own.length]!, `应聘者${i}`);
    await apply(own[0]!, '赵小燕');

    const invite = await bureau.post<{ path: string }>(`/employers/${employer.id}/invite`);
    const console_ = await fx.browser.open(`${fx.server.url}${invite.body.path}`, { viewport: { width: 390, height: 844 } });
    const { page } = console_;
    await page.getByRole('status').filter({ hasText: '实时更新中' }).waitFor();
    const rows = page.locator('tbody tr');
    await page.getByRole('status').filter({ hasText: '已显示 50 人' }).waitFor();
    expect(await rows.count()).toBe(50);
    // Newest first: the last one applied is on top.
    await expect(rows.first().textContent()).resolves.toContain('赵小燕');
    // Each row's controls are named with its applicant: a screen reader's list of controls tells the 50 rows apart.
    expect(await page.getByRole('combobox', { name: '赵小燕的状态', exact: true }).count()).toBe(1);
    expect(await page.getByRole('textbox', { name: '赵小燕的备注', exact: true }).count()).toBe(1);
    expect(await page.getByRole('button', { name: '保存备注：赵小燕', exact: true }).count()).toBe(1);
    const statusNames = await rows.getByRole('combobox').evaluateAll((selects) => selects.map((s) => s.getAttribute('aria-label')));
    expect(new Set(statusNames).size).toBe(50);

    // The total is not known, so the button does not promise 50 (five are left): it says only "show more".
    expect(await page.getByRole('button', { name: /再显示/ }).count()).toBe(0);
    await page.getByRole('button', { name: '显示更多', exact: true }).click();
    await page.getByRole('status').filter({ hasText: '已显示 55 人' }).waitFor();
    expect(await page.getByRole('button', { name: '显示更多', exact: true }).count()).toBe(0);

    await page.getByLabel('姓名或手机号').fill('小燕');
    await page.getByRole('button', { name: '查找' }).click();
    await page.getByRole('status').filter({ hasText: '已显示 1 人' }).waitFor();
    await page.getByLabel('姓名或手机号').fill('');
    await page.getByRole('button', { name: '查找' }).click();
    await page.getByRole('status').filter({ hasText: '已显示 50 人' }).waitFor();

    // The connection drops (a dead cell): meanwhile someone applies and the bureau moves an applicant on.
    await console_.context.setOffline(true);
    for (const socket of fx.server.io.sockets.sockets.values()) socket.conn.close();
    await page.getByRole('status').filter({ hasText: '正在重新连接' }).waitFor();
    const listReads: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/applications')) listReads.push(url.pathname);
    });
    await apply(own[1]!, '新来的钱多多');
    const moved = (await allApplications(bureau, `employerId=${employer.id}`)).find((a) => a.name === '应聘者40')!;
    expect((await bureau.patch<{ application: Application }>(`/applications/${moved.id}/status`, { status: 'interviewing', note: '周五面试' })).status).toBe(200);

    await console_.context.setOffline(false);
    await page.getByRole('status').filter({ hasText: '实时更新中' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => rows.first().textContent(), { timeout: 10_000 }).toContain('新来的钱多多');
    await expect.poll(() => page.locator('tr', { hasText: '应聘者40' }).textContent()).toContain('周五面试');
    // Only the changes were asked for: the list was not read again.
    expect(listReads.every((p) => p === '/api/applications/changes')).toBe(true);
    expect(listReads.length).toBeGreaterThan(0);
    expect(console_.errors).toEqual([]);
  });
});
