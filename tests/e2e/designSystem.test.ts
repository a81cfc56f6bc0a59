import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { apiClient, applyBody, bureauClient } from '../harness/api';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';

const PHONE = { width: 360, height: 640 };

const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? document.activeElement?.tagName);
const bodyOverflow = (page: Page) => page.evaluate(() => document.body.style.overflow);

describe('the design system on the public pages', () => {
  const fx = e2eFixture();

  test('the sheet is a modal dialog: focus moves in and stays, Escape and the backdrop close it, focus returns, the page behind does not scroll', async () => {
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 360, height: 800 } });
    const apply = viewer.page.getByRole('region', { name: /本场岗位/ }).getByRole('button', { name: '一键报名' }).first();
    await apply.waitFor({ timeout: 10_000 });
    await apply.click();
    const sheet = viewer.page.getByRole('dialog', { name: /^报名：/ });
    await sheet.waitFor();
    expect(await sheet.getAttribute('aria-modal')).toBe('true');
    const name = sheet.getByLabel('姓名', { exact: true });
    expect(await name.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await bodyOverflow(viewer.page)).toBe('hidden');

    // Shift+Tab from the first field wraps to the last control (close); Tab from there wraps back.
    await viewer.page.keyboard.press('Shift+Tab');
    expect(await focusedText(viewer.page)).toBe('关闭');
    await viewer.page.keyboard.press('Tab');
    expect(await name.evaluate((el) => el === document.activeElement)).toBe(true);
    // However far one tabs, focus stays in the dialog.
    for (let i = 0; i < 12; i += 1) {
      await viewer.page.keyboard.press('Tab');
      expect(await sheet.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    }

    await viewer.page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
    expect(await apply.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await bodyOverflow(viewer.page)).toBe('');

    // A tap on the backdrop (above the sheet) closes it too; a tap inside does not.
    await apply.click();
    await sheet.waitFor();
    await sheet.getByText('手机号', { exact: true }).click();
    expect(await sheet.isVisible()).toBe(true);
    await viewer.page.locator('[data-sheet-backdrop]').click({ position: { x: 10, y: 10 } });
    await sheet.waitFor({ state: 'detached' });
    expect(await apply.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(viewer.errors).toEqual([]);
  });

  test('a withdrawn application is confirmed by a polite toast that goes away by itself', async () => {
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    const list = viewer.page.getByRole('region', { name: /本场岗位/ });
    await list.getByRole('button', { name: '一键报名' }).first().click();
    const sheet = viewer.page.getByRole('dialog');
    await sheet.getByLabel('姓名', { exact: true }).fill('提示测试');
    await sheet.getByLabel('手机号', { exact: true }).fill('13812345678');
    await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
    await sheet.getByRole('button', { name: '提交报名' }).click();
    const done = sheet.getByRole('status').filter({ hasText: '报名成功' });
    await done.waitFor();
    // The form is gone: focus is on the outcome, not lost to the page.
    expect(await done.evaluate((el) => el === document.activeElement)).toBe(true);
    await sheet.getByRole('button', { name: '关闭' }).click();

    const mine = viewer.page.getByRole('region', { name: '我的报名（本机）' });
    await mine.getByRole('button', { name: '撤回报名' }).click();
    const region = viewer.page.locator('.toasts [role="status"][aria-live="polite"]');
    const toast = region.locator('.toast', { hasText: '已撤回报名' });
    await toast.waitFor({ timeout: 5000 });
    expect(await seriousViolations(viewer.page)).toEqual([]);
    await toast.waitFor({ state: 'detached', timeout: 9000 });
    expect(viewer.errors).toEqual([]);
  });

  test('offline: an app-wide banner says so, and coming back online is announced', async () => {
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    await viewer.page.getByRole('region', { name: /本场岗位/ }).waitFor({ timeout: 10_000 });
    await viewer.context.setOffline(true);
    const banner = viewer.page.locator('.offline-banner').getByRole('status');
    await banner.filter({ hasText: '网络已断开' }).waitFor({ timeout: 5000 });
    await viewer.context.setOffline(false);
    await banner.waitFor({ state: 'detached', timeout: 5000 });
    await viewer.page.locator('.toasts [role="status"]').filter({ hasText: '网络已恢复' }).waitFor({ timeout: 5000 });
  });

  test('the employer console confirms a saved status change with a toast', async () => {
    const bureau = await bureauClient(fx.server.url);
    const vacancy = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[1]!;
    const sent = await apiClient(fx.server.url).post('/applications', applyBody(vacancy.id, { name: '状态提示' }));
    expect(sent.status).toBeLessThan(300);
    const invite = await bureau.post<{ path: string }>(`/employers/${vacancy.employerId}/invite`);
    const console_ = await fx.browser.open(`${fx.server.url}${invite.body.path}`);
    const row = console_.page.locator('tr', { hasText: '状态提示' });
    await row.waitFor({ timeout: 10_000 });
    // The applicant's name has 状态 in it: the select is asked for by its whole name (the applicant's, then 状态).
    await row.getByRole('combobox', { name: '状态提示的状态', exact: true }).selectOption('interviewing');
    await row.getByRole('button', { name: '更新：状态提示', exact: true }).click();
    await console_.page.locator('.toasts [role="status"]').filter({ hasText: '状态已更新为「面试中」' }).waitFor({ timeout: 5000 });
    // A note without a move: the button says what it does, and the note is kept at the same status.
    const noteOnly = row.getByRole('button', { name: '保存备注' });
    await noteOnly.waitFor({ timeout: 5000 });
    expect(await noteOnly.isDisabled()).toBe(true);
    await row.getByRole('textbox', { name: '备注' }).fill('候选人周五到岗面试');
    await noteOnly.click();
    await console_.page.locator('.toasts [role="status"]').filter({ hasText: '备注已保存' }).waitFor({ timeout: 5000 });
    await row.filter({ hasText: '候选人周五到岗面试' }).waitFor({ timeout: 5000 });
    const stored = (await bureau.get<{ applications: Array<{ name: string; status: string; history: Array<{ note: string }> }> }>(`/applications?vacancyId=${vacancy.id}`)).body.applications.find((a) => a.name === '状态提示')!;
    expect(stored.status).toBe('interviewing');
    expect(stored.history.at(-1)!.note).toBe('候选人周五到岗面试');
    expect(console_.errors).toEqual([]);
  });

  test('at 200% text on a 360px phone the landing page, the viewer, the apply sheet and the employer console do not scroll sideways', async () => {
    const overflow = (page: Page) =>
      page.evaluate(() => {
        // A wide table scrolls inside its own named region; the page itself must not.
        const wide = [...document.querySelectorAll<HTMLElement>('body *')].filter((el) => el.checkVisibility() && el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.table-scroll'));
        return { page: document.documentElement.scrollWidth - window.innerWidth, wide: wide.slice(0, 5).map((el) => `${el.tagName}.${el.className}`) };
      });
    // Through the CSSOM: the CSP (style-src 'self') refuses an injected <style>, as it should.
    const big = (page: Page): Promise<void> => page.evaluate(() => document.documentElement.style.setProperty('font-size', '200%', 'important'));

    const landing = await fx.browser.open(`${fx.server.url}/`, { viewport: PHONE });
    await big(landing.page);
    await landing.page.locator('li[data-session="demo"]').waitFor({ timeout: 10_000 });
    expect(await overflow(landing.page)).toEqual({ page: 0, wide: [] });

    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    await big(viewer.page);
    const apply = viewer.page.getByRole('region', { name: /本场岗位/ }).getByRole('button', { name: '一键报名' }).first();
    await apply.waitFor({ timeout: 10_000 });
    expect(await overflow(viewer.page)).toEqual({ page: 0, wide: [] });
    await apply.click();
    await viewer.page.getByRole('dialog').waitFor();
    expect(await overflow(viewer.page)).toEqual({ page: 0, wide: [] });

    const bureau = await bureauClient(fx.server.url);
    const vacancy = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
    await apiClient(fx.server.url).post('/applications', applyBody(vacancy.id, { name: '放大字号' }));
    const invite = await bureau.post<{ path: string }>(`/employers/${vacancy.employerId}/invite`);
    const employer = await fx.browser.open(`${fx.server.url}${invite.body.path}`, { viewport: PHONE });
    await big(employer.page);
    await employer.page.locator('tbody tr', { hasText: '放大字号' }).waitFor({ timeout: 10_000 });
    expect(await overflow(employer.page)).toEqual({ page: 0, wide: [] });
  });

  test('under prefers-reduced-motion the sheet opens without sliding (and slides otherwise)', async () => {
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    const sheetAnimation = async (): Promise<string> => {
      const apply = viewer.page.getByRole('region', { name: /本场岗位/ }).getByRole('button', { name: '一键报名' }).first();
      await apply.click();
      const sheet = viewer.page.getByRole('dialog', { name: /^报名：/ });
      const name = await sheet.evaluate((el) => getComputedStyle(el).animationName);
      await viewer.page.keyboard.press('Escape');
      await sheet.waitFor({ state: 'detached' });
      return name;
    };
    await viewer.page.getByRole('region', { name: /本场岗位/ }).getByRole('button', { name: '一键报名' }).first().waitFor({ timeout: 10_000 });
    expect(await sheetAnimation()).not.toBe('none');
    await viewer.page.emulateMedia({ reducedMotion: 'reduce' });
    expect(await sheetAnimation()).toBe('none');
  });
});
