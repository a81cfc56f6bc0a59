import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FOLLOW_MAX, type ApplicationStatus } from '@chunfeng/shared/recruitment';
import { api } from '../../signalling/api';
import type { Signalling } from '../../signalling/signalling';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { formatTime } from '../../ui/format';
import { StatusBanner } from '../../ui/StatusBanner';
import { useToast } from '../../ui/Toast';
import { markWithdrawn, useMyApplications, type MyApplication } from './myApplications';
import { describeError } from '../../ui/errors';
import { useSocketEvent } from '../live/useSocketEvent';

interface Status {
  id: string;
  status: ApplicationStatus;
}

/** The id of the section, for the "applied" marks on the vacancies to point at. */
export const MY_APPLICATIONS_ID = 'my-applications';

const OPEN: readonly ApplicationStatus[] = ['new', 'contacted', 'interviewing'];

/**
 * The applications made on this phone, with where each stands, and withdraw while it is open.
 * Shown only once this phone has applied: a viewer who has not needs no empty box.
 */
export function MyApplications({ refreshKey, signalling }: {
  refreshKey: unknown;
  /** The page's socket, if it holds one: the open applications' moves arrive over it as they happen. */
  signalling?: Signalling | undefined;
}) {
  const { t, i18n } = useTranslation();
  const toasts = useToast();
  const mine = useMyApplications();
  // What the last answered lookup asked about, and what it found: an asked id it did not return has
  // no status to show (the server does not know it by the stored key), which is not "loading".
  const [lookup, setLookup] = useState<{ asked: ReadonlySet<string>; statuses: Record<string, ApplicationStatus> }>({ asked: new Set(), statuses: {} });
  const [lookupFailed, setLookupFailed] = useState(false);
  const [withdrawing, setWithdrawing] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const items = useMemo(() => mine.map((a) => ({ id: a.id, idempotencyKey: a.idempotencyKey })), [mine]);

  useEffect(() => {
    if (items.length === 0) return;
    let cancelled = false;
    void api<{ applications: Status[] }>('/applications/mine', { method: 'POST', body: { items } }).then(
      ({ applications }) => {
        if (cancelled) return;
        setLookupFailed(false);
        setLookup({ asked: new Set(items.map((a) => a.id)), statuses: Object.fromEntries(applications.map((a) => [a.id, a.status])) });
        for (const a of applications) if (a.status === 'withdrawn') markWithdrawn(a.id);
      },
      () => {
        if (!cancelled) setLookupFailed(true);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [items, refreshKey]);

  // Live while the page is open: the newest open applications are followed over the page's socket
  // (each proved by its key), again after every reconnect, and the follow's answer says where each
  // stands now, so a move made while the phone was away shows too.
  const [connections, setConnections] = useState(0);
  useEffect(() => signalling?.onState((state) => state === 'connected' && setConnections((n) => n + 1)), [signalling]);
  const followed = useMemo(
    () => mine.filter((a) => !a.withdrawn).slice(0, FOLLOW_MAX).map((a) => ({ id: a.id, idempotencyKey: a.idempotencyKey })),
    [mine],
  );
  useEffect(() => {
    if (!signalling || signalling.state !== 'connected' || followed.length === 0) return;
    let cancelled = false;
    signalling.request('applications:follow', { items: followed }).then(
      ({ applications }) => {
        if (cancelled || applications.length === 0) return;
        setLookup((l) => ({ asked: l.asked, statuses: { ...l.statuses, ...Object.fromEntries(applications.map((a) => [a.id, a.status])) } }));
        for (const a of applications) if (a.status === 'withdrawn') markWithdrawn(a.id);
      },
      // Not followed this time (a busy server): the lookup above still shows where each stands.
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [signalling, followed, connections]);
  // A move while watched is shown in place and said aloud (a toast is a polite live region).
  useSocketEvent(signalling, 'application:status', ({ id, status }) => {
    const entry = mine.find((a) => a.id === id);
    if (!entry) return;
    const before = lookup.statuses[id];
    if (before !== undefined && before !== status) toasts.show(t('mine.moved', { title: entry.title, status: t(`status.${status}`) }), { tone: 'success' });
    setLookup((l) => ({ asked: l.asked, statuses: { ...l.statuses, [id]: status } }));
    if (status === 'withdrawn') markWithdrawn(id);
  });

  async function withdraw(a: MyApplication): Promise<void> {
    setWithdrawing(a.id);
    try {
      const { application } = await api<{ application: Status }>(`/applications/${a.id}/withdraw`, { method: 'POST', body: { idempotencyKey: a.idempotencyKey } });
      setLookup((l) => ({ ...l, statuses: { ...l.statuses, [a.id]: application.status } }));
      if (application.status === 'withdrawn') markWithdrawn(a.id);
      setProblem(undefined);
      toasts.show(t('mine.withdrawn'), { tone: 'success' });
    } catch (e) {
      setProblem(t('mine.withdrawFailed', { message: describeError(e, t, 'withdraw') }));
    } finally {
      setWithdrawing(undefined);
    }
  }

  if (mine.length === 0) return null;
  return (
    <Card as="section" labelledBy="mine-title" id={MY_APPLICATIONS_ID}>
      <h2 id="mine-title" tabIndex={-1}>
        {t('mine.title')}
      </h2>
      {lookupFailed && <StatusBanner tone="warn" text={t('mine.statusUnavailable')} />}
      <ul className="vacancy-list">
        {mine.map((a) => {
          const status = lookup.statuses[a.id];
          const unknown = !status && (lookupFailed || lookup.asked.has(a.id));
          return (
            <li key={a.id} data-application={a.id} data-status={status ?? (unknown ? 'unknown' : 'loading')}>
              <p>
                <strong lang={CONTENT_LANG}>{a.title}</strong> · <span lang={CONTENT_LANG}>{a.employer}</span>
              </p>
              <p className="muted">
                {formatTime(a.at, i18n.language)} · {status ? t(`status.${status}`) : unknown ? t('mine.statusUnknown') : t('state.loading')}
              </p>
              {status && OPEN.includes(status) && (
                <Button busy={withdrawing === a.id} onClick={() => void withdraw(a)}>
                  {t('mine.withdraw')}
                </Button>
              )}
            </li>
          );
        })}
      </ul>
      {problem && (
        <p className="status status-error" role="alert">
          {problem}
        </p>
      )}
    </Card>
  );
}
