import type { TFunction } from 'i18next';
import type { VacancyCard } from '@chunfeng/shared/recruitment';

/** "4,500–6,500 元/月" in Chinese, "4,500–6,500 yuan / month" in English. */
export function formatPay(pay: VacancyCard['pay'], t: TFunction, language: string): string {
  const n = new Intl.NumberFormat(language);
  const range = pay.min === pay.max ? n.format(pay.min) : `${n.format(pay.min)}–${n.format(pay.max)}`;
  return `${range} ${t(`card.payUnit.${pay.unit}`)}`;
}

/** Month, day and time; the year too when it is not this year (a session scheduled for 2020 must not pass for this one). */
export function formatTime(iso: string, language: string, now: Date = new Date()): string {
  const when = new Date(iso);
  const year = when.getFullYear() === now.getFullYear() ? {} : ({ year: 'numeric' } as const);
  return new Intl.DateTimeFormat(language, { ...year, month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(when);
}

/** A calendar date (yyyy-mm-dd, no time zone) in the reader's language. */
export function formatDate(isoDate: string, language: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Intl.DateTimeFormat(language, { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1));
}
