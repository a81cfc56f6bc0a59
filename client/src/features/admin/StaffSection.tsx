import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { StaffInput, StaffRole, type StaffView } from '@chunfeng/shared/admin';
import { api } from '../../signalling/api';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import { Cell, DataTable, Row } from '../../ui/DataTable';
import { formatTime } from '../../ui/format';
import { useToast } from '../../ui/Toast';
import { useCatalog } from './catalog';
import { Field, FormActions, onSubmit, problemText, useSchemaForm } from './forms';
import { LoadMore } from './LoadMore';
import { usePagedList } from './pagedList';

/** The bureau's staff accounts (admins only), a page at a time: who may sign in to this console. */
export function StaffSection() {
  const { t, i18n } = useTranslation();
  const { staff: me } = useCatalog();
  const toast = useToast();
  const list = usePagedList<'staff', StaffView>('/staff', 'staff');
  const { items: staff, error, reload: load } = list;
  const [confirm, setConfirm] = useState<string>();
  if (me.role !== 'admin') return <p role="alert">{t('errors.FORBIDDEN')}</p>;
  async function remove(id: string): Promise<void> {
    setConfirm(undefined);
    try {
      await api(`/staff/${encodeURIComponent(id)}`, { method: 'DELETE' });
      toast.show(t('admin.staffRemoved'), { tone: 'success' });
    } catch (e) {
      toast.show(problemText(e, t), { tone: 'error' });
    }
    await load();
  }
  return (
    <section className="panel" aria-labelledby="staff-title">
      <h2 id="staff-title">{t('admin.section.staff')}</h2>
      {error !== undefined && <p role="alert">{problemText(error, t)}</p>}
      {!staff ? (
        error === undefined && <p role="status">{t('state.loading')}</p>
      ) : (
        <DataTable stacked caption={t('admin.section.staff')} columns={[t('admin.displayName'), t('admin.username'), t('admin.role'), t('admin.createdAt'), t('admin.actions')]}>
          {staff.map((s) => (
            <Row key={s.id} data-staff={s.username}>
              <Cell label={t('admin.displayName')}><span lang={CONTENT_LANG}>{s.displayName}</span></Cell>
              <Cell label={t('admin.username')}>{s.username}</Cell>
              <Cell label={t('admin.role')}>{t(`admin.roles.${s.role}`)}</Cell>
              <Cell label={t('admin.createdAt')}>{formatTime(s.createdAt, i18n.language)}</Cell>
              <Cell label={t('admin.actions')}>
                {confirm === s.id ? (
                  <span className="row-actions" role="group" aria-label={t('admin.confirmRemove', { name: s.displayName })}>
                    <Button size="small" variant="danger" onClick={() => void remove(s.id)}>
                      {t('admin.confirmRemoveYes')}
                    </Button>
                    <Button size="small" onClick={() => setConfirm(undefined)} autoFocus>
                      {t('host.cancel')}
                    </Button>
                  </span>
                ) : (
                  <Button size="small" variant="danger" onClick={() => setConfirm(s.id)} aria-label={t('admin.removeNamed', { name: s.displayName })}>
                    {t('admin.remove')}
                  </Button>
                )}
              </Cell>
            </Row>
          ))}
        </DataTable>
      )}
      <LoadMore more={list.more} busy={list.busy} shown={staff?.length ?? 0} onMore={() => void list.loadMore()} />
      <NewStaff onCreated={load} />
    </section>
  );
}

function NewStaff({ onCreated }: { onCreated: () => Promise<void> }) {
  const { t } = useTranslation();
  const toast = useToast();
  const empty = { username: '', displayName: '', password: '', role: 'staff' as StaffRole };
  const [form, setForm] = useState(empty);
  const { errors, problem, busy, submit, formRef } = useSchemaForm(StaffInput, async (input) => {
    await api('/staff', { method: 'POST', body: input });
    setForm(empty);
    toast.show(t('admin.saved'), { tone: 'success' });
    await onCreated();
  });
  return (
    <form ref={formRef} className="admin-form" aria-labelledby="new-staff-title" onSubmit={onSubmit(() => submit(form))} noValidate>
      <h3 id="new-staff-title">{t('admin.newStaff')}</h3>
      <div className="form-grid">
        <Field label={t('admin.username')} error={errors['username']} hint={t('admin.usernameHint')}>
          {(p) => <input {...p} autoComplete="off" value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} />}
        </Field>
        <Field label={t('admin.displayName')} error={errors['displayName']}>
          {(p) => <input {...p} value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} />}
        </Field>
        <Field label={t('admin.newPassword')} error={errors['password']} hint={t('admin.passwordHint')}>
          {(p) => <input {...p} type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />}
        </Field>
        <Field label={t('admin.role')} error={errors['role']}>
          {(p) => (
            <select {...p} value={form.role} onChange={(e) => setForm({ ...form, role: StaffRole.parse(e.target.value) })}>
              {StaffRole.options.map((r) => (
                <option key={r} value={r}>
                  {t(`admin.roles.${r}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <FormActions problem={problem} busy={busy} label={t('admin.createStaff')} />
    </form>
  );
}
