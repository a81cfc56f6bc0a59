import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { SessionPatch, type Campaign, type LineupItem, type LiveSession } from '@chunfeng/shared/recruitment';
import { api } from '../../signalling/api';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import { useToast } from '../../ui/Toast';
import { localDateTime, useCatalog, useDocs } from './catalog';
import { FormActions, onSubmit, problemText, useSchemaForm } from './forms';
import { LineupEditor } from './LineupEditor';
import { ModerationLog } from './ModerationLog';
import { ScheduleFields, ScheduleWarning, whenToIso } from './SessionsSection';

/** One session: its title and schedule, its lineup in presenting order, and its moderation log. */
export function SessionEditor({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation();
  // Read by its id (and again after each save): the console holds no list of every session.
  const session = useDocs<LiveSession>('/sessions', [sessionId]).get(sessionId);
  if (session === undefined) return <p role="status">{t('state.loading')}</p>;
  if (session === null) return <p role="alert">{t('admin.notFound')}</p>;
  return (
    <div className="admin-stack">
      <p>
        <Link href="/admin">{t('admin.backToSessions')}</Link>
      </p>
      <h2 lang={CONTENT_LANG}>{session.title}</h2>
      <Schedule key={`${session.title}|${session.scheduledAt}`} session={session} />
      <Lineup key={session.lineup.map((i) => i.id).join()} session={session} />
      <ModerationLog sessionId={session.id} />
    </div>
  );
}

function Schedule({ session }: { session: LiveSession }) {
  const { t } = useTranslation();
  const { reload } = useCatalog();
  const campaign = useDocs<Campaign>('/campaigns', [session.campaignId]).get(session.campaignId) ?? undefined;
  const toast = useToast();
  const [form, setForm] = useState({ title: session.title, when: localDateTime(session.scheduledAt) });
  const { errors, problem, busy, submit, formRef } = useSchemaForm(SessionPatch, async (patch) => {
    await api(`/sessions/${encodeURIComponent(session.id)}`, { method: 'PATCH', body: patch });
    toast.show(t('admin.saved'), { tone: 'success' });
    await reload();
  });
  return (
    <form ref={formRef} noValidate className="panel admin-form" aria-labelledby="schedule-title" onSubmit={onSubmit(() => submit({ title: form.title, scheduledAt: whenToIso(form.when) }))}>
      <h3 id="schedule-title">{t('admin.schedule')}</h3>
      <div className="form-grid">
        <ScheduleFields form={form} onChange={setForm} errors={errors} />
      </div>
      <ScheduleWarning when={form.when} campaign={campaign} />
      <FormActions problem={problem} busy={busy} label={t('admin.save')} />
    </form>
  );
}

function Lineup({ session }: { session: LiveSession }) {
  const { t } = useTranslation();
  const { reload } = useCatalog();
  const toast = useToast();
  const [lineup, setLineup] = useState<LineupItem[]>(session.lineup);
  const [busy, setBusy] = useState(false);
  const dirty = JSON.stringify(lineup) !== JSON.stringify(session.lineup);
  async function save(): Promise<void> {
    setBusy(true);
    try {
      await api(`/sessions/${encodeURIComponent(session.id)}/lineup`, { method: 'PUT', body: lineup });
      toast.show(t('admin.lineup.saved'), { tone: 'success' });
      await reload();
    } catch (error) {
      toast.show(problemText(error, t), { tone: 'error' });
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="panel" aria-labelledby="lineup-title">
      <h3 id="lineup-title">{t('admin.lineup.title')}</h3>
      <p className="muted">{t('admin.lineup.help')}</p>
      <LineupEditor lineup={lineup} onChange={setLineup} />
      <div className="form-actions">
        <Button variant="primary" busy={busy} disabled={!dirty} onClick={() => void save()}>
          {t('admin.lineup.save')}
        </Button>
        {dirty && (
          <>
            <span className="status-warn">{t('admin.lineup.unsaved')}</span>
            <Button onClick={() => setLineup(session.lineup)}>{t('admin.lineup.undo')}</Button>
          </>
        )}
      </div>
    </section>
  );
}
