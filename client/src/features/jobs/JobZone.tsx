import { useEffect, useMemo, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useSearch } from 'wouter';
import type { CurrentCampaign } from '@chunfeng/shared/catalogPages';
import { JOB_ZONE_PAGE_SIZE, JobZoneQuery, PAY_FLOORS, type JobZonePage, type ZoneVacancy } from '@chunfeng/shared/jobZone';
import { AccessibilityFact, Badge, TargetGroup, type VacancyCard } from '@chunfeng/shared/recruitment';
import { api } from '../../signalling/api';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { ErrorState } from '../../ui/ErrorState';
import { formatTime } from '../../ui/format';
import { nextPageCount } from '../../ui/nextPage';
import { useDocumentTitle } from '../../ui/useDocumentTitle';
import { VacancyFacts } from '../recruitment/VacancyFacts';
import { ApplyButton } from '../viewer/ApplyButton';
import { ApplySheet } from '../viewer/ApplySheet';
import { MyApplications } from '../viewer/MyApplications';
import { appliedVacancies, useMyApplications } from '../viewer/myApplications';
import './jobs.css';

/** The filter names, in the order a link writes them: the page's query and the API's are the same. */
const NAMES = ['district', 'sector', 'pay', 'badge', 'group', 'access'] as const;

type FilterOption = { value: string; text: string; lang?: string };
type FilterProps = { name: (typeof NAMES)[number]; chosen: URLSearchParams; options: FilterOption[]; onChange: (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => void };

/** One of the board's single-choice filters: "all" first, then its options. */
function FilterSelect({ name, label, all, chosen, options, onChange }: FilterProps & { label: string; all: string }) {
  return (
    <label>
      {label}
      <select name={name} value={chosen.get(name) ?? ''} onChange={onChange}>
        <option value="">{all}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value} lang={o.lang}>
            {o.text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** One of the board's any-of filters: a box per option under a legend. */
function FilterChecks({ name, legend, chosen, options, onChange }: FilterProps & { legend: string }) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {options.map((o) => (
        <label key={o.value} className="zone-check">
          <input type="checkbox" name={name} value={o.value} checked={chosen.getAll(name).includes(o.value)} onChange={onChange} />
          {o.text}
        </label>
      ))}
    </fieldset>
  );
}

/**
 * The page's query as the API takes it: only the filters, each once, in one order, values checked by
 * the API's own schema (a hand-edited link with a bad value shows the whole board, not an error).
 */
function canonical(search: string): string {
  const given = new URLSearchParams(search);
  const out = new URLSearchParams();
  for (const name of NAMES) for (const value of given.getAll(name)) if (value.trim() !== '' && !out.getAll(name).includes(value)) out.append(name, value);
  const raw: Record<string, string[]> = {};
  for (const name of NAMES) if (out.has(name)) raw[name] = out.getAll(name);
  const checked = JobZoneQuery.safeParse(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, k === 'badge' || k === 'access' ? v : v[0]])));
  return checked.success ? out.toString() : '';
}

/** A vacancy of the zone as the shared card components take it (the zone sends no FAQ). */
const asCard = (v: ZoneVacancy): VacancyCard => ({ ...v, faq: [] });

/**
 * The online job zone (线上招聘专区, /jobs): every vacancy of the current campaign as text, filtered by
 * a plain form whose values are the page's query (a filtered board is a link to share), a page at a
 * time with "show more", and apply (source "zone") through the viewer's own sheet.
 */
