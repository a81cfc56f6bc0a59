import { REPORT_TERMS } from '@chunfeng/shared/reportWords';
import type { zhCNReport } from './zh-CN.report';

export const enReport: typeof zhCNReport = {
  report: {
    ...REPORT_TERMS['en'],
    title: 'Campaign summary',
    open: 'Summary report',
    openNamed: 'Summary report: {{title}}',
    heading: '{{campaign}}: campaign summary',
    dates: 'Dates: {{from}} to {{to}}',
    generated: 'Generated: {{at}}',
    download: 'Download Excel workbook',
    print: 'Print',
    backToCampaigns: '← Back to campaigns',
    overview: 'Overview',
    uniqueExact: 'Unique viewers are counted per browser (one browser watching several sessions counts once); viewing without a device id is not counted.',
    uniqueApproximate: 'Unique viewers are counted per browser (one browser watching several sessions counts once) and are an estimate (about ±0.81%); viewing without a device id is not counted.',
    bySession: 'Sessions',
    when: 'Scheduled',
    badges: 'Badges',
  },
};
