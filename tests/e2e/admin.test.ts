import { describe, expect, test } from 'vitest';
import { TEST_ADMIN_PASSWORD } from '../harness/server';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';

describe('the bureau console in Chromium', () => {
  const fx = e2eFixture();

  test('staff sign in, add and verify an employer, and hand out employer and host links that work', async () => {
    const admin = await fx.browser.open(`${fx.server.url}/admin`);
    await admin.page.getByLabel('密码').fill('wrong-password');
    await admin.page.getByRole('button', { name: '登录' }).click();
    await admin.page.getByRole('alert').filter({ hasText: '用户名或密码错误' }).waitFor();
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    await admin.page.getByRole('heading', { name: '人社局管理后台' }).waitFor();
    expect(await admin.page.locator('tr[data-vacancy]').count()).toBe(15);
    expect(await seriousViolations(admin.page)).toEqual([]);

    const form = admin.page.getByRole('form', { name: '新增用人单位' });
    await form.getByLabel('单位名称').fill('乡村振兴服装厂');
    await form.getByLabel('行业').fill('纺织服装');
    await form.getByLabel('区县').fill('河东镇');
    await form.getByRole('button', { name: '新增' }).click();
    const row = admin.page.locator('tr', { hasText: '乡村振兴服装厂' });
    await row.waitFor();
    // Verification is the bureau's call, and it sticks.
    const verified = row.getByRole('checkbox', { name: '乡村振兴服装厂 已核验' });
    expect(await verified.isChecked()).toBe(true);
    await verified.uncheck();
    await admin.page.reload();
    await admin.page.locator('tr', { hasText: '乡村振兴服装厂' }).waitFor();
    expect(await admin.page.locator('tr', { hasText: '乡村振兴服装厂' }).getByRole('checkbox').isChecked()).toBe(false);
    await row.getByRole('button', { name: '生成企业后台链接' }).click();
    const employerLink = await admin.page.locator('input.invite-link').inputValue();
    expect(employerLink).toContain('/employer?token=');
    const employer = await fx.browser.open(employerLink);
    await employer.page.getByRole('heading', { name: /乡村振兴服装厂/ }).waitFor();

    await admin.page.locator('tr[data-session="demo"]').getByRole('button', { name: '生成主播链接' }).click();
    await expect.poll(() => admin.page.locator('input.invite-link').inputValue()).toContain('/host/demo?token=');
    const hostLink = await admin.page.locator('input.invite-link').inputValue();
    const host = await fx.browser.open(hostLink);
    await host.page.getByRole('button', { name: '开始直播' }).waitFor();

    // Signed out, the console asks to sign in again.
    await admin.page.getByRole('button', { name: '退出' }).click();
    await admin.page.getByRole('button', { name: '登录' }).waitFor();
    // The only console error allowed is the 401 of asking "who am I" before signing in.
    for (const p of [admin, employer, host]) expect(p.errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
  });
});
