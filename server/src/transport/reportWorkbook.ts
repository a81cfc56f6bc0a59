import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { CampaignReport, ReportGroupRow, ReportLanguage, StatusCounts } from '@chunfeng/shared/campaignReport';
import type { ApplicationStatus, ApplySource, SessionStatus, TargetGroup } from '@chunfeng/shared/recruitment';
import { REPORT_TERMS as T } from '@chunfeng/shared/reportWords';
import { NONE } from '../domain/campaignReport';

const STATUSES: readonly ApplicationStatus[] = ['new', 'contacted', 'interviewing', 'hired', 'not-suitable', 'withdrawn'];
/** The follow-up each breakdown sheet (group, sector, district, employer) has after its applications. */
const FOLLOW_UP: readonly ApplicationStatus[] = ['contacted', 'interviewing', 'hired'];

/** The workbook's words in each language: the report's terms (shared with the console's page) and the sheets' own. */
const WORDS = {
  'zh-CN': {
    ...T['zh-CN'],
    sheet: { summary: '汇总', sessions: '场次', sector: T['zh-CN'].bySector, district: T['zh-CN'].byDistrict, group: T['zh-CN'].byGroup, employer: T['zh-CN'].byEmployer, top: T['zh-CN'].topVacancies, source: T['zh-CN'].bySource, trend: T['zh-CN'].trend },
    title: '活动总结',
    bureau: '单位',
    campaign: '活动',
    dates: '活动时间',
    generated: '生成时间',
    item: '项目',
    value: '数值',
    note: '说明',
    uniqueExact: '按浏览器计，同一浏览器看多场只计一次；未取得设备标识的观看不计入',
    uniqueApproximate: '估算值（误差约 ±0.81%）；按浏览器计，同一浏览器看多场只计一次；未取得设备标识的观看不计入',
    scheduledAt: '开播时间',
    state: '状态',
    name: '名称',
    statuses: { new: '新投递', contacted: '已联系', interviewing: '面试中', hired: '已录用', 'not-suitable': '不合适', withdrawn: '已撤回' },
    sessionStatus: { scheduled: '未开始', live: '直播中', ended: '已结束' },
    groups: { 'rural-worker': '农村劳动力', 'employment-difficulty': '就业困难人员', disabled: '残疾人', graduate: '高校毕业生', unspecified: '未填写' },
    sources: { live: '直播', replay: '回放', list: '岗位列表', zone: '线上招聘专区' },
    yes: '是',
    no: '',
  },
  en: {
    ...T['en'],
    sheet: { summary: 'Summary', sessions: 'Sessions', sector: T['en'].bySector, district: T['en'].byDistrict, group: T['en'].byGroup, employer: T['en'].byEmployer, top: T['en'].topVacancies, source: T['en'].bySource, trend: T['en'].trend },
    title: 'Campaign summary',
    bureau: 'Bureau',
    campaign: 'Campaign',
    dates: 'Dates',
    generated: 'Generated',
    item: 'Item',
    value: 'Value',
    note: 'Note',
    uniqueExact: 'Per browser: one browser watching several sessions counts once; viewing without a device id is not counted',
    uniqueApproximate: 'An estimate (about ±0.81%); per browser: one browser watching several sessions counts once; viewing without a device id is not counted',
    scheduledAt: 'Scheduled',
    state: 'Status',
    name: 'Name',
    statuses: { new: 'New', contacted: 'Contacted', interviewing: 'Interviewing', hired: 'Hired', 'not-suitable': 'Not suitable', withdrawn: 'Withdrawn' },
    sessionStatus: { scheduled: 'Scheduled', live: 'Live', ended: 'Ended' },
    groups: { 'rural-worker': 'Rural workers', 'employment-difficulty': 'Employment-difficulty persons', disabled: 'Disabled persons', graduate: 'Graduates', unspecified: 'Not stated' },
    sources: { live: 'Live', replay: 'Replay', list: 'Vacancy list', zone: 'Online job zone' },
    yes: 'yes',
    no: '',
  },
} satisfies Record<ReportLanguage, unknown>;

type Words = (typeof WORDS)['zh-CN'];
// A compile error if a language misses a status, group or source.
const _complete: Record<ReportLanguage, { statuses: Record<ApplicationStatus, string>; sessionStatus: Record<SessionStatus, string>; groups: Record<TargetGroup | 'unspecified', string>; sources: Record<ApplySource, string> }> = WORDS;
void _complete;

type Cell = string | number;

/**
 * Writes the report as an XLSX workbook to `out`, a row at a time (exceljs's streaming writer: no
 * sheet is held whole). A summary sheet first, then one sheet per breakdown; figures are numbers.
 */
