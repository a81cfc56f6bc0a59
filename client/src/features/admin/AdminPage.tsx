import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Employer, LiveSession, Vacancy } from '@chunfeng/shared/recruitment';
import { ApiError, api } from '../../signalling/api';
import { CONTENT_LANG } from '../../ui/content';
import { formatPay, formatTime } from '../../ui/format';
import { DataTable } from '../../ui/DataTable';
import { StatusBanner } from '../../ui/StatusBanner';

type Me = { actor: { kind: 'bureau'; name: string } | { kind: 'employer' } };

/** The bureau's console: sign in, then sessions (host links), employers (verify, invite links), vacancies. */
export function AdminPage() {
  const { t } = useTranslation();
  const [me, setMe] = useState<Me['actor'] | null>();
  useEffect(() => {
    api<Me>('/auth/me').then(
      (m) => setMe(m.actor),
      () => setMe(null),
    );
  }, []);
  if (me === undefined) return <p role="status">{t('state.connecting')}</p>;
  if (!me || me.kind !== 'bureau') return <SignIn onSignedIn={(name) => setMe({ kind: 'bureau', name })} />;
  return <Console name={me.name} onSignOut={() => void api('/auth/logout', { method: 'POST', body: {} }).then(() => setMe(null))} />;
}

function SignIn({ onSignedIn }: { onSignedIn: (name: string) => void }) {
  const { t } = useTranslation();
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string>();
  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    try {
      const { staff } = await api<{ staff: { name: string } }>('/auth/login', { method: 'POST', body: { username, password } });
      onSignedIn(staff.name);
    } catch (error) {
      setProblem(error instanceof ApiError && error.code === 'UNAUTHORIZED' ? t('admin.wrongPassword') : String(error));
    }
  }
  return (
    <section className="panel narrow" aria-labelledby="signin-title">
      <h1 id="signin-title">{t('admin.signIn')}</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label className="field">
          {t('admin.username')}
          <input value={username} autoComplete="username" onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label className="field">
          {t('admin.password')}
          <input type="password" value={password} autoComplete="current-password" onChange={(e) => setPassword(e.target.value)} />
        </label>
        {problem && (
          <p className="status status-error" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" className="button button-primary button-wide">
          {t('admin.signIn')}
        </button>
      </form>
    </section>
  );
}

function Console({ name, onSignOut }: { name: string; onSignOut: () => void }) {
  const { t, i18n } = useTranslation();
  const [sessions, setSessions] = useState<LiveSession[]>([]);
  const [employers, setEmployers] = useState<Employer[]>([]);
  const [vacancies, setVacancies] = useState<Vacancy[]>([]);
  const [link, setLink] = useState<{ label: string; url: string }>();
  const [problem, setProblem] = useState<string>();

  const apply = useCallback((data: { sessions: LiveSession[]; employers: Employer[]; vacancies: Vacancy[] }) => {
    setSessions(data.sessions);
    setEmployers(data.employers);
    setVacancies(data.vacancies);
  }, []);
  const load = useCallback(async () => apply(await fetchAll()), [apply]);
  useEffect(() => {
    let cancelled = false;
    fetchAll().then(
      (data) => !cancelled && apply(data),
      (e: unknown) => !cancelled && setProblem(String(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [apply]);

  const run = (action: () => Promise<unknown>): void => void action().catch((e: unknown) => setProblem(e instanceof ApiError ? e.message : String(e)));
  const showLink = (label: string, path: string): void => setLink({ label, url: `${location.origin}${path}` });
  const employerName = (id: string): string => employers.find((e) => e.id === id)?.name ?? id;

  return (
    <section aria-labelledby="admin-title">
      <div className="studio-header">
        <h1 id="admin-title">{t('admin.title')}</h1>
        <p>
          {name}{' '}
          <button type="button" className="button" onClick={onSignOut}>
            {t('admin.signOut')}
          </button>
        </p>
      </div>
      {problem && <StatusBanner tone="error" text={problem} />}
      {link && (
        <div className="panel invite" role="status">
          <label>
            {link.label}
            <input readOnly value={link.url} className="invite-link" onFocus={(e) => e.currentTarget.select()} />
          </label>
        </div>
      )}
      <section className="panel" aria-labelledby="sessions-title">
        <h2 id="sessions-title">{t('admin.sessions')}</h2>
        <DataTable columns={[t('admin.session'), t('admin.when'), t('admin.status'), t('admin.actions')]}>
            {sessions.map((s) => (
              <tr key={s.id} data-session={s.id}>
                <td lang={CONTENT_LANG}>{s.title}</td>
                <td>{formatTime(s.scheduledAt, i18n.language)}</td>
                <td>{t(`admin.sessionStatus.${s.status}`)}</td>
                <td>
                  <button
                    type="button"
                    className="button"
                    onClick={() => run(async () => showLink(t('admin.hostLink'), (await api<{ path: string }>(`/sessions/${encodeURIComponent(s.id)}/host-link`, { method: 'POST', body: {} })).path))}
                  >
                    {t('admin.hostLink')}
                  </button>
                </td>
              </tr>
            ))}
          </DataTable>
      </section>
      <section className="panel" aria-labelledby="employers-title">
        <h2 id="employers-title">{t('admin.employers')}</h2>
        <NewEmployer onCreated={() => run(load)} />
        <DataTable columns={[t('admin.employer'), t('admin.district'), t('admin.verified'), t('admin.actions')]}>
            {employers.map((e) => (
              <tr key={e.id} data-employer={e.id}>
                <td lang={CONTENT_LANG}>{e.name}</td>
                <td lang={CONTENT_LANG}>{e.district}</td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={t('admin.verifiedFor', { name: e.name })}
                    checked={e.verified}
                    onChange={(ev) => {
                      const verified = ev.target.checked;
                      // Shown at once; the server's answer (or the reload after an error) settles it.
                      setEmployers((all) => all.map((x) => (x.id === e.id ? { ...x, verified } : x)));
                      run(async () => {
                        try {
                          await api(`/employers/${e.id}`, { method: 'PATCH', body: { verified } });
                        } finally {
                          await load();
                        }
                      });
                    }}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    className="button"
                    onClick={() => run(async () => showLink(t('admin.employerLink', { name: e.name }), (await api<{ path: string }>(`/employers/${e.id}/invite`, { method: 'POST', body: {} })).path))}
                  >
                    {t('admin.employerInvite')}
                  </button>
                </td>
              </tr>
            ))}
          </DataTable>
      </section>
      <section className="panel" aria-labelledby="vacancies-title">
        <h2 id="vacancies-title">{t('admin.vacancies')}</h2>
        <DataTable columns={[t('admin.vacancy'), t('admin.employer'), t('admin.pay'), t('admin.flags')]}>
            {vacancies.map((v) => (
              <tr key={v.id} data-vacancy={v.id}>
                <td lang={CONTENT_LANG}>{v.title}</td>
                <td lang={CONTENT_LANG}>{employerName(v.employerId)}</td>
                <td>{formatPay(v.pay, t, i18n.language)}</td>
                <td>{v.flags && v.flags.length > 0 ? <strong className="status-error">{t('admin.flagged')}</strong> : '—'}</td>
              </tr>
            ))}
          </DataTable>
      </section>
    </section>
  );
}

async function fetchAll(): Promise<{ sessions: LiveSession[]; employers: Employer[]; vacancies: Vacancy[] }> {
  const [s, e, v] = await Promise.all([
    api<{ sessions: LiveSession[] }>('/sessions'),
    api<{ employers: Employer[] }>('/employers'),
    api<{ vacancies: Vacancy[] }>('/vacancies'),
  ]);
  return { sessions: s.sessions, employers: e.employers, vacancies: v.vacancies };
}

function NewEmployer({ onCreated }: { onCreated: () => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState({ name: '', industry: '', district: '' });
  const [problem, setProblem] = useState<string>();
  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    try {
      await api('/employers', { method: 'POST', body: { ...form, verified: true } });
      setForm({ name: '', industry: '', district: '' });
      setProblem(undefined);
      onCreated();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  }
  return (
    <form className="toolbar" onSubmit={(e) => void submit(e)} aria-label={t('admin.newEmployer')}>
      {(['name', 'industry', 'district'] as const).map((field) => (
        <label key={field}>
          {t(`admin.field.${field}`)}
          <input value={form[field]} required maxLength={120} onChange={(e) => setForm({ ...form, [field]: e.target.value })} />
        </label>
      ))}
      <button type="submit" className="button button-primary">
        {t('admin.add')}
      </button>
      {problem && <span className="status-error">{problem}</span>}
    </form>
  );
}
