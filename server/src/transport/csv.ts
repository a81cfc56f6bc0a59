import type { Application, ApplicationStatus, Employer, Vacancy } from '@chunfeng/shared/recruitment';

const STATUS_ZH: Record<ApplicationStatus, string> = {
  new: '新投递',
  contacted: '已联系',
  interviewing: '面试中',
  hired: '已录用',
  'not-suitable': '不合适',
  withdrawn: '已撤回',
};
const SOURCE_ZH: Record<Application['source'], string> = { live: '直播', replay: '回放', list: '岗位列表' };

function cell(value: string): string {
  // Neutralise spreadsheet formulas in user-written text, then quote.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/**
 * Applicants as CSV for Excel and WPS: UTF-8 with a byte-order mark so Chinese shows correctly,
 * CRLF line ends, and phone numbers written as ="138…" so they stay text, not 1.38E+10.
 */
export function applicationsCsv(
  applications: Application[],
  { vacancies, employers }: { vacancies: Map<string, Vacancy>; employers: Map<string, Employer> },
): string {
  const header = ['投递时间', '姓名', '手机号', '岗位', '企业', '状态', '来源', '人群类别', '最新备注'];
  const rows = applications.map((a) => {
    const vacancy = vacancies.get(a.vacancyId);
    const employer = employers.get(a.employerId);
    return [
      cell(a.createdAt),
      cell(a.name),
      `="${a.phone}"`,
      cell(vacancy?.title ?? a.vacancyId),
      cell(employer?.name ?? a.employerId),
      cell(STATUS_ZH[a.status]),
      cell(SOURCE_ZH[a.source]),
      cell(a.targetGroup ?? ''),
      cell(a.history.at(-1)?.note ?? ''),
    ].join(',');
  });
  return `\uFEFF${[header.map(cell).join(','), ...rows].join('\r\n')}\r\n`;
}
