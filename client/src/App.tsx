import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Switch } from 'wouter';
import { Landing } from './features/landing/Landing';
import { ViewerPage } from './features/viewer/ViewerPage';
import { LanguageSwitch } from './ui/LanguageSwitch';
import { OfflineBanner } from './ui/OfflineBanner';
import { ToastProvider } from './ui/Toast';

// The host studio is never needed by viewers on a phone: keep it out of their download.
const HostStudio = lazy(() => import('./features/host/HostStudio').then((m) => ({ default: m.HostStudio })));
const EmployerConsole = lazy(() => import('./features/employer/EmployerConsole').then((m) => ({ default: m.EmployerConsole })));
const ReplayPage = lazy(() => import('./features/replay/ReplayPage').then((m) => ({ default: m.ReplayPage })));
const AdminPage = lazy(() => import('./features/admin/AdminPage').then((m) => ({ default: m.AdminPage })));
// The job zone is its own chunk too: the viewer page's first load stays as it was, and the zone's
// first load (the shell plus this chunk) is held to the same budget (scripts/bundle-size.mjs).
const JobZone = lazy(() => import('./features/jobs/JobZone').then((m) => ({ default: m.JobZone })));
const SharePage = lazy(() => import('./features/promotion/SharePage').then((m) => ({ default: m.SharePage })));
const CohostJoin = lazy(() => import('./features/cohost/CohostJoin').then((m) => ({ default: m.CohostJoin })));

export function App() {
  const { t } = useTranslation();
  return (
    <ToastProvider>
      <div className="app">
        <header className="app-header">
          <a href="/" className="brand">
            {t('app.name')}
          </a>
          <LanguageSwitch />
        </header>
        <OfflineBanner />
        <main className="app-main">
          <Suspense fallback={<p role="status">{t('state.connecting')}</p>}>
            <Switch>
              <Route path="/host/:sessionId">{(params) => <HostStudio sessionId={params.sessionId} />}</Route>
              <Route path="/admin/*?">
                <AdminPage />
              </Route>
              <Route path="/employer">
                <EmployerConsole />
              </Route>
              <Route path="/replay/:sessionId">{(params) => <ReplayPage sessionId={params.sessionId} />}</Route>
              <Route path="/join/:sessionId">{(params) => <CohostJoin sessionId={params.sessionId} />}</Route>
              <Route path="/jobs">
                <JobZone />
              </Route>
              <Route path="/share/:sessionId">{(params) => <SharePage sessionId={params.sessionId} />}</Route>
              <Route path="/watch/:sessionId">{(params) => <ViewerPage sessionId={params.sessionId} />}</Route>
              <Route>
                <Landing />
              </Route>
            </Switch>
          </Suspense>
        </main>
      </div>
    </ToastProvider>
  );
}
