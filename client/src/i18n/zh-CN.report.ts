import { REPORT_TERMS } from '@chunfeng/shared/reportWords';
/** The campaign summary (活动总结) page of the bureau console. */
export const zhCNReport = {
  report: {
    ...REPORT_TERMS['zh-CN'],
    title: '活动总结',
    open: '活动总结',
    openNamed: '活动总结：{{title}}',
    heading: '{{campaign}} 活动总结',
    dates: '活动时间：{{from}} 至 {{to}}',
    generated: '生成时间：{{at}}',
    download: '下载 Excel 报表',
    print: '打印',
    backToCampaigns: '← 返回活动列表',
    overview: '总体情况',
    uniqueExact: '独立观众按浏览器计（同一浏览器看多场只计一次），未取得设备标识的观看不计入。',
    uniqueApproximate: '独立观众按浏览器计（同一浏览器看多场只计一次），为估算值（误差约 ±0.81%），未取得设备标识的观看不计入。',
    bySession: '各场次',
    when: '开播时间',
    badges: '标识',
  },
};
