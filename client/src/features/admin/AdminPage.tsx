import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Switch, useLocation } from 'wouter';
import { ApiError, api } from '../../signalling/api';
import { Button } from '../../ui/Button';
import { CampaignReportPage } from './CampaignReportPage';
import { CampaignsSection } from './CampaignsSection';
import { CatalogProvider, useCatalog, type Staff } from './catalog';
import { EmployersSection } from './EmployersSection';
import { InvitesSection } from './InvitesSection';
import { PoliciesSection } from './PoliciesSection';
import { SessionEditor } from './SessionEditor';
import { SessionsSection } from './SessionsSection';
import { StaffSection } from './StaffSection';
import { CampaignStatistics, SessionStatistics } from './StatisticsPage';
import { VacanciesSection } from './VacanciesSection';
import './admin.css';
import { ClipsPage } from './ClipsPage';
import { useDocumentTitle } from '../../ui/useDocumentTitle';

type Me = { actor: { kind: 'bureau'; name: string; role: Staff['role'] } | { kind: 'employer' } };

/** The bureau's console: sign in, then campaigns, sessions and their lineups, employers, vacancies, policies, links, staff, statistics. */
export function AdminPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('admin.title'));
  const [me, setMe] = useState<Staff | null>();
  useEffect(() => {
    api<Me>('/auth/me').then(
      (m) => setMe(m.actor.kind === 'bureau' ? { name: m.actor.name, role: m.actor.role } : null),
      () => setMe(null),
    );
  }, []);
  if (me === undefined) return <p role="status">{t('state.loading')}</p>;
  if (!me) return <SignIn onSignedIn={setMe} />;
  return (
    <CatalogProvider staff={me}>
      <Console onSignOut={() => void api('/auth/logout', { method: 'POST', body: {} }).then(() => setMe(null))} />
    </CatalogProvider>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (staff: Staff) => void }) {
  const { t } = useTranslation();
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setBusy(true);
    try {
      const { staff } = await api<{ staff: Staff }>('/auth/login', { method: 'POST', body: { username, password } });
      onSignedIn(staff);
    } catch (error) {
      setProblem(error instanceof ApiError && error.code === 'UNAUTHORIZED' ? t('admin.wrongPassword') : t('state.error', { message: String(error) }));
    } finally {
      setBusy(false);
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
        <Button type="submit" variant="primary" wide busy={busy}>
          {t('admin.signIn')}
        </Button>
      </form>
    </section>
  );
}

const SECTIONS = [
  { path: '/admin', key: 'sessions' },
  { path: '/admin/campaigns', key: 'campaigns' },
  { path: '/admin/employers', key: 'employers' },
  { path: '/admin/vacancies', key: 'vacancies' },
  { path: '/admin/policies', key: 'policies' },
  { path: '/admin/links', key: 'links' },
  { path: '/admin/staff', key: 'staff', adminOnly: true },
] as const;

function Console({ onSignOut }: { onSignOut: () => void }) {
  const { t } = useTranslation();
  const { staff } = useCatalog();
  const [location] = useLocation();
  const current = (path: string): boolean => (path === '/admin' ? location === '/admin' || location.startsWith('/admin/sessions') : location.startsWith(path));
  return (
    <div className="admin">
      <div className="studio-header">
        <h1 id="admin-title">{t('admin.title')}</h1>
        <p>
          {staff.name}{' '}
          <Button onClick={onSignOut}>{t('admin.signOut')}</Button>
        </p>
      </div>
      <nav aria-label={t('admin.nav')} className="admin-nav">
        <ul>
          {SECTIONS.filter((s) => !('adminOnly' in s) || staff.role === 'admin').map((s) => (
            <li key={s.key}>
              <Link href={s.path} aria-current={current(s.path) ? 'page' : undefined}>
                {t(`admin.section.${s.key}`)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <Switch>
          <Route path="/admin">
            <SessionsSection />
          </Route>
          <Route path="/admin/sessions/:id">{(p) => <SessionEditor sessionId={p.id} />}</Route>
          <Route path="/admin/campaigns">
            <CampaignsSection />
          </Route>
          <Route path="/admin/employers">
            <EmployersSection />
          </Route>
          <Route path="/admin/vacancies">
            <VacanciesSection />
          </Route>
          <Route path="/admin/policies">
            <PoliciesSection />
          </Route>
          <Route path="/admin/links">
            <InvitesSection />
          </Route>
          <Route path="/admin/staff">
            <StaffSection />
          </Route>
          <Route path="/admin/statistics/sessions/:id">{(p) => <SessionStatistics sessionId={p.id} />}</Route>
          <Route path="/admin/clips/sessions/:id">{(p) => <ClipsPage sessionId={p.id} />}</Route>
          <Route path="/admin/statistics/campaigns/:id">{(p) => <CampaignStatistics campaignId={p.id} />}</Route>
          <Route path="/admin/reports/campaigns/:id">{(p) => <CampaignReportPage campaignId={p.id} />}</Route>
          <Route>
            <p role="alert">{t('admin.notFound')}</p>
          </Route>
        </Switch>
    </div>
  );
}
