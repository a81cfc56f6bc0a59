import fs from 'node:fs';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import type { CampaignStatistics } from '@chunfeng/shared/statistics';
import { bureauClient } from '../harness/api';
import { seedReportCampaign } from '../harness/reportCampaign';
import { TEST_ADMIN_PASSWORD } from '../harness/server';
import type { TestPage } from '../harness/browser';
import { e2eFixture } from './fixture';

const BUREAU = '兰州市人力资源和社会保障局';

/** The workbook's sheet `name` as rows of cell values (the header row first). */
function rowsOf(book: ExcelJS.Workbook, name: string): unknown[][] {
  const sheet = book.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet ${name}`);
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

async function signIn(page: TestPage['page']): Promise<void> {
  await page.getByLabel('密码').fill(TEST_ADMIN_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
}

/** The campaign summary (活动总结) in the bureau console: the workbook it downloads and the page it prints. */
describe('the campaign report in Chromium', () => {
  const fx = e2eFixture({ BUREAU_NAME: BUREAU });

  test('the bureau downloads the XLSX from the console; its figures are the statistics API’s', async () => {
    const bureau = await bureauClient(fx.server.url);
    // A name of its own each try (a retry must not find the first try's campaign beside it).
    const { campaign } = await seedReportCampaign(fx.server.url, bureau, { name: `2027年春风行动暨就业援助月专场招聘 ${Date.now()}` });
    const stats = (await bureau.get<CampaignStatistics>(`/statistics/campaigns/${campaign.id}`)).body;
    expect(stats.applications.total).toBe(14);

    const admin = await fx.browser.open(`${fx.server.url}/admin/campaigns`);
    await signIn(admin.page);
    await admin.page.getByRole('link', { name: `活动总结：${campaign.name}` }).click();
    await admin.page.getByRole('heading', { name: `${campaign.name} · 活动总结` }).waitFor();
    const [download] = await Promise.all([admin.page.waitForEvent('download'), admin.page.getByRole('button', { name: '下载 Excel 报表' }).click()]);
    expect(download.suggestedFilename()).toBe(`活动总结-${campaign.name}.xlsx`);
    const book = new ExcelJS.Workbook();
    const bytes = fs.readFileSync(await download.path());
    await book.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

    const summary = rowsOf(book, '汇总');
    const value = (label: string) => summary.find((row) => row[0] === label)?.[1];
    expect(value('单位')).toBe(BUREAU);
    expect(value('活动')).toBe(campaign.name);
    expect(value('场次')).toBe(stats.sessions.length);
    expect(value('最高同时观看')).toBe(Math.max(...stats.sessions.map((s) => s.peakViewers)));
    expect(value('报名数')).toBe(stats.applications.total);
    expect(value('独立观众')).toBe(stats.uniqueViewers.count);
    const statusLabel: Record<string, string> = { new: '新投递', contacted: '已联系', interviewing: '面试中', hired: '已录用', 'not-suitable': '不合适', withdrawn: '已撤回' };
    for (const { status, count } of stats.applications.byStatus) expect(value(statusLabel[status]!), status).toBe(count);
    expect([value('已联系'), value('面试中'), value('已录用')]).toEqual([3, 3, 3]);

    const groupLabel: Record<string, string> = { 'rural-worker': '农村劳动力', 'employment-difficulty': '就业困难人员', disabled: '残疾人', graduate: '高校毕业生', unspecified: '未填写' };
    expect(rowsOf(book, '按重点群体').slice(1).map((row) => [row[0], row[1]])).toEqual(stats.applications.byTargetGroup.map((g) => [groupLabel[g.group], g.count]));
    expect(rowsOf(book, '场次').slice(1).map((row) => [row[0], row[5], row[6]])).toEqual(stats.sessions.map((s) => [s.title, s.peakViewers, s.applications]));
    expect(rowsOf(book, '热门岗位').slice(1).map((row) => [row[0], row[5]])).toEqual(stats.applications.byVacancy.slice(0, 10).map((v) => [v.title, v.count]));
    // The employers' and the districts' rows add up to the statistics' total.
    const sum = (sheet: string, column: number) => rowsOf(book, sheet).slice(1).reduce((n, row) => n + (row[column] as number), 0);
    expect(sum('按用人单位', 7)).toBe(stats.applications.total);
    expect(sum('按区县', 4)).toBe(stats.applications.total);
    expect(sum('每日趋势', 3)).toBe(stats.applications.total);

    // Follow-up (已联系, 面试中, 已录用) by priority group, employer and district: each group's row is
    // the statistics' own figure; the employers' and districts' add up to the campaign's.
    const followUp = ['contacted', 'interviewing', 'hired'] as const;
    const groups = rowsOf(book, '按重点群体');
    expect(groups[0]!.slice(3)).toEqual(['已联系', '面试中', '已录用']);
    const stated = (group: string, status: string) => stats.applications.byGroupAndStatus.find((c) => c.group === group && c.status === status)?.count ?? 0;
    expect(groups.slice(1).map((row) => [row[0], ...row.slice(3)])).toEqual(stats.applications.byTargetGroup.map((g) => [groupLabel[g.group], ...followUp.map((s) => stated(g.group, s))]));
    const statusTotal = (status: string) => stats.applications.byStatus.find((c) => c.status === status)?.count ?? 0;
    for (const [i, status] of followUp.entries()) {
      expect(sum('按重点群体', 3 + i), status).toBe(statusTotal(status));
      expect(sum('按用人单位', 8 + i), status).toBe(statusTotal(status));
      expect(sum('按区县', 5 + i), status).toBe(statusTotal(status));
      expect(stats.applications.byVacancyAndStatus.filter((c) => c.status === status).reduce((n, c) => n + c.count, 0)).toBe(statusTotal(status));
    }
    expect(rowsOf(book, '按区县').slice(1).map((row) => [row[0], ...row.slice(5)])).toEqual([
      ['七里河区', 2, 2, 1],
      ['安宁区', 1, 1, 2],
    ]);
    // The printable page shows the same: the factory's district row and the disabled group's, follow-up last.
    const row = (table: string, heading: string) => admin.page.getByRole('table', { name: table, exact: true }).getByRole('row').filter({ hasText: heading });
    expect((await row('按区县', '七里河区').getByRole('cell').allInnerTexts()).map((t) => t.trim())).toEqual(['七里河区', '3', '1', '2', '8', '2', '2', '1']);
    expect((await row('按重点群体', '残疾人').getByRole('cell').allInnerTexts()).map((t) => t.trim()).slice(-3)).toEqual(['0', '1', '1']);
    expect((await admin.page.getByRole('table', { name: '按用人单位', exact: true }).getByRole('columnheader').allInnerTexts()).slice(-4)).toEqual(['报名数', '已联系', '面试中', '已录用']);
    // The campaign's statistics page states its unique viewers too, "estimate" where the store estimates them.
    await admin.page.goto(`${fx.server.url}/admin/statistics/campaigns/${encodeURIComponent(campaign.id)}`);
    const kpi = admin.page.locator('.kpi').filter({ hasText: '独立观众' });
    await kpi.waitFor();
    expect(await kpi.locator('dt').innerText()).toBe(stats.uniqueViewers.approximate ? '独立观众（估算，误差约 ±0.81%）' : '独立观众');
    expect(await kpi.locator('dd').innerText()).toBe(String(stats.uniqueViewers.count));
    expect(admin.errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
  });

  test('printed: A4, the bureau’s name and the campaign title, no console around it; readable on a 360×640 phone', async () => {
    const bureau = await bureauClient(fx.server.url);
    const { campaign } = await seedReportCampaign(fx.server.url, bureau, { name: `就业援助月专场（打印）${Date.now()}` });
    const admin = await fx.browser.open(`${fx.server.url}/admin/reports/campaigns/${encodeURIComponent(campaign.id)}`);
    await signIn(admin.page);
    const title = admin.page.getByRole('heading', { name: `${campaign.name} · 活动总结` });
    await title.waitFor();
    const nav = admin.page.getByRole('navigation', { name: /./ });
    expect(await nav.isVisible()).toBe(true);

    await admin.page.emulateMedia({ media: 'print' });
    expect(await title.isVisible()).toBe(true);
    expect(await admin.page.getByText(BUREAU, { exact: true }).isVisible()).toBe(true);
    expect(await nav.isVisible()).toBe(false);
    expect(await admin.page.locator('.app-header').isVisible()).toBe(false);
    expect(await admin.page.locator('#admin-title').isVisible()).toBe(false);
    expect(await admin.page.getByRole('button', { name: '下载 Excel 报表' }).isVisible()).toBe(false);
    expect(await admin.page.getByRole('button', { name: '打印' }).isVisible()).toBe(false);
    // The page's own @page size: Chromium's PDF of it is A4 (595 × 842 points).
    const pdf = (await admin.page.pdf({ preferCSSPageSize: true })).toString('latin1');
    expect(pdf).toMatch(/\/MediaBox \[0 0 59[45]\.\d+ 841\.\d+\]/);
    expect(pdf).not.toMatch(/\/MediaBox \[0 0 612/);

    await admin.page.emulateMedia({ media: 'screen' });
    await admin.page.setViewportSize({ width: 360, height: 640 });
    await title.waitFor();
    // Wide tables scroll inside their own region: the page itself is not wider than the phone.
    expect(await admin.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(await admin.page.getByRole('button', { name: '下载 Excel 报表' }).isVisible()).toBe(true);

    // In English the sessions table's thirteen headings are longer: printed, it still fits A4's width
    // between the margins (210 mm − 2 × 12 mm = 186 mm, 703 CSS px), every table inside the page.
    await admin.page.evaluate(() => localStorage.setItem('chunfeng.lang', 'en'));
    await admin.page.reload();
    await admin.page.getByRole('heading', { name: `${campaign.name} · Campaign summary` }).waitFor();
    await admin.page.setViewportSize({ width: 703, height: 1000 });
    await admin.page.emulateMedia({ media: 'print' });
    const printed = await admin.page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      tables: [...document.querySelectorAll('.campaign-report table')].map((t) => t.getBoundingClientRect().right),
    }));
    expect(printed.tables.length).toBeGreaterThan(5);
    expect(printed.page).toBeLessThanOrEqual(703);
    for (const right of printed.tables) expect(right).toBeLessThanOrEqual(703);
    expect(admin.errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
  });
});
