import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { LiveSessionInput, SessionStatus, type Campaign, type LiveSession } from '@chunfeng/shared/recruitment';
import { api } from '../../signalling/api';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import { Cell, DataTable, Row } from '../../ui/DataTable';
import { formatDate, formatTime } from '../../ui/format';
import { useToast } from '../../ui/Toast';
import { CatalogPicker } from './CatalogPicker';
import { localDateTime, useCatalog, useDocs, useNewest, useOnCatalogChange } from './catalog';
import { Field, FormActions, onSubmit, problemText, useSchemaForm, type FieldErrors } from './forms';
import { IssuedLink, type Issued } from './IssuedLink';
import { LoadMore } from './LoadMore';
import { usePagedList } from './pagedList';

/**
 * The sessions a page at a time, narrowed by campaign and status, each with its host link, lineup
 * editor and statistics; and a form to schedule a new one.
 */
export function SessionsSection() {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const [issued, setIssued] = useState<Issued>();
  const [campaignId, setCampaignId] = useState('');
  const [status, setStatus] = useState('');
  const sessions = usePagedList<'sessions', LiveSession>('/sessions', 'sessions', { campaignId, status });
  // A session scheduled or edited is shown where it stands.
  useOnCatalogChange(() => void sessions.reload());
  const campaigns = useDocs<Campaign>('/campaigns', (sessions.items ?? []).map((s) => s.campaignId));
  const campaignName = (id: string): string => campaigns.get(id)?.name ?? '';

  async function hostLink(id: string, title: string): Promise<void> {
    try {
      const { path, expiresAt } = await api<{ path: string; expiresAt: string }>(`/sessions/${encodeURIComponent(id)}/host-link`, { method: 'POST', body: {} });
      setIssued({ label: t('admin.hostLinkFor', { title }), url: `${location.origin}${path}`, expiresAt });
    } catch (error) {
      toast.show(problemText(error, t), { tone: 'error' });
    }
  }

  return (
    <section className="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('admin.sessions')}</h2>
      {issued && <IssuedLink issued={issued} onDone={() => setIssued(undefined)} />}
      <div className="filters">
        <Field label={t('admin.filterCampaign')}>
          {(p) => (
            <CatalogPicker<Campaign>
              list="/campaigns"
              control={p}
              label={t('admin.filterCampaign')}
              value={campaignId}
              onChange={(id) => setCampaignId(id)}
              textOf={(c) => c.name}
              noneLabel={t('admin.anyCampaign')}
            />
          )}
        </Field>
        <label className="field">
          {t('admin.status')}
          <select value={status} onChange={(e) => setStatus(e.target.value)} data-filter="status">
            <option value="">{t('admin.anyStatus')}</option>
            {SessionStatus.options.map((s) => (
              <option key={s} value={s}>
                {t(`admin.sessionStatus.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {sessions.error !== undefined && <p role="alert">{problemText(sessions.error, t)}</p>}
      {!sessions.items ? (
        sessions.error === undefined && <p role="status">{t('state.loading')}</p>
      ) : sessions.items.length === 0 ? (
        <p className="muted">{campaignId || status ? t('admin.noMatch') : t('admin.noSessions')}</p>
      ) : (
        <DataTable stacked caption={t('admin.sessions')} columns={[t('admin.session'), t('admin.campaign'), t('admin.when'), t('admin.status'), t('admin.actions')]}>
          {sessions.items.map((s) => (
            <Row key={s.id} data-session={s.id}>
              <Cell label={t('admin.session')}><span lang={CONTENT_LANG}>{s.title}</span></Cell>
              <Cell label={t('admin.campaign')}><span lang={CONTENT_LANG}>{campaignName(s.campaignId)}</span></Cell>
              <Cell label={t('admin.when')}>{formatTime(s.scheduledAt, i18n.language)}</Cell>
              <Cell label={t('admin.status')}>{t(`admin.sessionStatus.${s.status}`)}</Cell>
              <Cell label={t('admin.actions')} className="row-actions">
                <Button size="small" onClick={() => void hostLink(s.id, s.title)}>
                  {t('admin.hostLink')}
                </Button>
                <Link href={`/admin/sessions/${encodeURIComponent(s.id)}`} className="button button-secondary button-small" aria-label={t('admin.editSessionNamed', { title: s.title })}>
                  {t('admin.editSession')}
                </Link>
                <Link href={`/admin/statistics/sessions/${encodeURIComponent(s.id)}`} className="button button-secondary button-small" aria-label={t('admin.statisticsNamed', { title: s.title })}>
                  {t('admin.statistics')}
                </Link>
                {s.status === 'ended' && (
                  <Link href={`/admin/clips/sessions/${encodeURIComponent(s.id)}`} className="button button-secondary button-small" aria-label={t('clips.openNamed', { title: s.title })}>
                    {t('clips.open')}
                  </Link>
                )}
              </Cell>
            </Row>
          ))}
        </DataTable>
      )}
      <LoadMore more={sessions.more} busy={sessions.busy} shown={sessions.items?.length ?? 0} onMore={() => void sessions.loadMore()} />
      <NewSession />
    </section>
  );
}

function NewSession() {
  const { t } = useTranslation();
  const { reload } = useCatalog();
  const toast = useToast();
  // The newest campaign is the likely one: chosen until staff choose another.
  const newest = useNewest<Campaign>('/campaigns', 'campaigns');
  const [form, setForm] = useState({ campaignId: '', title: '', when: '' });
  const campaignId = form.campaignId || newest?.id || '';
  const campaign = useDocs<Campaign>('/campaigns', [campaignId]).get(campaignId) ?? undefined;
  const { errors, problem, busy, submit, formRef } = useSchemaForm(LiveSessionInput, async (input) => {
    await api('/sessions', { method: 'POST', body: input });
    setForm((f) => ({ ...f, title: '', when: '' }));
    toast.show(t('admin.saved'), { tone: 'success' });
    await reload();
  });
  if (newest === undefined) return null;
  if (newest === null) return <p className="muted">{t('admin.needCampaign')}</p>;
  return (
    <form ref={formRef} noValidate
      className="admin-form"
      aria-labelledby="new-session-title"
      onSubmit={onSubmit(() =>
        submit({ campaignId, title: form.title, scheduledAt: whenToIso(form.when), lineup: [] }),
      )}
    >
      <h3 id="new-session-title">{t('admin.newSession')}</h3>
      <div className="form-grid">
        <Field label={t('admin.campaign')} error={errors['campaignId']}>
          {(p) => <CatalogPicker<Campaign> list="/campaigns" control={p} label={t('admin.campaign')} value={campaignId} onChange={(id) => setForm({ ...form, campaignId: id })} textOf={(c) => c.name} />}
        </Field>
        <ScheduleFields form={form} onChange={(f) => setForm({ ...form, ...f })} errors={errors} />
      </div>
      <ScheduleWarning when={form.when} campaign={campaign} />
      <FormActions problem={problem} busy={busy} label={t('admin.createSession')} />
    </form>
  );
}

/** A session's title and start time (a datetime-local value, in the console's time zone). */
export function ScheduleFields({ form, onChange, errors }: {
  form: { title: string; when: string };
  onChange: (next: { title: string; when: string }) => void;
  errors: FieldErrors;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Field label={t('admin.sessionTitle')} error={errors['title']}>
        {(p) => <input {...p} value={form.title} maxLength={120} onChange={(e) => onChange({ ...form, title: e.target.value })} />}
      </Field>
      <Field label={t('admin.scheduledAt')} error={errors['scheduledAt']}>
        {(p) => <input {...p} type="datetime-local" value={form.when} onChange={(e) => onChange({ ...form, when: e.target.value })} />}
      </Field>
    </>
  );
}

/** The ISO instant of a datetime-local value ('' stays '', for the schema to name the missing field). */
export const whenToIso = (when: string): string => (when ? new Date(when).toISOString() : '');

/**
 * A start time that is probably a slip: already past, or outside its campaign's dates. Said, not
 * refused (a bureau may record a session after the fact). `when` is a datetime-local value.
 */
export function ScheduleWarning({ when, campaign }: { when: string; campaign: { startsOn: string; endsOn: string } | undefined }) {
  const { t, i18n } = useTranslation();
  const [today] = useState(() => localDateTime(new Date().toISOString()));
  if (!when) return null;
  const day = when.slice(0, 10);
  const outside = campaign && (day < campaign.startsOn || day > campaign.endsOn);
  if (!outside && when >= today) return null;
  return (
    <p className="status status-warn" role="status">
      {outside && campaign
        ? t('admin.outsideCampaign', { from: formatDate(campaign.startsOn, i18n.language), to: formatDate(campaign.endsOn, i18n.language) })
        : t('admin.inThePast')}
    </p>
  );
}
