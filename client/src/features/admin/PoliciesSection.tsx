import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PolicyInput, type PolicyCard } from '@chunfeng/shared/recruitment';
import { api } from '../../signalling/api';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { Sheet } from '../../ui/Sheet';
import { useToast } from '../../ui/Toast';
import { useCatalog } from './catalog';
import { Field, FormActions, onSubmit, problemText, useSchemaForm } from './forms';
import { LoadMore } from './LoadMore';
import { usePagedList } from './pagedList';

/** Policy cards the host pins between vacancies (subsidies, training, how to apply), a page at a time, searched by title. */
export function PoliciesSection() {
  const { t } = useTranslation();
  const { catalog } = useCatalog();
  const [editing, setEditing] = useState<PolicyCard | 'new'>();
  const [q, setQ] = useState('');
  const policies = usePagedList<'policies', PolicyCard>('/policies', 'policies', { q });
  const { reload: reloadPage } = policies;
  // A card added or edited (the catalog read again) is shown as it is now.
  useEffect(() => {
    if (catalog) void reloadPage();
  }, [catalog, reloadPage]);
  if (!catalog) return null;
  return (
    <section className="panel" aria-labelledby="policies-title">
      <h2 id="policies-title">{t('admin.policies')}</h2>
      <div className="toolbar">
        <Button variant="primary" onClick={() => setEditing('new')}>
          {t('admin.newPolicy')}
        </Button>
        <label className="field">
          {t('admin.searchTitle')}
          <input type="search" value={q} maxLength={40} onChange={(e) => setQ(e.target.value)} data-filter="title" />
        </label>
      </div>
      {policies.error !== undefined && <p role="alert">{problemText(policies.error, t)}</p>}
      {!policies.items ? (
        policies.error === undefined && <p role="status">{t('state.loading')}</p>
      ) : policies.items.length === 0 ? (
        <p className="muted">{q.trim() ? t('admin.noMatch') : t('admin.noPolicies')}</p>
      ) : (
        <ul className="card-list">
          {policies.items.map((p) => (
            <Card as="li" key={p.id} className="policy-row" data-policy={p.id}>
              <h3 lang={CONTENT_LANG}>{p.title}</h3>
              <p lang={CONTENT_LANG}>{p.text}</p>
              <p className="muted">
                {t('card.howToApply')}: <span lang={CONTENT_LANG}>{p.howToApply}</span>
              </p>
              <Button size="small" onClick={() => setEditing(p)} aria-label={t('admin.editNamed', { title: p.title })}>
                {t('admin.edit')}
              </Button>
            </Card>
          ))}
        </ul>
      )}
      <LoadMore more={policies.more} busy={policies.busy} shown={policies.items?.length ?? 0} onMore={() => void policies.loadMore()} />
      {editing && (
        <Sheet title={editing === 'new' ? t('admin.newPolicy') : t('admin.editNamed', { title: editing.title })} onClose={() => setEditing(undefined)}>
          <PolicyForm policy={editing === 'new' ? undefined : editing} onSaved={() => setEditing(undefined)} />
        </Sheet>
      )}
    </section>
  );
}

function PolicyForm({ policy, onSaved }: { policy?: PolicyCard | undefined; onSaved: () => void }) {
  const { t } = useTranslation();
  const { reload } = useCatalog();
  const toast = useToast();
  const [form, setForm] = useState({ title: policy?.title ?? '', text: policy?.text ?? '', howToApply: policy?.howToApply ?? '' });
  const { errors, problem, busy, submit, formRef } = useSchemaForm(PolicyInput, async (input) => {
    if (policy) await api(`/policies/${encodeURIComponent(policy.id)}`, { method: 'PUT', body: input });
    else await api('/policies', { method: 'POST', body: input });
    toast.show(t('admin.saved'), { tone: 'success' });
    onSaved();
    await reload();
  });
  return (
    <form ref={formRef} className="admin-form" onSubmit={onSubmit(() => submit(form))} noValidate>
      <Field label={t('admin.policyTitle')} error={errors['title']}>
        {(p) => <input {...p} maxLength={80} value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} />}
      </Field>
      <Field label={t('admin.policyText')} error={errors['text']}>
        {(p) => <textarea {...p} rows={4} maxLength={1000} value={form.text} onChange={(e) => setForm({ ...form, text: e.target.value })} />}
      </Field>
      <Field label={t('card.howToApply')} error={errors['howToApply']}>
        {(p) => <textarea {...p} rows={2} maxLength={500} value={form.howToApply} onChange={(e) => setForm({ ...form, howToApply: e.target.value })} />}
      </Field>
      <FormActions problem={problem} busy={busy} label={policy ? t('admin.save') : t('admin.createPolicy')} />
    </form>
  );
}
