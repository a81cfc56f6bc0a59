import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApplicationStatus, StatusChangeInput, type Application, type Employer, type Vacancy } from '@chunfeng/shared/recruitment';
import { api, download } from '../../signalling/api';
import { Signalling } from '../../signalling/signalling';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import { formatTime } from '../../ui/format';
import { DataTable } from '../../ui/DataTable';
import { StatusBanner } from '../../ui/StatusBanner';
import { useToast } from '../../ui/Toast';
import { AnswerQueue } from '../live/AnswerQueue';
import './employer.css';
import { describeError } from '../../ui/errors';
import { takeUrlToken } from '../../lib/urlToken';
import { listQuery, useApplicantList, type ApplicantFilter } from './applicantList';
import { useDocumentTitle } from '../../ui/useDocumentTitle';
import { allPages } from '../admin/pagedList';

/** "1.2 MB", "340 kB": how much of an export has arrived. */
function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e3)} kB`;
}

const TOKEN_KEY = 'chunfeng.employerToken';
const NEXT_STATUSES = StatusChangeInput.shape.status.options;

/** An employer rep's console: applicants to their vacancies, live; status with a note; CSV export. */
export function EmployerConsole() {
  const { t, i18n } = useTranslation();
  useDocumentTitle(t('employer.title'));
  const token = useMemo(() => takeUrlToken(TOKEN_KEY), []);
  const [employer, setEmployer] = useState<Employer>();
  const [vacancies, setVacancies] = useState<Record<string, Vacancy>>({});
  const list = useApplicantList(token);
  const [filter, setFilter] = useState<ApplicantFilter>({});
  const filterRef = useRef(filter);
  // Why the console cannot subscribe (a withdrawn or expired link…); worded at render time.
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState(false);
  // The latest arrival, announced by its vacancy's title (not its id).
  const [arrived, setArrived] = useState<Application>();
  const [signalling, setSignalling] = useState<Signalling>();
  const [exporting, setExporting] = useState(false);
  // Bytes of the export received so far (a long one streams for a while).
  const [exported, setExported] = useState(0);
  const toasts = useToast();
  const { reload, catchUp, upsert } = list;

  useEffect(() => {
    if (!token) return;
    const signalling = new Signalling();
    // The first subscription reads the first page; after a dropped connection only what changed since.
    let subscribed = false;
    const subscribe = (): void => {
      signalling
        .request('console:subscribe', { token })
        .then(async () => {
          setLive(true);
          setError(undefined);
          if (subscribed) return catchUp();
          subscribed = true;
          const [me, vs] = await Promise.all([api<{ employer?: Employer }>('/auth/me', { token }), allPages<'vacancies', Vacancy>('/vacancies', 'vacancies', {}, (path) => api(path, { token })), reload(filterRef.current)]);
          setEmployer(me.employer);
          setVacancies(Object.fromEntries(vs.map((v) => [v.id, v])));
        })
        .catch((e: unknown) => setError(e));
    };
    signalling.socket.on('connect', subscribe);
    signalling.socket.on('disconnect', () => setLive(false));
    signalling.socket.on('application:created', (a) => {
      upsert(a);
      setArrived(a);
    });
    signalling.socket.on('application:updated', upsert);
    const expose = setTimeout(() => setSignalling(signalling), 0);
    return () => {
      clearTimeout(expose);
      signalling.close();
    };
  }, [token, reload, catchUp, upsert]);

  function narrow(change: Partial<ApplicantFilter>): void {
    const next = { ...filterRef.current, ...change };
    filterRef.current = next;
    setFilter(next);
    reload(next).catch((e: unknown) => toasts.show(describeError(e, t), { tone: 'error' }));
  }

  async function showMore(): Promise<void> {
    try {
      await list.more();
    } catch (e) {
      toasts.show(describeError(e, t), { tone: 'error' });
    }
  }

  async function exportCsv(): Promise<void> {
    setExporting(true);
    setExported(0);
    try {
      // The export is narrowed as the list is (not its cursor).
      await download(`/applications.csv${listQuery(filterRef.current)}`, {
        token,
        filename: `applicants-${new Date().toISOString().slice(0, 10)}.csv`,
        onProgress: setExported,
      });
    } catch (e) {
      toasts.show(t('employer.exportFailed', { message: describeError(e, t) }), { tone: 'error' });
    } finally {
      setExporting(false);
    }
  }

  if (!token) return <StatusBanner tone="error" text={t('employer.missingToken')} />;
  return (
    <section className="employer-console" aria-labelledby="employer-title">
      <h1 id="employer-title">
        {t('employer.title')}
        {employer && (
          <span className="muted">
            {' · '}
            <span lang={CONTENT_LANG}>{employer.name}</span>
          </span>
        )}
      </h1>
      {error !== undefined && <StatusBanner tone="error" text={describeError(error, t, 'link')} />}
      <StatusBanner tone={live ? 'live' : 'warn'} text={live ? t('employer.live') : t('state.reconnecting')} />
      <p className="visually-hidden" aria-live="polite">
        {arrived && t('employer.newApplicant', { name: arrived.name, vacancy: vacancies[arrived.vacancyId]?.title ?? '' })}
      </p>
      <AnswerQueue signalling={signalling} ready={live} titles={Object.fromEntries(Object.values(vacancies).map((v) => [v.id, v.title]))} />
      <div className="toolbar">
        <h2>{t('employer.applicants')}</h2>
        <Button busy={exporting} onClick={() => void exportCsv()}>
          {t('employer.export')}
        </Button>
        {exporting && (
          <span className="muted" role="status">
            {t('employer.exporting', { size: formatBytes(exported) })}
          </span>
        )}
      </div>
      <ApplicantFilters filter={filter} vacancies={Object.values(vacancies)} onChange={narrow} />
      {!list.loaded && error === undefined ? (
        <p role="status">{t('state.loading')}</p>
      ) : list.applicants.length === 0 ? (
        <p className="muted">{Object.values(filter).some(Boolean) ? t('employer.noneMatch') : t('employer.empty')}</p>
      ) : (
        <DataTable stacked caption={t('employer.applicants')} columns={[t('employer.time'), t('employer.name'), t('employer.phone'), t('employer.vacancy'), t('employer.source'), t('employer.status')]}>
          {list.applicants.map((a) => (
            <tr key={a.id} data-application={a.id} role="row">
              <td role="cell" data-label={t('employer.time')}>
                {formatTime(a.createdAt, i18n.language)}
              </td>
              <td role="cell" data-label={t('employer.name')}>
                <span lang={CONTENT_LANG}>{a.name}</span>
              </td>
              <td role="cell" data-label={t('employer.phone')}>
                <a href={`tel:${a.phone}`}>{a.phone}</a>
              </td>
              <td role="cell" data-label={t('employer.vacancy')}>
                <span lang={CONTENT_LANG}>{vacancies[a.vacancyId]?.title ?? a.vacancyId}</span>
              </td>
              <td role="cell" data-label={t('employer.source')}>
                {t(`applySource.${a.source}`)}
              </td>
              <td role="cell" data-label={t('employer.status')}>
                <StatusEditor application={a} token={token} onSaved={upsert} />
                <LastNote application={a} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {list.loaded && (
        <p className="list-more">
          <span className="muted" role="status">
            {t('employer.shown', { count: list.applicants.length })}
          </span>
          {list.hasMore && (
            <Button busy={list.loadingMore} onClick={() => void showMore()}>
              {t('employer.more')}
            </Button>
          )}
        </p>
      )}
    </section>
  );
}

/** Narrowing the list: vacancy, status, a name or phone, the days applied. */
function ApplicantFilters({ filter, vacancies, onChange }: { filter: ApplicantFilter; vacancies: Vacancy[]; onChange: (change: Partial<ApplicantFilter>) => void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState(filter.q ?? '');
  return (
    <form
      className="applicant-filters"
      role="search"
      aria-label={t('employer.filters')}
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ q });
      }}
    >
      <label>
        {t('employer.vacancy')}
        <select value={filter.vacancyId ?? ''} onChange={(e) => onChange({ vacancyId: e.target.value || undefined })}>
          <option value="">{t('employer.allVacancies')}</option>
          {vacancies.map((v) => (
            <option key={v.id} value={v.id} lang={CONTENT_LANG}>
              {v.title}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('employer.status')}
        <select value={filter.status ?? ''} onChange={(e) => onChange({ status: (e.target.value || undefined) as ApplicantFilter['status'] })}>
          <option value="">{t('employer.allStatuses')}</option>
          {ApplicationStatus.options.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('employer.from')}
        <input type="date" value={filter.fromDay ?? ''} onChange={(e) => onChange({ fromDay: e.target.value || undefined })} />
      </label>
      <label>
        {t('employer.to')}
        <input type="date" value={filter.toDay ?? ''} onChange={(e) => onChange({ toDay: e.target.value || undefined })} />
      </label>
      <label>
        {t('employer.search')}
        <input type="search" inputMode="search" maxLength={40} value={q} placeholder={t('employer.searchHint')} onChange={(e) => setQ(e.target.value)} />
      </label>
      <Button type="submit">{t('employer.find')}</Button>
    </form>
  );
}

function StatusEditor({ application, token, onSaved }: { application: Application; token: string; onSaved: (a: Application) => void }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState(application.status);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string>();
  const [saving, setSaving] = useState(false);
  const toasts = useToast();
  const final = ['hired', 'not-suitable', 'withdrawn'].includes(application.status);
  if (final) return <span>{t(`status.${application.status}`)}</span>;

  async function save(): Promise<void> {
    setSaving(true);
    try {
      const { application: next } = await api<{ application: Application }>(`/applications/${application.id}/status`, {
        method: 'PATCH',
        token,
        body: { status, note },
      });
      setProblem(undefined);
      setNote('');
      onSaved(next);
      toasts.show(
        <>
          <span lang={CONTENT_LANG}>{next.name}</span> · {next.status === application.status ? t('employer.noteSaved') : t('employer.saved', { status: t(`status.${next.status}`) })}
        </>,
        { tone: 'success' },
      );
    } catch (e) {
      setProblem(describeError(e, t));
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className="status-editor">
      <select aria-label={t('employer.statusOf', { name: application.name })} value={status} onChange={(e) => setStatus(e.target.value as Application['status'])}>
        <option value={application.status}>{t(`status.${application.status}`)}</option>
        {NEXT_STATUSES.filter((s) => s !== application.status && s !== 'new').map((s) => (
          <option key={s} value={s}>
            {t(`status.${s}`)}
          </option>
        ))}
      </select>
      <input aria-label={t('employer.noteOf', { name: application.name })} placeholder={t('employer.note')} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
      {/* The same status with a note saves the note alone (kept in the history). */}
      <Button
        disabled={status === application.status && !note.trim()}
        busy={saving}
        aria-label={status === application.status ? t('employer.saveNoteOf', { name: application.name }) : t('employer.updateOf', { name: application.name })}
        onClick={() => void save()}
      >
        {status === application.status ? t('employer.saveNote') : t('employer.update')}
      </Button>
      {problem && (
        <span className="status-error" role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}

/** The latest note written on an application (by this employer or the bureau), with when. */
function LastNote({ application }: { application: Application }) {
  const { t, i18n } = useTranslation();
  const last = application.history.findLast((h) => h.note !== '');
  if (!last) return null;
  return (
    <p className="muted last-note">
      {t('employer.lastNote', { when: formatTime(last.at, i18n.language) })} <span lang={CONTENT_LANG}>{last.note}</span>
    </p>
  );
}
