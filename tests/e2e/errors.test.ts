import { describe, expect, test } from 'vitest';
import type { Invite } from '@chunfeng/shared/admin';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../harness/api';
import { e2eFixture } from './fixture';
import { hostGoesLive } from './pages';

/** Refusals are worded by their error code in the person's language; the server's English never shows. */
describe('errors people see', () => {
  const fx = e2eFixture();

  test('a question carrying a WeChat id is refused in Chinese, and in English after switching', async () => {
    const bureau = await bureauClient(fx.server.url);
    const hostLink = await bureau.post<{ path: string }>('/sessions/demo/host-link');
    await hostGoesLive(fx.browser, `${fx.server.url}${hostLink.body.path}`);
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 360, height: 640 } });
    const questions = viewer.page.getByRole('region', { name: '提问' });
    await questions.getByRole('textbox').fill('工资多少？加我微信 wx12345678 细聊');
    await questions.getByRole('button', { name: '提问' }).click();
    await questions.getByRole('alert').filter({ hasText: '提问不能包含联系方式、收费或转账信息' }).waitFor();

    await viewer.page.getByRole('combobox', { name: '语言' }).selectOption('en');
    const english = viewer.page.getByRole('region', { name: 'Questions' });
    await english.getByRole('textbox').fill('加我微信 wx12345678');
    await english.getByRole('button', { name: 'Ask' }).click();
    await english.getByRole('alert').filter({ hasText: 'Questions cannot carry contact details, fees or money transfers' }).waitFor();
    expect(await english.getByRole('alert').textContent()).not.toMatch(/[\u4e00-\u9fff]/);
  });

  test('a withdrawn employer link and a withdrawn host link say so, instead of a code or the server’s English', async () => {
    const bureau = await bureauClient(fx.server.url);
    const vacancy = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies[0]!;
    const employerLink = await bureau.post<{ path: string; invite: Invite }>(`/employers/${vacancy.employerId}/invite`);
    const hostLink = await bureau.post<{ path: string; invite: Invite }>('/sessions/demo/host-link');
    await bureau.post(`/invites/${employerLink.body.invite.id}/revoke`);
    await bureau.post(`/invites/${hostLink.body.invite.id}/revoke`);

    const employer = await fx.browser.open(`${fx.server.url}${employerLink.body.path}`);
    await employer.page.getByText('链接无效、已过期或已被作废，请向人社局索取新的链接').waitFor();
    const host = await fx.browser.open(`${fx.server.url}${hostLink.body.path}`, { viewport: { width: 1366, height: 768 } });
    await host.page.locator('video').first().waitFor();
    await host.page.getByRole('button', { name: '开始直播' }).click();
    await host.page.getByText('链接无效、已过期或已被作废，请向人社局索取新的链接').waitFor();
    for (const page of [employer.page, host.page]) expect(await page.locator('body').textContent()).not.toMatch(/withdrawn|UNAUTHORIZED/);
  });
});
