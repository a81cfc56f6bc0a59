import { useId, useMemo, useRef, useState, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { PAY_FLOORS, paysAtLeast } from '@chunfeng/shared/jobZone';
import { AccessibilityFact, Badge, type VacancyCard } from '@chunfeng/shared/recruitment';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { ErrorState } from '../../ui/ErrorState';
import { Faq, VacancyFacts } from '../recruitment/VacancyFacts';
import { ApplyButton } from './ApplyButton';
import type { LineupStatus } from './usePins';

/**
 * Every vacancy of the session as text: the low-data way to take part, filterable by district,
 * monthly pay, badge and accessibility fact, each with apply (source "list").
 */
export function VacancyList({ vacancies, status, applied, onRetry, onApply }: {
  vacancies: VacancyCard[];
  status: LineupStatus;
  /** The vacancies this phone has applied to. */
  applied: ReadonlySet<string>;
  onRetry: () => void;
  onApply: (v: VacancyCard) => void;
}) {
  const { t, i18n } = useTranslation();
  const [district, setDistrict] = useState('');
  const [payFloor, setPayFloor] = useState(0);
  const [badge, setBadge] = useState('');
  const [access, setAccess] = useState('');
  const firstFilter = useRef<HTMLSelectElement>(null);
  const districts = useMemo(() => [...new Set(vacancies.map((v) => v.employer.district))].sort(), [vacancies]);
  const shown = vacancies.filter(
    (v) =>
      (!district || v.employer.district === district) &&
      (!payFloor || paysAtLeast(v.pay, payFloor)) &&
      (!badge || v.badges.includes(badge as VacancyCard['badges'][number])) &&
      (!access || v.accessibility.includes(access as VacancyCard['accessibility'][number])),
  );
  // A stage without a registered session has no lineup: nothing to list, nothing to say.
  if (status === 'missing') return null;
  if (status !== 'ready' || vacancies.length === 0) {
    return (
      <Card as="section" labelledBy="vacancy-list-title">
        <h2 id="vacancy-list-title">{t('list.heading')}</h2>
        {status === 'loading' && <p role="status">{t('state.loading')}</p>}
        {status === 'ready' && <p className="muted">{t('list.empty')}</p>}
        {status === 'failed' && <ErrorState text={t('list.failed')} onRetry={onRetry} />}
      </Card>
    );
  }
  return (
    <Card as="section" labelledBy="vacancy-list-title">
      <h2 id="vacancy-list-title">{t('list.title', { count: vacancies.length })}</h2>
      <div className="toolbar">
        <FilterSelect
          ref={firstFilter}
          label={t('list.district')}
          value={district}
          onChange={setDistrict}
          options={districts.map((d) => ({ value: d, label: d, content: true }))}
        />
        <FilterSelect
          label={t('list.pay')}
          value={String(payFloor)}
          allValue="0"
          onChange={(v) => setPayFloor(Number(v))}
          options={PAY_FLOORS.map((p) => ({ value: String(p), label: t('list.payAtLeast', { amount: new Intl.NumberFormat(i18n.language).format(p) }) }))}
        />
        <FilterSelect label={t('list.badge')} value={badge} onChange={setBadge} options={Badge.options.map((b) => ({ value: b, label: t(`card.badge.${b}`) }))} />
        <FilterSelect
          label={t('list.access')}
          value={access}
          onChange={setAccess}
          options={AccessibilityFact.options.map((a) => ({ value: a, label: t(`card.access.${a}`) }))}
        />
      </div>
      <p role="status" className="muted">
        {t('list.showing', { count: shown.length })}
      </p>
      {shown.length === 0 && (
        <div className="state-block">
          <p>{t('list.noMatch')}</p>
          <Button
            onClick={() => {
              setDistrict('');
              setPayFloor(0);
              setBadge('');
              setAccess('');
              // The button goes with the empty result: focus stays in the list, at its first filter.
              firstFilter.current?.focus();
            }}
          >
            {t('list.clearFilters')}
          </Button>
        </div>
      )}
      <ul className="vacancy-list">
        {shown.map((v) => (
          <VacancyItem key={v.id} vacancy={v} applied={applied.has(v.id)} onApply={onApply} />
        ))}
      </ul>
    </Card>
  );
}

function VacancyItem({ vacancy: v, applied, onApply }: { vacancy: VacancyCard; applied: boolean; onApply: (v: VacancyCard) => void }) {
  const { t } = useTranslation();
  const [expanded, setExpanded] = useState(false);
  const title = useId();
  return (
    <li data-vacancy={v.id}>
      <h3 id={title}>
        <span lang={CONTENT_LANG}>{v.title}</span> <span className="muted">· {t('card.headcount', { count: v.headcount })}</span>
      </h3>
      <p className="pinned-employer" lang={CONTENT_LANG}>
        {v.employer.name} · {v.employer.district}
      </p>
      <VacancyFacts vacancy={v} compact={!expanded} />
      <Faq vacancy={v} />
      <div className="toolbar">
        <ApplyButton vacancy={v} applied={applied} onApply={onApply} />
        {/* As on the pinned card: a toggle that stays put, so focus is not lost when the details open. */}
        <Button onClick={() => setExpanded((e) => !e)} aria-expanded={expanded} aria-describedby={title}>
          {t('card.details')}
        </Button>
      </div>
    </li>
  );
}

/** One filter of the list: "all" (`allValue`) first, then its options (`content`: Chinese data such as a district name). */
function FilterSelect({ ref, label, value, onChange, options, allValue = '' }: {
  ref?: Ref<HTMLSelectElement>;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: Array<{ value: string; label: string; content?: boolean }>;
  allValue?: string;
}) {
  const { t } = useTranslation();
  return (
    <label>
      {label}
      <select ref={ref} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value={allValue}>{t('list.all')}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value} lang={o.content ? CONTENT_LANG : undefined}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
