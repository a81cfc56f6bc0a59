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
});
