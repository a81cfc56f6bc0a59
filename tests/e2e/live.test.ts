import { describe, expect, test } from 'vitest';
import type { Employer, Vacancy } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../harness/api';
import { e2eFixture } from './fixture';
import { hostGoesLive } from './pages';

describe('questions, captions and the captioned replay in Chromium', () => {
  const fx = e2eFixture({ HLS_ENABLED: 'true', HLS_RENDITIONS: '360p,audio' });

  test("a question reaches the pinned vacancy's employer, whose answer reaches the asker; captions follow the viewer's switch", async () => {
    const bureau = await bureauClient(fx.server.url);
    const vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    const employers = (await bureau.get<{ employers: Employer[] }>('/employers')).body.employers;
    const a = vacancies[1]!;
    const employer = employers.find((e) => e.id === a.employerId)!;
    const invite = await bureau.post<{ path: string }>(`/employers/${employer.id}/invite`);
    const hostLink = await bureau.post<{ path: string }>('/sessions/demo/host-link');

    const host = await hostGoesLive(fx.browser, `${fx.server.url}${hostLink.body.path}`);
    await host.page.getByRole('button', { name: `置顶 ${a.title}` }).click();

    const employerPage = await fx.browser.open(`${fx.server.url}${invite.body.path}`);
    await employerPage.page.getByRole('status').filter({ hasText: '实时更新中' }).waitFor();

    const withCaptions = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 360, height: 740 } });
    const without = await fx.browser.open(`${fx.server.url}/watch/demo`, { viewport: { width: 360, height: 740 } });
    for (const v of [withCaptions, without]) await v.page.locator(`article.pinned-card[data-vacancy="${a.id}"]`).waitFor({ timeout: 15_000 });
    await withCaptions.page.getByRole('checkbox', { name: '显示字幕' }).check();

    // Ask while A is pinned.
    const question = '宿舍是几人间？有空调吗？';
    await withCaptions.page.getByRole('region', { name: '提问' }).getByRole('textbox').fill(question);
    await withCaptions.page.getByRole('button', { name: '提问', exact: true }).click();

    // A's employer sees it and answers.
    const item = employerPage.page.locator('li.question', { hasText: question });
    await item.waitFor({ timeout: 5000 });
    await item.getByLabel('回答').fill('四人间，有空调和热水');
    await item.getByRole('button', { name: '回答', exact: true }).click();

    // The asker's card shows the answer, and the asker is told.
    await withCaptions.page.locator(`article.pinned-card[data-vacancy="${a.id}"] .faq`, { hasText: '四人间，有空调和热水' }).waitFor({ timeout: 5000 });
    await expect(withCaptions.page.locator('[data-announce="answer"]').textContent()).resolves.toContain('四人间，有空调和热水');
    await expect(without.page.locator('[data-announce="answer"]').textContent()).resolves.toBe('');
    // The employer's panel keeps it, answered, under 已回答.
    const history = employerPage.page.getByRole('list', { name: /^已回答/ });
    await history.locator('li', { hasText: question }).filter({ hasText: '四人间，有空调和热水' }).waitFor({ timeout: 5000 });

    // "Answered on stage" asks first: cancelled, the question stays open; confirmed, it moves to 已回答.
    const second = '夜班有补贴吗？';
    await without.page.getByRole('region', { name: '提问' }).getByRole('textbox').fill(second);
    await without.page.getByRole('button', { name: '提问', exact: true }).click();
    const open = employerPage.page.locator('li.question:not(.question-answered)', { hasText: second });
    await open.waitFor({ timeout: 5000 });
    await open.getByRole('button', { name: '已在台上回答' }).click();
    const confirm = open.getByRole('group', { name: /已在直播中口头回答/ });
    await confirm.getByRole('button', { name: '取消' }).click();
    expect(await confirm.count()).toBe(0);
    await open.getByRole('button', { name: '已在台上回答' }).click();
    await confirm.getByRole('button', { name: '确认已回答' }).click();
    await history.locator('li', { hasText: second }).filter({ hasText: '已在直播中回答' }).waitFor({ timeout: 5000 });
    expect(await open.count()).toBe(0);
    expect(await withCaptions.page.title()).toBe('春风行动 · 人社局长直播带岗（第一场） · 春风直播带岗');
    // Switched to English: the tab's title and the announcement are English too (the answer stays as written).
    await withCaptions.page.getByLabel('语言').selectOption('en');
    await expect.poll(() => withCaptions.page.locator('[data-announce="answer"]').textContent()).toBe('Your question was answered: 四人间，有空调和热水');
    expect(await withCaptions.page.locator('[data-announce="answer"] span').getAttribute('lang')).toBe('zh-CN');
    await expect.poll(() => withCaptions.page.title()).toMatch(/ · Chunfeng Live$/);

    // The captioner, invited by the host, types a line.
    await host.page.getByLabel('邀请身份').selectOption('captioner');
    await host.page.getByRole('button', { name: '生成邀请链接' }).click();
    const captionerLink = await host.page.locator('input.invite-link').inputValue();
    const captioner = await fx.browser.open(captionerLink);
    await captioner.page.getByRole('status').filter({ hasText: '直播中' }).waitFor({ timeout: 10_000 });
    const line = '现在介绍的是电子装配岗位，包吃住';
    await captioner.page.getByRole('textbox', { name: '实时字幕' }).fill(line);
    await captioner.page.getByRole('textbox', { name: '实时字幕' }).press('Enter');

    await withCaptions.page.locator('.captions p', { hasText: line }).waitFor({ timeout: 5000 });
    await without.page.waitForTimeout(1000);
    expect(await without.page.locator('.captions').count()).toBe(0);

    // End; the replay carries the captions.
    await host.page.waitForTimeout(2000);
    await host.page.getByRole('button', { name: '结束直播' }).click();
    await host.page.getByRole('button', { name: '确认结束' }).click();
    await host.page.getByRole('status').filter({ hasText: '主播已结束本场直播' }).waitFor({ timeout: 10_000 });
    const replay = await fx.browser.open(`${fx.server.url}/replay/demo`);
    const track = replay.page.locator('video track[kind="captions"]');
    await track.waitFor({ state: 'attached', timeout: 15_000 });
    await replay.page.waitForFunction((text) => {
      const cues = document.querySelector('video')?.textTracks[0]?.cues;
      return cues ? [...cues].some((c) => (c as VTTCue).text.includes(text)) : false;
    }, line, { timeout: 15_000 });
    await replay.page.locator('li.chapter .faq', { hasText: '四人间，有空调和热水' }).waitFor();

    for (const p of [host, employerPage, withCaptions, without, captioner, replay]) expect(p.errors).toEqual([]);
  });
});
