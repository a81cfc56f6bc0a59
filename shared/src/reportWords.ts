import type { ReportLanguage } from './campaignReport';

/**
 * The campaign report's terms, one wording for the console's report page and the XLSX workbook the
 * server writes, so the printed page and the sheets a bureau files name every figure the same way.
 */
const zhCN = {
  sessions: '场次',
  sessionsHeld: '已结束场次',
  peakViewers: '最高同时观看',
  sumOfPeaks: '各场最高同时观看合计',
  uniqueViewers: '独立观众',
  employers: '参与用人单位',
  vacancies: '提供岗位',
  headcount: '招聘人数',
  love: '爱心岗位',
  publicWelfare: '公益性岗位',
  applications: '报名数',
  bySector: '按行业',
  byDistrict: '按区县',
  byGroup: '按重点群体',
  byEmployer: '按用人单位',
  bySource: '按报名渠道',
  topVacancies: '热门岗位',
  trend: '每日趋势',
  session: '场次名称',
  sector: '行业',
  district: '区县',
  employer: '用人单位',
  vacancy: '岗位',
  group: '重点群体',
  source: '报名渠道',
  day: '日期',
  share: '占比',
  none: '未指定',
};

/** Every term in each language (a compile error if one misses a term). */
export type ReportTerms = { [K in keyof typeof zhCN]: string };

export const REPORT_TERMS: Record<ReportLanguage, ReportTerms> = {
  'zh-CN': zhCN,
  en: {
    sessions: 'Sessions',
    sessionsHeld: 'Sessions ended',
    peakViewers: 'Peak concurrent viewers',
    sumOfPeaks: 'Sessions’ peak viewers added up',
    uniqueViewers: 'Unique viewers',
    employers: 'Employers',
    vacancies: 'Vacancies offered',
    headcount: 'Positions (headcount)',
    love: 'Inclusive jobs (爱心岗位)',
    publicWelfare: 'Public-welfare jobs (公益性岗位)',
    applications: 'Applications',
    bySector: 'By sector',
    byDistrict: 'By district',
    byGroup: 'By priority group',
    byEmployer: 'By employer',
    bySource: 'By source',
    topVacancies: 'Top vacancies',
    trend: 'Daily trend',
    session: 'Session',
    sector: 'Sector',
    district: 'District',
    employer: 'Employer',
    vacancy: 'Vacancy',
    group: 'Priority group',
    source: 'Source',
    day: 'Day',
    share: 'Share',
    none: 'not given',
  },
};