export async function writeReportWorkbook(report: CampaignReport, lang: ReportLanguage, out: Writable, timeZone: string): Promise<void> {
  const w: Words = WORDS[lang];
  const name = (s: string): string => (s === NONE ? w.none : s);
  const local = (iso: string): string => new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  book.creator = report.bureau;
  book.title = `${report.campaign.name} ${w.title}`;
  book.created = new Date(report.generatedAt);

  const sheet = (title: string, header: Cell[], rows: Iterable<Cell[]>, widths: number[] = []): void => {
    const ws = book.addWorksheet(title, { views: [{ state: 'frozen', ySplit: 1 }], pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
    ws.columns = header.map((_, i) => ({ width: widths[i] ?? 14 }));
    const head = ws.addRow(header);
    head.font = { bold: true };
    head.commit();
    for (const row of rows) ws.addRow(row).commit();
    ws.commit();
  };

  const t = report.totals;
  const summaryRows: Cell[][] = [
    [w.bureau, report.bureau],
    [w.campaign, report.campaign.name],
    [w.dates, `${report.campaign.startsOn} – ${report.campaign.endsOn}`],
    [w.generated, local(report.generatedAt)],
    [w.sessions, t.sessions],
    [w.sessionsHeld, t.sessionsHeld],
    [w.peakViewers, t.peakViewers],
    [w.sumOfPeaks, t.sumOfPeaks],
    [w.uniqueViewers, t.uniqueViewers, t.uniqueViewersApproximate ? w.uniqueApproximate : w.uniqueExact],
    [w.employers, t.employers],
    [w.vacancies, t.vacancies],
    [w.headcount, t.headcount],
    [w.love, t.love],
    [w.publicWelfare, t.publicWelfare],
    [w.applications, t.applications],
    ...STATUSES.map((s): Cell[] => [w.statuses[s], t.byStatus[s]]),
  ];
  sheet(w.sheet.summary, [w.item, w.value, w.note], summaryRows, [26, 40, 60]);

  sheet(
    w.sheet.sessions,
    [w.session, w.scheduledAt, w.state, w.sector, w.district, w.peakViewers, w.applications, ...STATUSES.map((s) => w.statuses[s]), w.uniqueViewers],
    report.sessions.map((s) => [s.title, local(s.scheduledAt), w.sessionStatus[s.status], s.sectors.map(name).join('、'), s.districts.map(name).join('、'), s.peakViewers, s.applications, ...STATUSES.map((st) => s.byStatus[st]), s.uniqueViewers]),
    [36, 18, 10, 20, 16],
  );

  const followUpHeads = FOLLOW_UP.map((s) => w.statuses[s]);
  const followUp = (byStatus: StatusCounts): number[] => FOLLOW_UP.map((s) => byStatus[s]);
  const groupSheet = (title: string, heading: string, rows: ReportGroupRow[]): void =>
    sheet(title, [heading, w.sessions, w.employers, w.vacancies, w.applications, ...followUpHeads], rows.map((r) => [name(r.name), r.sessions, r.employers, r.vacancies, r.applications, ...followUp(r.byStatus)]), [24]);
  groupSheet(w.sheet.sector, w.sector, report.bySector);
  groupSheet(w.sheet.district, w.district, report.byDistrict);

  const share = (n: number): number => (t.applications === 0 ? 0 : Math.round((n / t.applications) * 1000) / 1000);
  sheet(w.sheet.group, [w.group, w.applications, w.share, ...followUpHeads], report.byTargetGroup.map((g) => [w.groups[g.group], g.count, share(g.count), ...followUp(g.byStatus)]), [30]);

  sheet(
    w.sheet.employer,
    [w.employer, w.sector, w.district, w.vacancies, w.love, w.publicWelfare, w.headcount, w.applications, ...followUpHeads],
    report.byEmployer.map((e) => [name(e.name), name(e.industry), name(e.district), e.vacancies, e.love, e.publicWelfare, e.headcount, e.applications, ...followUp(e.byStatus)]),
    [30, 16, 14],
  );

  sheet(
    w.sheet.top,
    [w.vacancy, w.employer, w.district, w.love, w.publicWelfare, w.applications],
    report.topVacancies.map((v) => [v.title, name(v.employer), name(v.district), v.love ? w.yes : w.no, v.publicWelfare ? w.yes : w.no, v.count]),
    [30, 30, 14],
  );

  sheet(w.sheet.source, [w.source, w.applications, w.share], report.bySource.map((s) => [w.sources[s.source], s.count, share(s.count)]), [20]);

  sheet(w.sheet.trend, [w.day, w.sessions, w.peakViewers, w.applications, w.uniqueViewers], report.trend.map((d) => [d.day, d.sessions, d.peakViewers, d.applications, d.uniqueViewers]));

  await book.commit();
}