export function JobZone() {
  const { t, i18n } = useTranslation();
  useDocumentTitle(t('zone.title'));
  const search = useSearch();
  const [, navigate] = useLocation();
  const query = useMemo(() => canonical(search), [search]);
  const chosen = useMemo(() => new URLSearchParams(query), [query]);
  const [board, setBoard] = useState<{ query: string; campaign: CurrentCampaign | null; districts: string[]; sectors: string[]; total: number; vacancies: ZoneVacancy[]; next: string | null }>();
  // Which ask failed (its query and attempt): a new filter or a retry is not shown as failed.
  const [failedAsk, setFailedAsk] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreFailed, setMoreFailed] = useState(false);
  const [applying, setApplying] = useState<ZoneVacancy>();
  const firstNew = useRef<string | undefined>(undefined);
  const list = useRef<HTMLUListElement>(null);
  const mine = useMyApplications();
  const applied = useMemo(() => appliedVacancies(mine), [mine]);

  useEffect(() => {
    let cancelled = false;
    api<JobZonePage>(`/public/jobs${query ? `?${query}` : ''}`).then(
      (page) => {
        if (cancelled) return;
        setBoard({ query, campaign: page.campaign ?? null, districts: page.districts ?? [], sectors: page.sectors ?? [], total: page.total, vacancies: page.vacancies, next: page.next });
      },
      () => {
        if (!cancelled) setFailedAsk(`${attempt}:${query}`);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [query, attempt]);

  // After "show more", focus goes to the first vacancy it brought, so a keyboard or screen-reader user reads on from there.
  useEffect(() => {
    const id = firstNew.current;
    if (id === undefined) return;
    firstNew.current = undefined;
    list.current?.querySelector<HTMLElement>(`[data-vacancy="${CSS.escape(id)}"] h2`)?.focus();
  }, [board]);

  async function showMore(): Promise<void> {
    if (!board?.next) return;
    setLoadingMore(true);
    setMoreFailed(false);
    try {
      const params = new URLSearchParams(board.query);
      params.set('cursor', board.next);
      const page = await api<JobZonePage>(`/public/jobs?${params}`);
      // A page answered for a filter the form has since left is dropped.
      setBoard((now) => {
        if (!now || now.query !== board.query) return now;
        const known = new Set(now.vacancies.map((v) => v.id));
        const added = page.vacancies.filter((v) => !known.has(v.id));
        firstNew.current = added[0]?.id;
        return { ...now, total: page.total, vacancies: [...now.vacancies, ...added], next: page.next };
      });
    } catch {
      setMoreFailed(true);
    } finally {
      setLoadingMore(false);
    }
  }

  function submit(form: HTMLFormElement): void {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (typeof value === 'string' && value !== '') params.append(name, value);
    const next = params.toString();
    navigate(next ? `/jobs?${next}` : '/jobs');
  }

  // Each control applies at once: the address changes, and the board for it is asked for.
  const changed = (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>): void => {
    if (e.currentTarget.form) submit(e.currentTarget.form);
  };
  // What the next page brings: "show 5 more" when fewer than a page are left.
  const moreLabel = (total: number, shown: number): string => {
    const count = nextPageCount({ total, shown, pageSize: JOB_ZONE_PAGE_SIZE });
    return count === undefined ? t('zone.more') : t('zone.moreCount', { count });
  };
  const current = board?.query === query ? board : undefined;
  const failed = failedAsk === `${attempt}:${query}`;
  const loading = !current && !failed;
  return (
    <section className="job-zone" aria-labelledby="zone-title">
      <h1 id="zone-title">{t('zone.title')}</h1>
      {current?.campaign && (
        <p className="muted" lang={CONTENT_LANG}>
          {t('zone.lead', { campaign: current.campaign.name })}
        </p>
      )}
      {/* A plain GET form: every control is native, and its values are the page's address. */}
      <form
        role="search"
        aria-label={t('zone.filters')}
        action="/jobs"
        method="get"
        className="zone-filters"
        onSubmit={(e: FormEvent<HTMLFormElement>) => {
          e.preventDefault();
          submit(e.currentTarget);
        }}
      >
        <FilterSelect name="district" label={t('zone.district')} all={t('zone.all')} chosen={chosen} onChange={changed} options={(board?.districts ?? []).map((d) => ({ value: d, text: d, lang: CONTENT_LANG }))} />
        <FilterSelect name="sector" label={t('zone.sector')} all={t('zone.all')} chosen={chosen} onChange={changed} options={(board?.sectors ?? []).map((d) => ({ value: d, text: d, lang: CONTENT_LANG }))} />
        <FilterSelect
          name="pay"
          label={t('zone.pay')}
          all={t('zone.all')}
          chosen={chosen}
          onChange={changed}
          options={PAY_FLOORS.map((p) => ({ value: String(p), text: t('zone.payAtLeast', { amount: new Intl.NumberFormat(i18n.language).format(p) }) }))}
        />
        <FilterSelect name="group" label={t('zone.group')} all={t('zone.all')} chosen={chosen} onChange={changed} options={TargetGroup.options.map((g) => ({ value: g, text: t(`card.target.${g}`) }))} />
        <FilterChecks name="badge" legend={t('zone.badges')} chosen={chosen} onChange={changed} options={Badge.options.map((b) => ({ value: b, text: t(`card.badge.${b}`) }))} />
        <FilterChecks name="access" legend={t('zone.access')} chosen={chosen} onChange={changed} options={AccessibilityFact.options.map((a) => ({ value: a, text: t(`card.access.${a}`) }))} />
        <div className="toolbar">
          <Button type="submit" variant="primary">
            {t('zone.apply')}
          </Button>
          {query !== '' && (
            <a
              href="/jobs"
              onClick={(e) => {
                e.preventDefault();
                navigate('/jobs');
              }}
            >
              {t('zone.clear')}
            </a>
          )}
        </div>
      </form>
      {/* One live region for the result: said once per filter or page, not per card. */}
      <p role="status" className="zone-count">
        {loading ? t('state.loading') : current ? t('zone.found', { count: current.total }) : ''}
      </p>
      {failed && <ErrorState text={t('zone.failed')} onRetry={() => setAttempt((n) => n + 1)} />}
      {current && current.campaign === null && <p className="muted">{t('zone.none')}</p>}
      {current && current.campaign !== null && current.total === 0 && <p>{t('zone.noMatch')}</p>}
      {current && current.vacancies.length > 0 && (
        <ul className="vacancy-list zone-list" ref={list}>
          {current.vacancies.map((v) => (
            <ZoneItem key={v.id} vacancy={v} applied={applied.has(v.id)} onApply={() => setApplying(v)} />
          ))}
        </ul>
      )}
      {current && current.vacancies.length > 0 && (
        <div className="toolbar">
          <span className="muted">{t('zone.shown', { shown: current.vacancies.length, total: current.total })}</span>
          {current.next !== null && (
            <Button onClick={() => void showMore()} busy={loadingMore}>
              {moreLabel(current.total, current.vacancies.length)}
            </Button>
          )}
        </div>
      )}
      {moreFailed && <ErrorState text={t('zone.failed')} onRetry={() => void showMore()} />}
      <MyApplications refreshKey={applying} />
      {applying && <ApplySheet vacancy={asCard(applying)} sessionId={applying.session.id} source="zone" onClose={() => setApplying(undefined)} />}
    </section>
  );
}

/** One vacancy: what it is, who offers it, its session (live, next, or the replay at its chapter), and apply. */
function ZoneItem({ vacancy: v, applied, onApply }: { vacancy: ZoneVacancy; applied: boolean; onApply: () => void }) {
  const { t, i18n } = useTranslation();
  const card = useMemo(() => asCard(v), [v]);
  const s = v.session;
  const session =
    s.status === 'live'
      ? { href: `/watch/${encodeURIComponent(s.id)}`, text: t('zone.session.live', { title: s.title }) }
      : s.status === 'scheduled'
        ? { href: `/watch/${encodeURIComponent(s.id)}`, text: t('zone.session.scheduled', { title: s.title, time: formatTime(s.scheduledAt, i18n.language) }) }
        : s.replay
          ? { href: `/replay/${encodeURIComponent(s.id)}?vacancy=${encodeURIComponent(v.id)}`, text: t('zone.session.replay', { title: s.title }) }
          : { href: `/watch/${encodeURIComponent(s.id)}`, text: t('zone.session.ended', { title: s.title }) };
  return (
    <Card as="li" data-vacancy={v.id} className="zone-item">
      <h2 tabIndex={-1}>
        <span lang={CONTENT_LANG}>{v.title}</span> <span className="muted">· {t('card.headcount', { count: v.headcount })}</span>
      </h2>
      <p className="pinned-employer" lang={CONTENT_LANG}>
        {t('zone.employer', { name: v.employer.name, district: v.employer.district, sector: v.employer.industry })}
      </p>
      <VacancyFacts vacancy={card} compact />
      <p className="zone-session">
        <a href={session.href} className={s.status === 'live' ? 'zone-live' : undefined}>
          {session.text}
        </a>
      </p>
      <div className="toolbar">
        <ApplyButton vacancy={card} applied={applied} onApply={onApply} />
      </div>
    </Card>
  );
}
