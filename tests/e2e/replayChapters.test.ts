import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import type { JobZonePage } from '@chunfeng/shared/jobZone';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { apiClient } from '../harness/api';
import { recordDemoReplay } from '../harness/replayRecording';
import { TEST_ADMIN_PASSWORD } from '../harness/server';
import { seriousViolations } from './axe';
import { e2eFixture } from './fixture';

const run = promisify(execFile);

/**
 * A finished replay of the demo session (the real HLS pipeline: RTP from ffmpeg into mediasoup, two
 * vacancies pinned in turn, the session ended), then, in Chromium, the job zone's link to a vacancy's
 * replay chapter and the console's clips page.
 */
describe('a finished replay in Chromium: the job zone opens it at the vacancy; the clips page lists and downloads clips', () => {
  const fx = e2eFixture({ HLS_ENABLED: 'true', HLS_RENDITIONS: '360p,audio', MEDIA_WORKERS: '1' });
  let pinned: Vacancy[] = [];

  test('recorded, then the zone\'s replay link opens the replay at that vacancy\'s chapter', async () => {
    ({ pinned } = await recordDemoReplay(fx.server, { chapters: [3, 3] }));
    const zone = await fx.browser.open(`${fx.server.url}/jobs`, { viewport: { width: 360, height: 640 } });
    // A pinned vacancy's card links to its replay chapter (`?vacancy=`), named by the session.
    const link = zone.page.locator(`[data-vacancy="${pinned[1]!.id}"] a[href*="/replay/"]`);
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`/replay/demo?vacancy=${encodeURIComponent(pinned[1]!.id)}`);
    expect(await link.innerText()).toMatch(/^看回放：/);
    // A vacancy of the same lineup the host never pinned has no chapter: no replay link, which would
    // open the replay at its start rather than at that vacancy.
    const zoneApi = await apiClient(fx.server.url).get<JobZonePage>('/public/jobs?limit=50');
    const unpinned = zoneApi.body.vacancies.find((v) => v.session.id === 'demo' && !pinned.some((p) => p.id === v.id));
    expect(unpinned, 'a vacancy of the demo lineup that was not pinned').toBeDefined();
    expect(unpinned!.session.replay).toBe(false);
    expect(zoneApi.body.vacancies.find((v) => v.id === pinned[1]!.id)!.session.replay).toBe(true);
    await zone.page.locator(`[data-vacancy="${unpinned!.id}"]`).waitFor();
    expect(await zone.page.locator(`[data-vacancy="${unpinned!.id}"] a[href*="/replay/"]`).count()).toBe(0);
    await link.click();
    await zone.page.waitForURL(/\/replay\/demo\?vacancy=/);
    // The replay opens at that chapter: it is the current one, the other is not.
    const chapter = zone.page.locator(`.chapter[data-vacancy="${pinned[1]!.id}"]`);
    await chapter.waitFor();
    await zone.page.locator(`.chapter[data-vacancy="${pinned[1]!.id}"][aria-current="true"]`).waitFor();
    expect(await zone.page.locator(`.chapter[data-vacancy="${pinned[0]!.id}"]`).getAttribute('aria-current')).toBeNull();
    expect(zone.errors).toEqual([]);
  }, 120_000);

  test('the clips page lists each chapter, makes a clip of one, shows its length and size, and the download is that MP4', async () => {
    const admin = await fx.browser.open(`${fx.server.url}/admin/clips/sessions/demo`);
    await admin.page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
    await admin.page.getByRole('button', { name: '登录' }).click();
    await admin.page.getByRole('heading', { name: '宣传片段' }).waitFor();
    for (const v of pinned) await admin.page.getByRole('button', { name: `导出片段：${v.title}`, exact: true }).waitFor();
    await admin.page.getByRole('button', { name: `导出片段：${pinned[0]!.title}`, exact: true }).click();
    const download = admin.page.getByRole('link', { name: /^下载 MP4：片段 / });
    await download.waitFor({ timeout: 60_000 });
    const row = admin.page.getByRole('row').filter({ has: download });
    const cells = (await row.getByRole('cell').allInnerTexts()).map((t) => t.trim());
    // Length (m:ss) and size are stated, not the placeholder.
    expect(cells[2]).toMatch(/^\d+:\d{2}$/);
    expect(cells[3]).toMatch(/\d/);
    const [file] = await Promise.all([admin.page.waitForEvent('download'), download.click()]);
    const saved = await file.path();
    expect(fs.statSync(saved).size).toBeGreaterThan(1000);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration,format_name', '-of', 'json', saved]);
    const format = (JSON.parse(stdout) as { format: { duration: string; format_name: string } }).format;
    expect(format.format_name).toMatch(/mp4/);
    const [m, s] = cells[2]!.split(':').map(Number);
    expect(Math.abs(Number(format.duration) - (m! * 60 + s!))).toBeLessThanOrEqual(1);
    // Each button and link names its chapter or clip after the words it shows (label in name).
    expect(await seriousViolations(admin.page)).toEqual([]);
    expect(admin.errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
  }, 120_000);
});
