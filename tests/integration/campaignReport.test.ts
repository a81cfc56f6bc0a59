import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CampaignReport } from '@chunfeng/shared/campaignReport';
import type { CampaignStatistics } from '@chunfeng/shared/statistics';
import { apiClient, bureauClient } from '../harness/api';
import { seedReportCampaign, type SeededCampaign } from '../harness/reportCampaign';
import { startTestServer, type TestServer } from '../harness/server';

const BUREAU = '兰州市人力资源和社会保障局';

/** The workbook's sheet `name` as rows of cell values (row 1, the header, first). */
function rowsOf(book: ExcelJS.Workbook, name: string): unknown[][] {
  const sheet = book.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet ${name}; sheets: ${book.worksheets.map((s) => s.name).join(', ')}`);
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

describe('the campaign report (活动总结): GET /api/campaigns/:id/report and /report.xlsx', () => {
  let server: TestServer;
  let bureau: Awaited<ReturnType<typeof bureauClient>>;
  let seeded: SeededCampaign;
  let stats: CampaignStatistics;

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1', BUREAU_NAME: BUREAU });
    bureau = await bureauClient(server.url);
    seeded = await seedReportCampaign(server.url, bureau);
    stats = (await bureau.get<CampaignStatistics>(`/statistics/campaigns/${seeded.campaign.id}`)).body;
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('the report states the statistics API’s figures, and its breakdowns add up to them', async () => {
    const res = await bureau.get<CampaignReport>(`/campaigns/${seeded.campaign.id}/report`);
    expect(res.status).toBe(200);
    const r = res.body;
    expect(r.bureau).toBe(BUREAU);
    expect(r.campaign).toEqual(stats.campaign);
    expect(r.totals.applications).toBe(stats.applications.total);
    expect(r.totals.applications).toBe(14);
    expect(r.byTargetGroup.map(({ group, count }) => ({ group, count }))).toEqual(stats.applications.byTargetGroup);
    expect(r.bySource).toEqual(stats.applications.bySource);
    for (const { status, count } of stats.applications.byStatus) expect(r.totals.byStatus[status]).toBe(count);
    expect(r.totals.byStatus).toEqual({ new: 3, contacted: 3, interviewing: 3, hired: 3, 'not-suitable': 1, withdrawn: 1 });
    expect(r.sessions.map((s) => [s.id, s.peakViewers, s.applications])).toEqual(stats.sessions.map((s) => [s.id, s.peakViewers, s.applications]));
    expect(r.sessions.map((s) => s.applications)).toEqual([4, 4, 6]);
    // Each session's status counts are its own and add up to the campaign's.
    for (const s of r.sessions) expect(Object.values(s.byStatus).reduce((a, b) => a + b, 0)).toBe(s.applications);
    expect(r.sessions[2]!.byStatus).toMatchObject({ hired: 1, interviewing: 2, contacted: 1, new: 2 });

    expect(r.totals).toMatchObject({ sessions: 3, sessionsHeld: 0, employers: 2, vacancies: 4, headcount: 23, love: 1, publicWelfare: 1 });
    expect(r.byEmployer.map((e) => [e.name, e.district, e.vacancies, e.love, e.publicWelfare, e.applications])).toEqual([
      ['报告测试机械厂', '七里河区', 2, 1, 0, 8],
      ['报告测试物业公司', '安宁区', 2, 0, 1, 6],
    ]);
    expect(r.byDistrict.map((d) => [d.name, d.sessions, d.employers, d.vacancies, d.applications])).toEqual([
      ['七里河区', 3, 1, 2, 8],
      ['安宁区', 2, 1, 2, 6],
    ]);
    expect(r.bySector.map((d) => [d.name, d.sessions, d.applications])).toEqual([
      ['制造业', 3, 8],
      ['居民服务', 2, 6],
    ]);
    expect(r.topVacancies.map((v) => [v.vacancyId, v.count])).toEqual(stats.applications.byVacancy.map((v) => [v.vacancyId, v.count]));

    // Follow-up (contacted, interviewing, hired) by priority group, employer, district and sector:
    // each group's is the statistics' own, and each breakdown adds up to the campaign's.
    const followUp = (byStatus: CampaignReport['totals']['byStatus']) => [byStatus.contacted, byStatus.interviewing, byStatus.hired];
    for (const g of r.byTargetGroup) {
      for (const status of ['contacted', 'interviewing', 'hired'] as const) {
        const stated = stats.applications.byGroupAndStatus.find((c) => c.group === g.group && c.status === status)?.count ?? 0;
        expect(g.byStatus[status], `${g.group} ${status}`).toBe(stated);
      }
      expect(Object.values(g.byStatus).reduce((a, b) => a + b, 0)).toBe(g.count);
    }
    expect(Object.fromEntries(r.byTargetGroup.map((g) => [g.group, followUp(g.byStatus)]))).toEqual({
      'rural-worker': [1, 1, 1],
      'employment-difficulty': [1, 1, 1],
      disabled: [0, 1, 1],
      graduate: [1, 0, 0],
      unspecified: [0, 0, 0],
    });
    expect(r.byEmployer.map((e) => [e.name, ...followUp(e.byStatus)])).toEqual([
      ['报告测试机械厂', 2, 2, 1],
      ['报告测试物业公司', 1, 1, 2],
    ]);
    expect(r.byDistrict.map((d) => [d.name, ...followUp(d.byStatus)])).toEqual([
      ['七里河区', 2, 2, 1],
      ['安宁区', 1, 1, 2],
    ]);
    expect(r.bySector.map((d) => [d.name, ...followUp(d.byStatus)])).toEqual([
      ['制造业', 2, 2, 1],
      ['居民服务', 1, 1, 2],
    ]);
    // The employers' figures are their vacancies' in the statistics, added up.
    const factoryVacancies = new Set(stats.applications.byVacancy.filter((v) => v.employer === '报告测试机械厂').map((v) => v.vacancyId));
    for (const status of ['contacted', 'interviewing', 'hired'] as const) {
      const stated = stats.applications.byVacancyAndStatus.filter((c) => factoryVacancies.has(c.vacancyId) && c.status === status).reduce((n, c) => n + c.count, 0);
      expect(r.byEmployer[0]!.byStatus[status]).toBe(stated);
    }
    for (const rows of [r.byTargetGroup, r.byEmployer, r.byDistrict]) expect(rows.reduce((n, row) => n + row.byStatus.hired, 0)).toBe(r.totals.byStatus.hired);
    expect(r.trend).toEqual([
      { day: '2027-02-10', sessions: 2, peakViewers: 0, uniqueViewers: 0, applications: 8 },
      { day: '2027-02-17', sessions: 1, peakViewers: 0, uniqueViewers: 0, applications: 6 },
    ]);
  });

  test('the workbook: a summary sheet first with the bureau and the campaign, one sheet per breakdown, numbers as numbers', async () => {
    const res = await bureau.raw(`/campaigns/${seeded.campaign.id}/report.xlsx`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="campaign-report-[\w.-]+-\d{4}-\d{2}-\d{2}\.xlsx"; filename\*=UTF-8''/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    expect(book.worksheets.map((s) => s.name)).toEqual(['汇总', '场次', '按行业', '按区县', '按重点群体', '按用人单位', '热门岗位', '按报名渠道', '每日趋势']);
    const summary = rowsOf(book, '汇总');
    const value = (label: string) => summary.find((row) => row[0] === label)?.[1];
    expect(value('单位')).toBe(BUREAU);
    expect(value('活动')).toBe(seeded.campaign.name);
    expect(value('报名数')).toBe(stats.applications.total);
    expect(value('已录用')).toBe(3);
    expect(value('场次')).toBe(3);
    expect(value('爱心岗位')).toBe(1);
    expect(value('公益性岗位')).toBe(1);
    for (const label of ['报名数', '已录用', '场次', '最高同时观看', '独立观众', '提供岗位']) expect(typeof value(label)).toBe('number');
    // Nobody watched these sessions (scheduled, never live): no viewer, said as a number, with how it is counted.
    expect(value('独立观众')).toBe(stats.uniqueViewers.count);
    expect(value('独立观众')).toBe(0);
    expect(summary.find((row) => row[0] === '独立观众')?.[2]).toMatch(stats.uniqueViewers.approximate ? /^估算值（误差约 ±0\.81%）/ : /^按浏览器计/);

    const groups = rowsOf(book, '按重点群体');
    expect(groups[0]).toEqual(['重点群体', '报名数', '占比', '已联系', '面试中', '已录用']);
    const label: Record<string, string> = { 'rural-worker': '农村劳动力', 'employment-difficulty': '就业困难人员', disabled: '残疾人', graduate: '高校毕业生', unspecified: '未填写' };
    expect(groups.slice(1).map((row) => [row[0], row[1]])).toEqual(stats.applications.byTargetGroup.map((g) => [label[g.group], g.count]));
    const stated = (group: string, status: string) => stats.applications.byGroupAndStatus.find((c) => c.group === group && c.status === status)?.count ?? 0;
    expect(groups.slice(1).map((row) => row.slice(3))).toEqual(stats.applications.byTargetGroup.map((g) => [stated(g.group, 'contacted'), stated(g.group, 'interviewing'), stated(g.group, 'hired')]));

    const sessions = rowsOf(book, '场次');
    expect(sessions[0]).toEqual(['场次名称', '开播时间', '状态', '行业', '区县', '最高同时观看', '报名数', '新投递', '已联系', '面试中', '已录用', '不合适', '已撤回', '独立观众']);
    expect(sessions.slice(1).map((row) => [row[0], row[6]])).toEqual(stats.sessions.map((s) => [s.title, s.applications]));
    for (const row of sessions.slice(1)) for (const cell of row.slice(5)) expect(typeof cell).toBe('number');

    const employers = rowsOf(book, '按用人单位');
    expect(employers[0]!.slice(7)).toEqual(['报名数', '已联系', '面试中', '已录用']);
    expect(employers.slice(1).reduce((n, row) => n + (row[7] as number), 0)).toBe(stats.applications.total);
    expect(employers.slice(1).map((row) => [row[0], ...row.slice(8)])).toEqual([
      ['报告测试机械厂', 2, 2, 1],
      ['报告测试物业公司', 1, 1, 2],
    ]);
    const districts = rowsOf(book, '按区县');
    expect(districts[0]).toEqual(['区县', '场次', '参与用人单位', '提供岗位', '报名数', '已联系', '面试中', '已录用']);
    expect(districts.slice(1).map((row) => [row[0], row[4], ...row.slice(5)])).toEqual([
      ['七里河区', 8, 2, 2, 1],
      ['安宁区', 6, 1, 1, 2],
    ]);
    // The daily trend: a row a day with sessions, numbers as numbers, unique viewers last.
    expect(rowsOf(book, '每日趋势')).toEqual([
      ['日期', '场次', '最高同时观看', '报名数', '独立观众'],
      ['2027-02-10', 2, 0, 8, 0],
      ['2027-02-17', 1, 0, 6, 0],
    ]);
  });

  test('the workbook in English when asked', async () => {
    const res = await bureau.raw(`/campaigns/${seeded.campaign.id}/report.xlsx?lang=en`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    expect(book.worksheets[0]!.name).toBe('Summary');
    expect(rowsOf(book, 'Summary').find((row) => row[0] === 'Applications')?.[1]).toBe(14);
  });

  test('only the bureau: anonymous and an employer’s console are refused, with typed errors', async () => {
    const anonymous = apiClient(server.url);
    const employer = apiClient(server.url, seeded.employerToken);
    for (const path of [`/campaigns/${seeded.campaign.id}/report`, `/campaigns/${seeded.campaign.id}/report.xlsx`]) {
      const a = await anonymous.get<{ error: { code: string } }>(path);
      expect(a.status).toBe(401);
      expect(a.body.error.code).toBe('UNAUTHORIZED');
      const e = await employer.get<{ error: { code: string } }>(path);
      expect(e.status).toBe(403);
      expect(e.body.error.code).toBe('FORBIDDEN');
    }
  });

  test('an unknown campaign is a typed 404, a bad id or query a typed 400; never a 500', async () => {
    for (const suffix of ['report', 'report.xlsx']) {
      const missing = await bureau.get<{ error: { code: string } }>(`/campaigns/no-such-campaign/${suffix}`);
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('NOT_FOUND');
      const long = await bureau.get<{ error: { code: string } }>(`/campaigns/${'x'.repeat(65)}/${suffix}`);
      expect(long.status).toBe(400);
      expect(long.body.error.code).toBe('VALIDATION');
      for (const query of ['lang=fr', 'lang=en&lang=zh-CN', 'extra=1', 'lang[a]=1']) {
        const bad = await bureau.get<{ error: { code: string } }>(`/campaigns/${seeded.campaign.id}/${suffix}?${query}`);
        expect(bad.status, query).toBe(400);
        expect(bad.body.error.code).toBe('VALIDATION');
      }
    }
  });

  test('a campaign named like a formula is written as text, not as a formula', async () => {
    const hostile = await seedReportCampaign(server.url, bureau, { name: '=HYPERLINK("http://evil.example","点我")' });
    const res = await bureau.raw(`/campaigns/${hostile.campaign.id}/report.xlsx`);
    expect(res.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    const cell = book.getWorksheet('汇总')!.getRow(3).getCell(2);
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.value).toBe('=HYPERLINK("http://evil.example","点我")');
  });
});
