import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { VacancyCard } from '@chunfeng/shared/recruitment';
import { apiClient, bureauClient } from '../harness/api';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';

const PHONE = { width: 360, height: 640 };

async function openSheet(page: Page, vacancyId: string): Promise<ReturnType<Page['getByRole']>> {
  await page.getByRole('region', { name: /本场岗位/ }).locator(`li[data-vacancy="${vacancyId}"]`).getByRole('button', { name: '一键报名' }).click();
  const sheet = page.getByRole('dialog');
  await sheet.waitFor();
  return sheet;
}

/** What a screen reader reads after a control's name: the text of the elements its aria-describedby names. */
const description = (control: ReturnType<Page['getByRole']>) =>
  control.evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
const focused = (control: ReturnType<Page['getByRole']>) => control.evaluate((el) => el === document.activeElement);

const storage = (page: Page) => page.evaluate(() => ({ applicant: localStorage.getItem('chunfeng.applicant'), mine: localStorage.getItem('chunfeng.myApplications') ?? '' }));

describe('the apply sheet keeps the applicant’s details only when asked to', () => {
  const fx = e2eFixture();

  test('unticked by default, nothing of name or phone stays on the phone; ticked, they are filled in next time; unticking forgets them at once', async () => {
    const { vacancies } = (await apiClient(fx.server.url).get<{ vacancies: VacancyCard[] }>('/public/sessions/demo')).body;
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    const { page } = viewer;

    let sheet = await openSheet(page, vacancies[0]!.id);
    const remember = sheet.getByRole('checkbox', { name: /记住我的信息/ });
    expect(await remember.isChecked()).toBe(false);
    await sheet.getByLabel('姓名', { exact: true }).fill('不留信息');
    await sheet.getByLabel('手机号', { exact: true }).fill('13712349001');
    await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
    await sheet.getByRole('button', { name: '提交报名' }).click();
    await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor({ timeout: 5000 });
    let kept = await storage(page);
    expect(kept.applicant).toBeNull();
    // "My applications" keeps the proof (id and key), never the number.
    expect(kept.mine).toContain(vacancies[0]!.id);
    expect(kept.mine).not.toContain('13712349001');
    expect(kept.mine).not.toContain('不留信息');
    await sheet.getByRole('button', { name: '关闭' }).click();

    sheet = await openSheet(page, vacancies[1]!.id);
    expect(await sheet.getByLabel('姓名', { exact: true }).inputValue()).toBe('');
    await sheet.getByLabel('姓名', { exact: true }).fill('记住我');
    await sheet.getByLabel('手机号', { exact: true }).fill('13712349002');
    await sheet.getByRole('checkbox', { name: /记住我的信息/ }).check();
    await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
    expect(await seriousViolations(page)).toEqual([]);
    await sheet.getByRole('button', { name: '提交报名' }).click();
    await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor({ timeout: 5000 });
    expect((await storage(page)).applicant).toBe(JSON.stringify({ name: '记住我', phone: '13712349002' }));
    await sheet.getByRole('button', { name: '关闭' }).click();

    sheet = await openSheet(page, vacancies[2]!.id);
    expect(await sheet.getByLabel('姓名', { exact: true }).inputValue()).toBe('记住我');
    expect(await sheet.getByLabel('手机号', { exact: true }).inputValue()).toBe('13712349002');
    expect(await sheet.getByRole('checkbox', { name: /记住我的信息/ }).isChecked()).toBe(true);
    await sheet.getByRole('checkbox', { name: /记住我的信息/ }).uncheck();
    kept = await storage(page);
    expect(kept.applicant).toBeNull();
    expect(kept.mine).not.toContain('13712349002');
    expect(viewer.errors).toEqual([]);
  });
});

