import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { CampaignInput, type Campaign } from '@chunfeng/shared/recruitment';
import { api } from '../../signalling/api';
import { CONTENT_LANG } from '../../ui/content';
import { Cell, DataTable, Row } from '../../ui/DataTable';
import { formatDate } from '../../ui/format';
import { useToast } from '../../ui/Toast';
import { localDate, useCatalog, useCounts, useOnCatalogChange } from './catalog';
import { Field, FormActions, onSubmit, problemText, useSchemaForm } from './forms';
import { LoadMore } from './LoadMore';
import { usePagedList } from './pagedList';

/** Campaigns (Spring Breeze Action, Employment Assistance Month…) a page at a time, searched by name: their dates, sessions and statistics. */
export function CampaignsSection() {
  const { t, i18n } = useTranslation();
  const [q, setQ] = useState('');
  const campaigns = usePagedList<'campaigns', Campaign>('/campaigns', 'campaigns', { q });
  // A campaign added is shown as it is now.
  useOnCatalogChange(() => void campaigns.reload());
  const sessionCounts = useCounts('session', (campaigns.items ?? []).map((c) => c.id));
  return (
    <section className="panel" aria-labelledby="campaigns-title">
      <h2 id="campaigns-title">{t('admin.section.campaigns')}</h2>
      <div className="filters">
        <label className="field">
          {t('admin.searchName')}
          <input type="search" value={q} maxLength={40} onChange={(e) => setQ(e.target.value)} data-filter="name" />
        </label>
      </div>
      {campaigns.error !== undefined && <p role="alert">{problemText(campaigns.error, t)}</p>}
      {!campaigns.items ? (
        campaigns.error === undefined && <p role="status">{t('state.loading')}</p>
      ) : campaigns.items.length === 0 ? (
        <p className="muted">{q.trim() ? t('admin.noMatch') : t('admin.noCampaigns')}</p>
      ) : (
        <DataTable stacked caption={t('admin.section.campaigns')} columns={[t('admin.campaign'), t('admin.dates'), t('admin.sessionCount'), t('admin.actions')]}>
          {campaigns.items.map((c) => (
            <Row key={c.id} data-campaign={c.id}>
              <Cell label={t('admin.campaign')}><span lang={CONTENT_LANG}>{c.name}</span></Cell>
              <Cell label={t('admin.dates')}>
                {formatDate(c.startsOn, i18n.language)} – {formatDate(c.endsOn, i18n.language)}
              </Cell>
              <Cell label={t('admin.sessionCount')}>{sessionCounts.get(c.id)}</Cell>
              <Cell label={t('admin.actions')}>
                <Link href={`/admin/statistics/campaigns/${encodeURIComponent(c.id)}`} className="button button-secondary button-small" aria-label={t('admin.statisticsNamed', { title: c.name })}>
                  {t('admin.statistics')}
                </Link>{' '}
                <Link href={`/admin/reports/campaigns/${encodeURIComponent(c.id)}`} className="button button-secondary button-small" aria-label={t('report.openNamed', { title: c.name })}>
                  {t('report.open')}
                </Link>
              </Cell>
            </Row>
          ))}
        </DataTable>
      )}
      <LoadMore more={campaigns.more} busy={campaigns.busy} shown={campaigns.items?.length ?? 0} onMore={() => void campaigns.loadMore()} />
      <NewCampaign />
    </section>
  );
}

function NewCampaign() {
  const { t } = useTranslation();
  const { reload } = useCatalog();
  const toast = useToast();
  const empty = { name: '', startsOn: localDate(), endsOn: localDate(), description: '' };
  const [form, setForm] = useState(empty);
  const { errors, problem, busy, submit, formRef } = useSchemaForm(CampaignInput, async (input) => {
    await api('/campaigns', { method: 'POST', body: input });
    setForm(empty);
    toast.show(t('admin.saved'), { tone: 'success' });
    await reload();
  });
  return (
    <form ref={formRef} noValidate className="admin-form" aria-labelledby="new-campaign-title" onSubmit={onSubmit(() => submit(form))}>
      <h3 id="new-campaign-title">{t('admin.newCampaign')}</h3>
      <div className="form-grid">
        <Field label={t('admin.campaignName')} error={errors['name']}>
          {(p) => <input {...p} value={form.name} maxLength={120} onChange={(e) => setForm({ ...form, name: e.target.value })} />}
        </Field>
        <Field label={t('admin.startsOn')} error={errors['startsOn']}>
          {(p) => <input {...p} type="date" value={form.startsOn} onChange={(e) => setForm({ ...form, startsOn: e.target.value })} />}
        </Field>
        <Field label={t('admin.endsOn')} error={errors['endsOn']}>
          {(p) => <input {...p} type="date" value={form.endsOn} onChange={(e) => setForm({ ...form, endsOn: e.target.value })} />}
        </Field>
      </div>
      <Field label={t('admin.description')} error={errors['description']}>
        {(p) => <textarea {...p} rows={2} maxLength={2000} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />}
      </Field>
      <FormActions problem={problem} busy={busy} label={t('admin.createCampaign')} />
    </form>
  );
}
