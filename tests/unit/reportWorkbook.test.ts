import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import type { CampaignReport, StatusCounts } from '@chunfeng/shared/campaignReport';
import { writeReportWorkbook } from '../../server/src/transport/reportWorkbook';

/**
 * exceljs writes a JavaScript string as a string cell whatever it starts with (a formula only from a
 * { formula } value), so the workbook needs no apostrophe guard as the CSV does: a spreadsheet reads
 * a string cell as text. This checks it for every text the bureau or an employer typed.
 */
describe('the campaign report workbook', () => {
  const hostile = ['=HYPERLINK("http://evil.example","点我")', '+1+1', '-1+1', '@SUM(A1)', '\tx', '＝1+1', '＋1', '－1', '＠SUM(A1)'];
  const none: StatusCounts = { new: 0, contacted: 0, interviewing: 0, hired: 0, 'not-suitable': 0, withdrawn: 0 };
  const text = (i: number): string => hostile[i % hostile.length]!;
  const report: CampaignReport = {
    bureau: text(0),
    campaign: { id: 'c1', name: text(5), startsOn: '2026-01-01', endsOn: '2026-03-31' },
    generatedAt: '2026-03-01T08:00:00.000Z',
    totals: { sessions: 1, sessionsHeld: 1, peakViewers: 3, sumOfPeaks: 3, uniqueViewers: 2, uniqueViewersApproximate: false, employers: 1, vacancies: 1, headcount: 2, love: 0, publicWelfare: 0, applications: 1, byStatus: { ...none, new: 1 } },
    byTargetGroup: [{ group: 'unspecified', count: 1, byStatus: { ...none, new: 1 } }],
    bySource: [{ source: 'live', count: 1 }],
    sessions: hostile.map((_, i) => ({ id: `s${i}`, title: text(i), status: 'ended', scheduledAt: '2026-03-01T08:00:00.000Z', peakViewers: 3, uniqueViewers: 2, applications: 1, day: '2026-03-01', sectors: [text(i + 1)], districts: [text(i + 2)], byStatus: none })),
    bySector: hostile.map((_, i) => ({ name: text(i), sessions: 1, employers: 1, vacancies: 1, applications: 1, byStatus: none })),
    byDistrict: hostile.map((_, i) => ({ name: text(i), sessions: 1, employers: 1, vacancies: 1, applications: 1, byStatus: none })),
    byEmployer: hostile.map((_, i) => ({ employerId: `e${i}`, name: text(i), industry: text(i + 1), district: text(i + 2), vacancies: 1, love: 0, publicWelfare: 0, headcount: 2, applications: 1, byStatus: none })),
    topVacancies: hostile.map((_, i) => ({ vacancyId: `v${i}`, title: text(i), employer: text(i + 1), district: text(i + 2), count: 1, love: false, publicWelfare: false })),
    trend: [{ day: '2026-03-01', sessions: 1, peakViewers: 3, uniqueViewers: 2, applications: 1 }],
  };

  test('names typed like formulas (ASCII and full-width) are string cells holding the text as typed; no cell is a formula', async () => {
    const out = new PassThrough();
    const written = buffer(out);
    await writeReportWorkbook(report, 'zh-CN', out, 'Asia/Shanghai');
    const book = new ExcelJS.Workbook();
    const bytes = await written;
    await book.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const found = new Set<string>();
    let cells = 0;
    book.eachSheet((sheet) =>
      sheet.eachRow((row) =>
        row.eachCell((cell) => {
          cells += 1;
          expect(cell.type, `${sheet.name}!${cell.address}`).not.toBe(ExcelJS.ValueType.Formula);
          if (typeof cell.value === 'string' && hostile.includes(cell.value)) {
            expect(cell.type).toBe(ExcelJS.ValueType.String);
            found.add(cell.value);
          }
        }),
      ),
    );
    expect(cells).toBeGreaterThan(100);
    expect([...found].sort()).toEqual([...hostile].sort());
    // The session sheet's titles, in their cells as typed.
    expect(book.getWorksheet('场次')!.getRow(2).getCell(1).value).toBe(hostile[0]);
    expect(book.getWorksheet('场次')!.getRow(7).getCell(1).value).toBe('＝1+1');
  });
});