describe('the apply sheet shows every problem beside its field', () => {
  const fx = e2eFixture();

  test('sent empty: name, phone and consent are each marked invalid with their own words and the name takes focus; fixed one by one, focus goes to the next; then it sends', async () => {
    const { vacancies } = (await apiClient(fx.server.url).get<{ vacancies: VacancyCard[] }>('/public/sessions/demo')).body;
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    const { page } = viewer;
    const sheet = await openSheet(page, vacancies[0]!.id);
    const name = sheet.getByLabel('姓名', { exact: true });
    const phone = sheet.getByLabel('手机号', { exact: true });
    const consent = sheet.getByRole('checkbox', { name: /^我同意/ });
    await name.fill('');
    await phone.fill('');
    await sheet.getByRole('button', { name: '提交报名' }).click();

    await sheet.getByRole('alert').filter({ hasText: '有 3 处需要修改' }).waitFor({ timeout: 5000 });
    for (const control of [name, phone, consent]) expect(await control.getAttribute('aria-invalid')).toBe('true');
    expect(await description(name)).toContain('请填写姓名');
    expect(await description(phone)).toContain('请输入 11 位手机号');
    // The hint stays with the phone field beside its problem.
    expect(await description(phone)).toContain('仅该企业和人社局可见');
    expect(await description(consent)).toContain('请勾选同意后提交');
    expect(await focused(name)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);

    await name.fill('逐项修改');
    await phone.fill('1371234');
    await page.keyboard.press('Enter');
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('false');
    await sheet.getByRole('alert').filter({ hasText: '有 2 处需要修改' }).waitFor({ timeout: 5000 });
    expect(await focused(phone)).toBe(true);

    await phone.fill('13712349009');
    await consent.check();
    await sheet.getByRole('button', { name: '提交报名' }).click();
    await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor({ timeout: 5000 });
    expect(viewer.errors).toEqual([]);
  });
});

describe("'my applications' follows the employer's moves live", () => {
  const fx = e2eFixture();

  test('applied on the page: the bureau marks it contacted, then interviewing; the entry says so at once and a toast tells, with no reload', async () => {
    const { vacancies } = (await apiClient(fx.server.url).get<{ vacancies: VacancyCard[] }>('/public/sessions/demo')).body;
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    const { page } = viewer;
    const sheet = await openSheet(page, vacancies[3]!.id);
    await sheet.getByLabel('姓名', { exact: true }).fill('等消息');
    await sheet.getByLabel('手机号', { exact: true }).fill('13712349010');
    await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
    await sheet.getByRole('button', { name: '提交报名' }).click();
    await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor({ timeout: 5000 });
    await sheet.getByRole('button', { name: '关闭' }).click();
    const entry = page.getByRole('region', { name: '我的报名（本机）' }).locator('li[data-application]');
    await entry.and(page.locator('[data-status="new"]')).waitFor({ timeout: 5000 });
    const id = (await entry.getAttribute('data-application'))!;

    const bureau = await bureauClient(fx.server.url);
    expect((await bureau.patch(`/applications/${id}/status`, { status: 'contacted', note: '' })).status).toBe(200);
    await entry.and(page.locator('[data-status="contacted"]')).waitFor({ timeout: 5000 });
    expect(await entry.textContent()).toContain('已联系');
    await page.getByRole('status').filter({ hasText: `报名进度更新：${vacancies[3]!.title} 已联系` }).waitFor({ timeout: 5000 });
    expect((await bureau.patch(`/applications/${id}/status`, { status: 'interviewing', note: '' })).status).toBe(200);
    await entry.and(page.locator('[data-status="interviewing"]')).waitFor({ timeout: 5000 });
    expect(viewer.errors).toEqual([]);
  });
});

