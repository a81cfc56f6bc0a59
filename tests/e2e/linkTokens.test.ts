import { describe, expect, test } from 'vitest';
import type { Employer } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../harness/api';
import type { TestPage } from '../harness/browser';
import { e2eFixture } from './fixture';
import { peerIdOf } from './pages';

/** The credential in a link is read once and leaves the address bar; a reload of the tab still works. */
describe('links with a token: the token leaves the address bar, the tab keeps working', () => {
  const fx = e2eFixture();
  let host: TestPage;
  let invite: string;

  test('the host studio drops ?token= from the address bar and still holds the credential after a reload', async () => {
    const bureau = await bureauClient(fx.server.url);
    const { path } = (await bureau.post<{ path: string }>('/sessions/demo/host-link')).body;
    host = await fx.browser.open(`${fx.server.url}${path}`);
    const goLive = host.page.getByRole('button', { name: '开始直播' });
    await goLive.waitFor();
    expect(host.page.url()).toBe(`${fx.server.url}/host/demo`);
    await host.page.reload();
    await goLive.waitFor();
    expect(await host.page.getByText('缺少主播凭证').count()).toBe(0);
    await host.page.locator('video').first().waitFor();
    await goLive.click();
    await host.page.getByRole('status').filter({ hasText: '直播中' }).waitFor({ timeout: 15_000 });
  });

  test('a studio invite link drops its token, is the first guest’s alone, and the host can withdraw it', async () => {
    await host.page.getByRole('button', { name: '生成邀请链接' }).click();
    invite = await host.page.locator('input.invite-link').inputValue();
    const guest = await fx.browser.open(invite);
    await guest.page.getByRole('button', { name: '上台' }).waitFor();
    expect(guest.page.url()).toBe(`${fx.server.url}/join/demo`);
    await guest.page.reload();
    await guest.page.getByRole('button', { name: '上台' }).click();
    await guest.page.getByRole('status').filter({ hasText: '你已在舞台上' }).waitFor({ timeout: 15_000 });
    const seat = host.page.locator(`.seat-list li[data-peer="${await peerIdOf(guest.page)}"]`);
    await seat.waitFor();

    // Someone else opening the same link (another phone) is told it was used.
    const other = await fx.browser.open(invite);
    await other.page.getByRole('button', { name: '上台' }).click();
    await other.page.getByText('已有其他人用这个邀请链接加入').waitFor({ timeout: 15_000 });
    await other.close();

    await host.page.getByRole('button', { name: '作废此链接' }).click();
    await host.page.getByText('邀请链接已作废').waitFor();
    const started = Date.now();
    await seat.waitFor({ state: 'detached', timeout: 3000 });
    console.log(`[measure] host withdraws the invite → the guest's seat gone from the studio in ${Date.now() - started} ms`);
    // The guest's page is told why, rather than trying to reconnect for ever.
    await guest.page.getByText('链接无效、已过期或已被作废').waitFor({ timeout: 10_000 });
    await guest.close();
  });

  test('the employer console drops ?token= and reloads with the credential kept for the tab', async () => {
    const bureau = await bureauClient(fx.server.url);
    const [employer] = (await bureau.get<{ employers: Employer[] }>('/employers')).body.employers;
    const { path } = (await bureau.post<{ path: string }>(`/employers/${employer!.id}/invite`)).body;
    const console_ = await fx.browser.open(`${fx.server.url}${path}`);
    const heading = console_.page.getByRole('heading', { name: new RegExp(employer!.name) });
    await heading.waitFor();
    expect(console_.page.url()).toBe(`${fx.server.url}/employer`);
    await console_.page.reload();
    await heading.waitFor();
    await console_.close();
    await host.close();
  });
});
