import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { EmployerInput, type Employer } from '@chunfeng/shared/recruitment';
import { api } from '../../signalling/api';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import { Cell, DataTable, Row } from '../../ui/DataTable';
import { useToast } from '../../ui/Toast';
import { useCatalog, useCounts, useOnCatalogChange } from './catalog';
import { Field, FormActions, onSubmit, problemText, useSchemaForm } from './forms';
import { IssuedLink, type Issued } from './IssuedLink';
import { LoadMore } from './LoadMore';
import { usePagedList } from './pagedList';

/** Employers a page at a time, searched by name: verification by the bureau, and console links for their recruiters. */
export function EmployersSection() {
  const { t } = useTranslation();
  const { reload } = useCatalog();
  const toast = useToast();
  const [issued, setIssued] = useState<Issued>();
  const [pending, setPending] = useState<Record<string, boolean>>({});
  const [q, setQ] = useState('');
  const employers = usePagedList<'employers', Employer>('/employers', 'employers', { q });
  // An employer added or verified is shown as it is now.
  useOnCatalogChange(() => void employers.reload());
  const vacancyCounts = useCounts('vacancy', (employers.items ?? []).map((e) => e.id));

  async function setVerified(id: string, verified: boolean): Promise<void> {
    // Shown at once; the server's answer (or the reload after an error) settles it.
    setPending((p) => ({ ...p, [id]: verified }));
    try {
      await api(`/employers/${encodeURIComponent(id)}`, { method: 'PATCH', body: { verified } });
    } catch (error) {
      toast.show(problemText(error, t), { tone: 'error' });
    } finally {
      await reload();
      setPending(({ [id]: _done, ...rest }) => rest);
    }
  }
  async function invite(id: string, name: string): Promise<void> {
    try {
      const { path, expiresAt } = await api<{ path: string; expiresAt: string }>(`/employers/${encodeURIComponent(id)}/invite`, { method: 'POST', body: {} });
      setIssued({ label: t('admin.employerLink', { name }), url: `${location.origin}${path}`, expiresAt });
    } catch (error) {
      toast.show(problemText(error, t), { tone: 'error' });
    }
  }

  return (
    <section className="panel" aria-labelledby="employers-title">
      <h2 id="employers-title">{t('admin.employers')}</h2>
      {issued && <IssuedLink issued={issued} onDone={() => setIssued(undefined)} />}
      <div className="filters">
        <label className="field">
          {t('admin.searchName')}
          <input type="search" value={q} maxLength={40} onChange={(e) => setQ(e.target.value)} data-filter="name" />
        </label>
      </div>
      {employers.error !== undefined && <p role="alert">{problemText(employers.error, t)}</p>}
      {!employers.items ? (
        employers.error === undefined && <p role="status">{t('state.loading')}</p>
      ) : employers.items.length === 0 ? (
        <p className="muted">{q.trim() ? t('admin.noMatch') : t('admin.noEmployers')}</p>
      ) : (
        <DataTable stacked caption={t('admin.employers')} columns={[t('admin.employer'), t('admin.industry'), t('admin.district'), t('admin.vacancyCount'), t('admin.verified'), t('admin.actions')]}>
          {employers.items.map((e) => (
            <Row key={e.id} data-employer={e.id}>
              <Cell label={t('admin.employer')}><span lang={CONTENT_LANG}>{e.name}</span></Cell>
              <Cell label={t('admin.industry')}><span lang={CONTENT_LANG}>{e.industry}</span></Cell>
              <Cell label={t('admin.district')}><span lang={CONTENT_LANG}>{e.district}</span></Cell>
              <Cell label={t('admin.vacancyCount')}>{vacancyCounts.get(e.id)}</Cell>
              <Cell label={t('admin.verified')}>
                <input
                  type="checkbox"
                  className="checkbox"
                  aria-label={t('admin.verifiedFor', { name: e.name })}
                  checked={pending[e.id] ?? e.verified}
                  onChange={(ev) => void setVerified(e.id, ev.target.checked)}
                />
              </Cell>
              <Cell label={t('admin.actions')}>
                {/* Named for its row (the visible words first, so speech input finds it by them). */}
                <Button size="small" aria-label={t('admin.employerInviteFor', { name: e.name })} onClick={() => void invite(e.id, e.name)}>
                  {t('admin.employerInvite')}
                </Button>
              </Cell>
            </Row>
          ))}
        </DataTable>
      )}
      <LoadMore more={employers.more} busy={employers.busy} shown={employers.items?.length ?? 0} onMore={() => void employers.loadMore()} />
      <NewEmployer />
    </section>
  );
}

const EMPLOYER_FIELDS = ['name', 'industry', 'district'] as const;

function NewEmployer() {
  const { t } = useTranslation();
  const { reload } = useCatalog();
  const toast = useToast();
  const empty = { name: '', industry: '', district: '', verified: true };
  const [form, setForm] = useState(empty);
  const { errors, problem, busy, submit, formRef } = useSchemaForm(EmployerInput, async (input) => {
    await api('/employers', { method: 'POST', body: input });
    setForm(empty);
    toast.show(t('admin.saved'), { tone: 'success' });
    await reload();
  });
  return (
    <form ref={formRef} noValidate className="admin-form" aria-labelledby="new-employer-title" onSubmit={onSubmit(() => submit(form))}>
      <h3 id="new-employer-title">{t('admin.newEmployer')}</h3>
      <div className="form-grid">
        {EMPLOYER_FIELDS.map((field) => (
          <Field key={field} label={t(`admin.field.${field}`)} error={errors[field]}>
            {(p) => <input {...p} value={form[field]} maxLength={120} onChange={(e) => setForm({ ...form, [field]: e.target.value })} />}
          </Field>
        ))}
      </div>
      <label className="check">
        <input type="checkbox" className="checkbox" checked={form.verified} onChange={(e) => setForm({ ...form, verified: e.target.checked })} />
        {t('admin.verifiedNow')}
      </label>
      <FormActions problem={problem} busy={busy} label={t('admin.add')} />
    </form>
  );
}
