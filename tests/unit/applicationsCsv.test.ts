import { describe, expect, test } from 'vitest';
import type { Application } from '@chunfeng/shared/recruitment';
import { applicationsCsv } from '../../server/src/transport/csv';

const applicant = (i: number, over: Partial<Application> = {}): Application => ({
  id: `a${i}` as Application['id'],
  vacancyId: 'v1' as Application['vacancyId'],
  employerId: 'e1' as Application['employerId'],
  sessionId: null,
  name: `申请人${i}`,
  phone: `1380000${String(i).padStart(4, '0')}`,
  targetGroup: null,
  consent: { version: 'v1', at: '2026-03-01T08:00:00.000Z' },
  source: 'live',
  status: 'new',
  history: [],
  createdAt: '2026-03-01T08:00:00.000Z',
  ...over,
});

async function text(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

describe('the applicants CSV', () => {
  test('a chunk per page, each vacancy and employer looked up once a page, Excel-safe cells', async () => {
    const pages = (async function* (): AsyncGenerator<Application[]> {
      for (const page of [[applicant(1), applicant(2, { name: '=HYPERLINK("x")' })], [], [applicant(3, { vacancyId: 'gone' as Application['vacancyId'] })]]) {
        yield await Promise.resolve(page);
      }
    })();
    const asked: string[] = [];
    const chunks = await text(
      applicationsCsv(pages, {
        vacancyTitle: (id) => (asked.push(id), Promise.resolve(id === 'v1' ? '普工' : undefined)),
        employerName: () => Promise.resolve('春晖电子'),
      }),
    );
    // The header, then one chunk per page that had rows.
    expect(chunks).toHaveLength(3);
    expect(chunks[0]!.startsWith('\uFEFF"投递时间"')).toBe(true);
    const rows = chunks.join('').split('\r\n').filter(Boolean);
    expect(rows).toHaveLength(4);
    expect(rows[1]).toBe('"2026-03-01 16:00:00","申请人1",="13800000001","普工","春晖电子","新投递","直播","",""');
    // A formula typed as a name is neutralised.
    expect(rows[2]).toContain('"\'=HYPERLINK(""x"")"');
    // A vacancy that is gone is named by its id.
    expect(rows[3]).toContain('"gone"');
    // The first page names v1 twice: asked once.
    expect(asked).toEqual(['v1', 'gone']);
  });

  test('a cell a spreadsheet would read as a formula starts with an apostrophe: = + - @, their full-width forms (WPS, Excel with a CJK input method), tab and CR', async () => {
    const starts = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];
    const written = 'SUM(1+1)';
    const pages = (async function* (): AsyncGenerator<Application[]> {
      yield await Promise.resolve(
        starts.map((c, i) => applicant(i, { vacancyId: `v${i}` as Application['vacancyId'], history: [{ status: 'contacted', at: '2026-03-02T08:00:00.000Z', by: 'bureau', note: `${c}${written}` }] })),
      );
    })();
    const chunks = await text(
      applicationsCsv(pages, {
        vacancyTitle: (id) => Promise.resolve(`${starts[Number(id.slice(1))]!}${written}`),
        employerName: () => Promise.resolve('＝春晖电子'),
      }),
    );
    const rows = chunks[1]!.split('\r\n').filter(Boolean);
    expect(rows).toHaveLength(starts.length);
    starts.forEach((c, i) => {
      const quoted = `"'${c}${written}"`;
      // The vacancy's title (4th cell) and the latest note (last) are both neutralised.
      expect(rows[i]!.split(',')[3]).toBe(quoted);
      expect(rows[i]!.endsWith(`,${quoted}`)).toBe(true);
      expect(rows[i]).toContain(`"'＝春晖电子"`);
    });
  });

  test('the same characters inside a cell, or a minus-like dash that no spreadsheet reads as one, are left as written', async () => {
    const pages = (async function* (): AsyncGenerator<Application[]> {
      yield await Promise.resolve([applicant(1, { name: '王＝五' })]);
    })();
    const chunks = await text(applicationsCsv(pages, { vacancyTitle: () => Promise.resolve('普工—夜班 A+B'), employerName: () => Promise.resolve('—春晖@电子') }));
    const row = chunks[1]!.split('\r\n')[0]!;
    expect(row).toContain('"王＝五"');
    expect(row).toContain('"普工—夜班 A+B"');
    expect(row).toContain('"—春晖@电子"');
  });
});
