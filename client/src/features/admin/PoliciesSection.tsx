import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PolicyInput, type PolicyCard } from '@chunfeng/shared/recruitment';
import { api } from '../../signalling/api';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { Sheet } from '../../ui/Sheet';
import { useToast } from '../../ui/Toast';
import { PolicyDetails } from '../recruitment/PolicyDetails';
import { useCatalog, useOnCatalogChange } from './catalog';
import { Field, FormActions, onSubmit, problemText, useSchemaForm, type FieldErrors } from './forms';
import { LoadMore } from './LoadMore';
import { usePagedList } from './pagedList';

/** Policy cards the host pins between vacancies (subsidies, training, how to apply), a page at a time, searched by title. */
export function PoliciesSection() {
  const { t } = useTranslation();
  const [editing, setEditing] = useState<PolicyCard | 'new'>();
  const [q, setQ] = useState('');
  const policies = usePagedList<'policies', PolicyCard>('/policies', 'policies', { q });
  // A card added or edited is shown as it is now.
  useOnCatalogChange(() => void policies.reload());
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
              <PolicyDetails policy={p} headingLevel={4} />
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

/** Lines of a textarea as list items: trimmed, blank lines dropped; none at all is no list. */
function lines(text: string): string[] | undefined {
  const items = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return items.length > 0 ? items : undefined;
}

/** A list field's problem (the list's own, or its first item's, numbered as the bureau wrote them). */
function listError(errors: FieldErrors, key: string, numbered: (n: number, message: string) => string): string | undefined {
  if (errors[key]) return errors[key];
  const item = Object.keys(errors)
    .map((k) => new RegExp(`^${key}\\.(\\d+)$`).exec(k))
    .find((m) => m !== null);
  return item ? numbered(Number(item[1]) + 1, errors[item[0]] ?? '') : undefined;
}

function PolicyForm({ policy, onSaved }: { policy?: PolicyCard | undefined; onSaved: () => void }) {
  const { t } = useTranslation();
  const { reload } = useCatalog();
  const toast = useToast();
  const [form, setForm] = useState({
    title: policy?.title ?? '',
    text: policy?.text ?? '',
    howToApply: policy?.howToApply ?? '',
    steps: (policy?.steps ?? []).join('\n'),
    documents: (policy?.documents ?? []).join('\n'),
    office: policy?.office ?? '',
    phone: policy?.phone ?? '',
  });
  const { errors, problem, busy, submit, formRef } = useSchemaForm(PolicyInput, async (input) => {
    if (policy) await api(`/policies/${encodeURIComponent(policy.id)}`, { method: 'PUT', body: input });
    else await api('/policies', { method: 'POST', body: input });
    toast.show(t('admin.saved'), { tone: 'success' });
    onSaved();
    await reload();
  });
  const stepsError = listError(errors, 'steps', (n, message) => t('policy.form.stepError', { n, message }));
  const documentsError = listError(errors, 'documents', (n, message) => t('policy.form.documentError', { n, message }));
  // Empty optional fields are left out, not sent as empty text (which the schema refuses).
  const send = () =>
    submit({
      title: form.title,
      text: form.text,
      howToApply: form.howToApply,
      steps: lines(form.steps),
      documents: lines(form.documents),
      office: form.office.trim() || undefined,
      phone: form.phone.trim() || undefined,
    });
  return (
    <form ref={formRef} className="admin-form" onSubmit={onSubmit(send)} noValidate>
      <Field label={t('admin.policyTitle')} error={errors['title']}>
        {(p) => <input {...p} maxLength={80} value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} />}
      </Field>
      <Field label={t('admin.policyText')} error={errors['text']}>
        {(p) => <textarea {...p} rows={4} maxLength={1000} value={form.text} onChange={(e) => setForm({ ...form, text: e.target.value })} />}
      </Field>
      <Field label={t('card.howToApply')} error={errors['howToApply']}>
        {(p) => <textarea {...p} rows={2} maxLength={500} value={form.howToApply} onChange={(e) => setForm({ ...form, howToApply: e.target.value })} />}
      </Field>
      <Field label={t('policy.form.steps')} hint={t('policy.form.stepsHint')} error={stepsError}>
        {(p) => <textarea {...p} rows={5} value={form.steps} onChange={(e) => setForm({ ...form, steps: e.target.value })} />}
      </Field>
      <Field label={t('policy.form.documents')} hint={t('policy.form.documentsHint')} error={documentsError}>
        {(p) => <textarea {...p} rows={3} value={form.documents} onChange={(e) => setForm({ ...form, documents: e.target.value })} />}
      </Field>
      <Field label={t('policy.form.office')} hint={t('policy.form.officeHint')} error={errors['office']}>
        {(p) => <input {...p} maxLength={200} value={form.office} onChange={(e) => setForm({ ...form, office: e.target.value })} />}
      </Field>
      <Field label={t('policy.form.phone')} hint={t('policy.form.phoneHint')} error={errors['phone']}>
        {(p) => <input {...p} type="tel" inputMode="tel" maxLength={30} value={form.phone} onChange={(e) => setForm({ ...form, phone: e.target.value })} />}
      </Field>
      <FormActions problem={problem} busy={busy} label={policy ? t('admin.save') : t('admin.createPolicy')} />
    </form>
  );
}
