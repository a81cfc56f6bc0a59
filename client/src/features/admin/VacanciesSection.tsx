import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { openFlags, type Employer, type Vacancy } from '@chunfeng/shared/recruitment';
import { api } from '../../signalling/api';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import { Cell, DataTable, Row } from '../../ui/DataTable';
import { formatPay } from '../../ui/format';
import { Sheet } from '../../ui/Sheet';
import { useToast } from '../../ui/Toast';
import { CatalogPicker } from './CatalogPicker';
import { useCatalog, useDocs, useNewest, useOnCatalogChange } from './catalog';
import { Field, problemText } from './forms';
import { LoadMore } from './LoadMore';
import { usePagedList } from './pagedList';
import { VacancyForm } from './VacancyForm';

/**
 * Vacancies a page at a time, narrowed on the server by employer, title and unchecked scam-guard
 * flags (the flags the bureau must check); create and edit.
 */
export function VacanciesSection() {
  const { t, i18n } = useTranslation();
  const { reload } = useCatalog();
  const toast = useToast();
  const [editing, setEditing] = useState<Vacancy | 'new'>();
  const [employerId, setEmployerId] = useState('');
  const [flaggedOnly, setFlaggedOnly] = useState(false);
  const [q, setQ] = useState('');
  const vacancies = usePagedList<'vacancies', Vacancy>('/vacancies', 'vacancies', { employerId, q, flagged: flaggedOnly ? 'yes' : undefined });
  // A vacancy added, edited or checked is shown as it is now.
  useOnCatalogChange(() => void vacancies.reload());
  const shown = vacancies.items ?? [];
  const employers = useDocs<Employer>('/employers', shown.map((v) => v.employerId));
  const employerName = (id: string): string => employers.get(id)?.name ?? '';
  // A vacancy needs an employer: with none registered there is nothing to add one to.
  const anyEmployer = useNewest<Employer>('/employers', 'employers');
  return (
    <section className="panel" aria-labelledby="vacancies-title">
      <h2 id="vacancies-title">{t('admin.vacancies')}</h2>
      <div className="toolbar">
        <Field label={t('admin.employer')}>
          {(p) => (
            <CatalogPicker<Employer>
              list="/employers"
              control={p}
              label={t('admin.employer')}
              value={employerId}
              onChange={(id) => setEmployerId(id)}
              textOf={(e) => e.name}
              noneLabel={t('list.all')}
            />
          )}
        </Field>
        <label>
          {t('admin.searchTitle')}
          <input type="search" value={q} maxLength={40} onChange={(e) => setQ(e.target.value)} data-filter="title" />
        </label>
        <label className="check">
          <input type="checkbox" className="checkbox" checked={flaggedOnly} onChange={(e) => setFlaggedOnly(e.target.checked)} />
          {t('admin.flaggedOnly')}
        </label>
        <Button variant="primary" onClick={() => setEditing('new')} disabled={!anyEmployer}>
          {t('admin.newVacancy')}
        </Button>
      </div>
      {vacancies.error !== undefined && <p role="alert">{problemText(vacancies.error, t)}</p>}
      {!vacancies.items ? (
        vacancies.error === undefined && <p role="status">{t('state.loading')}</p>
      ) : (
        shown.length === 0 && <p className="muted">{t('admin.noMatch')}</p>
      )}
      {shown.length > 0 && (
        <DataTable stacked caption={t('admin.vacancies')} columns={[t('admin.vacancy'), t('admin.employer'), t('admin.pay'), t('admin.headcount'), t('admin.flags'), t('admin.actions')]}>
          {shown.map((v) => (
            <Row key={v.id} data-vacancy={v.id}>
              <Cell label={t('admin.vacancy')}><span lang={CONTENT_LANG}>{v.title}</span></Cell>
              <Cell label={t('admin.employer')}><span lang={CONTENT_LANG}>{employerName(v.employerId)}</span></Cell>
              <Cell label={t('admin.pay')}>{formatPay(v.pay, t, i18n.language)}</Cell>
              <Cell label={t('admin.headcount')}>{v.headcount}</Cell>
              <Cell label={t('admin.flags')}>
                <Flags vacancy={v} onReviewed={() => void reload()} />
              </Cell>
              <Cell label={t('admin.actions')}>
                <Button size="small" onClick={() => setEditing(v)} aria-label={t('admin.editNamed', { title: v.title })}>
                  {t('admin.edit')}
                </Button>
              </Cell>
            </Row>
          ))}
        </DataTable>
      )}
      <LoadMore more={vacancies.more} busy={vacancies.busy} shown={shown.length} onMore={() => void vacancies.loadMore()} />
      {editing && (
        <Sheet title={editing === 'new' ? t('admin.newVacancy') : t('admin.editNamed', { title: editing.title })} onClose={() => setEditing(undefined)} className="sheet-wide">
          <VacancyForm
            vacancy={editing === 'new' ? undefined : editing}
            onSaved={(saved) => {
              setEditing(undefined);
              const held = openFlags(saved).length > 0;
              toast.show(held ? t('admin.savedFlagged') : t('admin.saved'), { tone: held ? 'error' : 'success' });
              void reload();
            }}
          />
        </Sheet>
      )}
    </section>
  );
}

/**
 * A vacancy's scam-guard flags: the rules its text trips, and whether the bureau has checked them.
 * Unchecked, the vacancy is held from job seekers; "checked" releases it (a later edit tripping
 * another rule holds it again).
 */
function Flags({ vacancy, onReviewed }: { vacancy: Vacancy; onReviewed: () => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const rules = vacancy.flags ?? [];
  if (rules.length === 0) return <>—</>;
  const open = openFlags(vacancy);
  async function review(): Promise<void> {
    setBusy(true);
    try {
      await api(`/vacancies/${encodeURIComponent(vacancy.id)}/review`, { method: 'POST', body: {} });
      toast.show(t('admin.reviewedToast', { title: vacancy.title }), { tone: 'success' });
      onReviewed();
    } catch (e) {
      toast.show(problemText(e, t), { tone: 'error' });
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="flags">
      <ul className="badges" aria-label={t('admin.flagged')}>
        {rules.map((rule) => (
          <Badge key={rule} as="li" tone={open.includes(rule) ? 'warm' : 'neutral'}>
            {t(`admin.rule.${rule}`, { defaultValue: t('admin.flagged') })}
          </Badge>
        ))}
      </ul>
      {open.length > 0 ? (
        <>
          <p className="status-warn">{t('admin.held')}</p>
          <Button size="small" busy={busy} onClick={() => void review()} aria-label={t('admin.reviewNamed', { title: vacancy.title })}>
            {t('admin.review')}
          </Button>
        </>
      ) : (
        <Badge tone="verified">{t('admin.reviewed')}</Badge>
      )}
    </div>
  );
}
