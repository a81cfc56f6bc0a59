import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { connect, requestOk } from '../harness/socketClient';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';
import { screenshot } from './screenshots';

const PHONE = { width: 360, height: 640 };

async function say(page: Page, text: string): Promise<void> {
  const chat = page.locator('section.chat-panel');
  await chat.getByLabel('昵称').fill('小刘');
  await chat.getByLabel('说点什么').fill(text);
  await chat.getByRole('button', { name: '发送' }).click();
}

describe('device tokens on the viewer page', () => {
  // One token a minute for this whole network, no burst: the second phone is refused one.
  const fx = e2eFixture({ DEVICE_TOKENS_PER_MINUTE: '1', DEVICE_TOKEN_BURST: '0' });

  test('a phone chats with the device token it was issued; the host’s message shows its 主持人 badge; the next phone on the same network watches and is told why it cannot chat or raise a hand yet', async () => {
    const host = await connect(fx.server.url);
    try {
      await requestOk(host, 'stage:join', { sessionId: 'demo', role: 'host', token: await fx.server.tokens.issue({ sid: 'demo', role: 'host', sub: 'chief' }) });
      const first = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
      await say(first.page, '请问包住吗');
      await first.page.locator('.chat-log li', { hasText: '请问包住吗' }).waitFor({ timeout: 10_000 });
      expect(await first.page.evaluate(() => localStorage.getItem('chunfeng.device'))).toMatch(/^ey/);
      // The host's message carries the badge the server set; the viewer's carries none.
      await requestOk(host, 'chat:send', { text: '欢迎各位求职者', displayName: '王局长' });
      const fromHost = first.page.locator('.chat-log li', { hasText: '欢迎各位求职者' });
      await fromHost.waitFor({ timeout: 10_000 });
      expect(await fromHost.getAttribute('data-badge')).toBe('host');
      expect(await fromHost.locator('.badge').innerText()).toBe('主持人');
      expect(await first.page.locator('.chat-log li', { hasText: '请问包住吗' }).locator('.badge').count()).toBe(0);

      const second = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: PHONE });
      await say(second.page, '我也想问');
      await second.page.getByRole('status').filter({ hasText: '这部手机还未登记' }).waitFor({ timeout: 10_000 });
      expect(await second.page.locator('.chat-log li', { hasText: '我也想问' }).count()).toBe(0);
      // Raising a hand needs the token too, and the page says why.
      await second.page.getByRole('button', { name: '举手发言' }).click();
      await second.page.getByText('暂时不能举手').first().waitFor({ timeout: 10_000 });
      expect(await second.page.getByText('已举手，等待主播邀请').count()).toBe(0);
      expect(await seriousViolations(second.page)).toEqual([]);
      await screenshot(second.page, 'viewer-chat-without-device-token');
    } finally {
      host.close();
    }
  });
});
