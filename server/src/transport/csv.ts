import type { Application, ApplicationStatus, TargetGroup } from '@chunfeng/shared/recruitment';

const STATUS_ZH: Record<ApplicationStatus, string> = {
  new: '新投递',
  contacted: '已联系',
  interviewing: '面试中',
  hired: '已录用',
  'not-suitable': '不合适',
  withdrawn: '已撤回',
};
const SOURCE_ZH: Record<Application['source'], string> = { live: '直播', replay: '回放', list: '岗位列表', zone: '线上招聘专区' };
const TARGET_ZH: Record<TargetGroup, string> = { 'rural-worker': '农村劳动力', 'employment-difficulty': '就业困难人员', disabled: '残疾人', graduate: '高校毕业生' };

/** "2026-11-30 16:08:34" in the bureau's time zone: what a spreadsheet shows and sorts as a time. */
function localTime(iso: string, timeZone: string): string {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(timeZone, format);
  }
  return format.format(new Date(iso));
}
/** Made once per zone: making one costs far more than formatting with it. */
const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * What a spreadsheet may take as the start of a formula: = + - @, tab and CR, and the full-width
 * ＝ ＋ － ＠ that WPS and Excel under a Chinese input method read as their ASCII forms.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

function cell(value: string): string {
  // Neutralise spreadsheet formulas in user-written text, then quote.
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** What a row names besides the application itself: asked once a page for each vacancy and employer the page names. */
export interface CsvNames {
  /** A vacancy's title (undefined: it is gone, and the row names its id). */
  vacancyTitle: (id: string) => Promise<string | undefined>;
  /** An employer's name (undefined: gone, named by its id). */
  employerName: (id: string) => Promise<string | undefined>;
  timeZone?: string;
}

/** Each distinct id's answer, asked together. */
async function lookUp(ids: Iterable<string>, name: (id: string) => Promise<string | undefined>): Promise<Map<string, string | undefined>> {
  const distinct = [...new Set(ids)];
  const names = await Promise.all(distinct.map(name));
  return new Map(distinct.map((id, i) => [id, names[i]]));
}

const HEADER = ['投递时间', '姓名', '手机号', '岗位', '企业', '状态', '来源', '人群类别', '最新备注'];

/**
 * Applicants as CSV for Excel and WPS, a chunk per page of applications: UTF-8 with a byte-order
 * mark so Chinese shows correctly, CRLF line ends, and phone numbers written as ="138…" so they stay
 * text, not 1.38E+10. Only one page is held at a time, whatever the export's length.
 */
export async function* applicationsCsv(pages: AsyncIterable<Application[]>, { vacancyTitle, employerName, timeZone = 'Asia/Shanghai' }: CsvNames): AsyncGenerator<string> {
  yield `\uFEFF${HEADER.map(cell).join(',')}\r\n`;
  for await (const page of pages) {
    if (page.length === 0) continue;
    // The names first, then the rows without an await between them: one wait a page, not one a row
    // (every promise and await per row is garbage a long export makes a million times).
    const [titles, employers] = await Promise.all([lookUp(page.map((a) => a.vacancyId), vacancyTitle), lookUp(page.map((a) => a.employerId), employerName)]);
    let chunk = '';
    for (const a of page) {
      chunk += `${[
        cell(localTime(a.createdAt, timeZone)),
        cell(a.name),
        `="${a.phone}"`,
        cell(titles.get(a.vacancyId) ?? a.vacancyId),
        cell(employers.get(a.employerId) ?? a.employerId),
        cell(STATUS_ZH[a.status]),
        cell(SOURCE_ZH[a.source]),
        cell(a.targetGroup ? TARGET_ZH[a.targetGroup] : ''),
        cell(a.history.findLast((h) => h.note !== '')?.note ?? ''),
      ].join(',')}\r\n`;
    }
    yield chunk;
  }
}
