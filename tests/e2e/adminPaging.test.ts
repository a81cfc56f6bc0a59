import { describe, expect, test } from 'vitest';
import { bureauClient } from '../harness/api';
import { TEST_ADMIN_PASSWORD } from '../harness/server';
import { e2eFixture } from './fixture';

/** The bureau console's long lists: a page at a time, the next on demand, narrowed on the server. */
describe('the bureau console pages its lists in Chromium', () => {
  const fx = e2eFixture();

  test('employers: 50 shown, Show more brings the rest, a name search asks the server and shows only matches', async () => {
    const bureau = await bureauClient(fx.server.url);
    // The demo's five and sixty more: two pages.
    for (let i = 0; i < 60; i += 1) await bureau.post('/employers', { name: i === 42 ? '黄河纺织有限公司' : `翻页物流${i}`, industry: '物流', district: '城关区' });
    const admin = await fx.browser.open(`${fx.server.url}/admin/employers`, { viewport: { width: 1366, height: 768 } });
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    const rows = admin.page.locator('tr[data-employer]');
    await rows.first().waitFor();
    await expect.poll(() => rows.count()).toBe(50);
    await admin.page.getByRole('button', { name: '显示更多' }).click();
    await expect.poll(() => rows.count()).toBe(65);
    await admin.page.getByText('已全部显示（65 条）').waitFor();
    expect(await admin.page.getByRole('button', { name: '显示更多' }).count()).toBe(0);

    const requests: string[] = [];
    admin.page.on('request', (r) => {
      if (r.url().includes('/api/employers?')) requests.push(new URL(r.url()).search);
    });
    await admin.page.getByLabel('按名称搜索').fill('黄河');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('黄河纺织有限公司');
    expect(requests.some((q) => new URLSearchParams(q).get('q') === '黄河')).toBe(true);
    await admin.page.getByLabel('按名称搜索').fill('没有这家');
    await admin.page.getByText('没有符合条件的记录').waitFor();
  });
});