describe('a withdrawn application does not block applying again', () => {
  const fx = e2eFixture();

  test('apply, withdraw, apply again: the button offers 一键报名 again, the new application is sent and listed beside the withdrawn one', async () => {
    const { vacancies } = (await apiClient(fx.server.url).get<{ vacancies: VacancyCard[] }>('/public/sessions/demo')).body;
    const vacancy = vacancies[3]!;
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    const { page } = viewer;
    const item = page.getByRole('region', { name: /本场岗位/ }).locator(`li[data-vacancy="${vacancy.id}"]`);
    const mine = page.locator('#my-applications');

    const apply = async (): Promise<void> => {
      const sheet = await openSheet(page, vacancy.id);
      await sheet.getByLabel('姓名', { exact: true }).fill('再报一次');
      await sheet.getByLabel('手机号', { exact: true }).fill('13712349004');
      await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
      await sheet.getByRole('button', { name: '提交报名' }).click();
      await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor({ timeout: 5000 });
      await sheet.getByRole('button', { name: '关闭' }).click();
    };

    await apply();
    await item.getByRole('button', { name: '已报名' }).waitFor();
    const first = mine.locator('li[data-status="new"]');
    await first.waitFor({ timeout: 5000 });
    const firstId = await first.getAttribute('data-application');
    await first.getByRole('button', { name: '撤回报名' }).click();
    await mine.locator(`li[data-application="${firstId}"][data-status="withdrawn"]`).waitFor({ timeout: 5000 });

    // Withdrawn: the vacancy can be applied for again, with a new sheet (a new key).
    await item.getByRole('button', { name: '一键报名' }).waitFor({ timeout: 5000 });
    await apply();
    await item.getByRole('button', { name: '已报名' }).waitFor();
    const second = mine.locator('li[data-status="new"]');
    await second.waitFor({ timeout: 5000 });
    expect(await second.getAttribute('data-application')).not.toBe(firstId);
    await expect.poll(() => mine.locator('li').count()).toBe(2);
    expect(await mine.locator(`li[data-application="${firstId}"]`).getAttribute('data-status')).toBe('withdrawn');

    // The server holds both: the withdrawn one and the new open one.
    const keys = await page.evaluate(() => JSON.parse(localStorage.getItem('chunfeng.myApplications') ?? '[]') as Array<{ id: string; idempotencyKey: string; withdrawn?: boolean }>);
    expect(keys).toHaveLength(2);
    expect(new Set(keys.map((k) => k.idempotencyKey)).size).toBe(2);
    const statuses = (await apiClient(fx.server.url).post<{ applications: Array<{ id: string; status: string }> }>('/applications/mine', { items: keys.map(({ id, idempotencyKey }) => ({ id, idempotencyKey })) })).body.applications;
    expect(statuses.map((a) => a.status).sort()).toEqual(['new', 'withdrawn']);
    expect(viewer.errors).toEqual([]);
  });
});

describe('APPLY_VERIFY=sms in the viewer’s apply sheet', () => {
  const texts: Array<{ phone: string; text: string }> = [];
  const gateway = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      texts.push(JSON.parse(body) as { phone: string; text: string });
      res.writeHead(200).end('{}');
    });
  });
  const env: Record<string, string> = { APPLY_VERIFY: 'sms' };
  beforeAll(async () => {
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    env['SMS_WEBHOOK_URL'] = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
  });
  afterAll(() => new Promise<void>((resolve) => gateway.close(() => resolve())));
  const fx = e2eFixture(env);

  test('the sheet asks for the texted code, says a wrong one is wrong, and sends with the right one', async () => {
    const { vacancies } = (await apiClient(fx.server.url).get<{ vacancies: VacancyCard[] }>('/public/sessions/demo')).body;
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
    const { page } = viewer;
    const sheet = await openSheet(page, vacancies[0]!.id);
    await sheet.getByLabel('姓名', { exact: true }).fill('验证用户');
    await sheet.getByLabel('手机号', { exact: true }).fill('13712349003');
    await sheet.getByRole('checkbox', { name: /^我同意/ }).check();
    await sheet.getByRole('button', { name: '提交报名' }).click();

    const codeField = sheet.getByLabel('短信验证码', { exact: true });
    await codeField.waitFor({ timeout: 5000 });
    await expect.poll(() => texts.length).toBe(1);
    expect(texts[0]!.phone).toBe('13712349003');
    await sheet.getByText(/验证码已发送到 13712349003/).waitFor();
    await expect.poll(() => codeField.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);

    const code = /(\d{6})/.exec(texts[0]!.text)![1]!;
    await codeField.fill(code === '000000' ? '111111' : '000000');
    await page.keyboard.press('Enter');
    // The wrong code is said beside the code field, which is marked and takes focus again.
    await expect.poll(() => codeField.getAttribute('aria-invalid'), { timeout: 5000 }).toBe('true');
    expect(await description(codeField)).toContain('验证码不对或已过期');
    expect(await focused(codeField)).toBe(true);
    await codeField.fill(code);
    await page.keyboard.press('Enter');
    await sheet.getByRole('status').filter({ hasText: '报名成功' }).waitFor({ timeout: 5000 });
    expect(viewer.errors.filter((e) => !e.includes('403'))).toEqual([]);
  });
});
