import { describe, expect, test } from 'vitest';
import type { LiveSession, PolicyCard } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../harness/api';
import { TEST_ADMIN_PASSWORD } from '../harness/server';
import { connect, requestOk } from '../harness/socketClient';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';

const STEPS = ['登录人社网上办事大厅', '填写补贴申请表并上传材料', '等待区人社局审核'];

describe('policy cards with their claim procedure, from the console form to a phone', () => {
  const fx = e2eFixture();

  test('the bureau writes steps, documents, office and phone in the form; the viewer page lists them and the pinned card shows them with a tel: link', async () => {
    const admin = await fx.browser.open(`${fx.server.url}/admin`, { viewport: { width: 1366, height: 768 } });
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    await admin.page.getByRole('heading', { name: '人社局管理后台' }).waitFor();
    await admin.page.getByRole('navigation', { name: '后台栏目' }).getByRole('link', { name: '政策卡片' }).click();
    await admin.page.getByRole('button', { name: '新增政策卡片' }).click();
    const form = admin.page.getByRole('dialog', { name: '新增政策卡片' });
    await form.getByLabel('标题').fill('以工代训补贴');
    await form.getByLabel('政策内容').fill('企业吸纳就业困难人员并开展以工代训，每人每月补贴500元。');
    await form.getByLabel('如何申请').fill('企业到区人社局申请。');
    await form.getByLabel('申领步骤').fill(`${STEPS.join('\n')}\n\n`);
    await form.getByLabel('所需材料').fill('营业执照\n培训花名册');
    await form.getByLabel('办理地点').fill('区政务服务中心二楼就业窗口');
    // A phone that is not one is marked beside its field, and focused.
    await form.getByLabel('咨询电话').fill('call me');
    await form.getByRole('button', { name: '创建政策卡片' }).click();
    expect(await form.getByLabel('咨询电话').getAttribute('aria-invalid')).toBe('true');
    expect(await admin.page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('tel');
    await form.getByLabel('咨询电话').fill('0571-8765 4321');
    await form.getByRole('button', { name: '创建政策卡片' }).click();
    await admin.page.getByRole('heading', { name: '以工代训补贴' }).waitFor();
    expect(await seriousViolations(admin.page)).toEqual([]);

    // Stored as written, blank lines dropped.
    const bureau = await bureauClient(fx.server.url);
    const policy = (await bureau.get<{ policies: PolicyCard[] }>('/policies?limit=100')).body.policies.find((p) => p.title === '以工代训补贴')!;
    expect(policy).toMatchObject({ steps: STEPS, documents: ['营业执照', '培训花名册'], office: '区政务服务中心二楼就业窗口', phone: '0571-8765 4321' });
    // Edited again in the form, it keeps its lists.
    await admin.page.getByRole('button', { name: '编辑 以工代训补贴' }).click();
    expect(await admin.page.getByRole('dialog').getByLabel('申领步骤').inputValue()).toBe(STEPS.join('\n'));
    await admin.page.keyboard.press('Escape');

    const session = (await fx.server.store.get('session', 'demo')) as LiveSession;
    await bureau.put('/sessions/demo/lineup', [...session.lineup, { kind: 'policy', id: policy.id }]);
    const viewer = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 360, height: 640 } });
    const list = viewer.page.getByRole('region', { name: '政策与服务' });
    const item = list.locator(`li[data-policy="${policy.id}"]`);
    await item.getByText('查看申领流程、所需材料和办理地点').click();
    expect(await item.locator('ol.policy-steps li').allTextContents()).toEqual(STEPS);
    expect(await item.getByRole('link', { name: '拨打 0571-8765 4321' }).getAttribute('href')).toBe('tel:057187654321');

    // Pinned by the host, the card over the stage shows the procedure too.
    const host = await connect(fx.server.url);
    await requestOk(host, 'stage:join', { sessionId: 'demo', role: 'host', token: await fx.server.tokens.issue({ sid: 'demo', role: 'host', sub: 'h' }) });
    await requestOk(host, 'policy:pin', { policyId: policy.id });
    const pinned = viewer.page.locator('aside.policy-card');
    await pinned.getByRole('heading', { name: '以工代训补贴' }).waitFor({ timeout: 15_000 });
    expect(await pinned.locator('ol.policy-steps li').allTextContents()).toEqual(STEPS);
    expect(await pinned.getByText('培训花名册').count()).toBe(1);
    expect(await pinned.getByRole('link', { name: '拨打 0571-8765 4321' }).getAttribute('href')).toBe('tel:057187654321');
    expect(await viewer.page.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth + 1)).toBe(true);
    expect(await seriousViolations(viewer.page)).toEqual([]);
    host.close();
    // (The console's own first request, before signing in, is a 401 by design: only the phone's page is checked.)
    expect(viewer.errors).toEqual([]);
  });
});
