import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApplicationStatus } from '@chunfeng/shared/recruitment';
import { api } from '../../signalling/api';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { formatTime } from '../../ui/format';
import { StatusBanner } from '../../ui/StatusBanner';
import { useToast } from '../../ui/Toast';
import { myApplications, type MyApplication } from './myApplications';
import { describeError } from '../../ui/errors';

interface Status {
  id: string;
  status: ApplicationStatus;
}

const OPEN: readonly ApplicationStatus[] = ['new', 'contacted', 'interviewing'];

/**
 * The applications made on this phone, with where each stands, and withdraw while it is open.
 * Shown only once this phone has applied: a viewer who has not needs no empty box.
 */
export function MyApplications({ refreshKey }: { refreshKey: unknown }) {
  const { t, i18n } = useTranslation();
  const toasts = useToast();
  const [mine, setMine] = useState<MyApplication[]>([]);
  const [statuses, setStatuses] = useState<Record<string, ApplicationStatus>>({});
  const [lookupFailed, setLookupFailed] = useState(false);
  const [withdrawing, setWithdrawing] = useState<string>();
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    const list = myApplications();
    let cancelled = false;
    const timer = setTimeout(() => setMine(list), 0);
    if (list.length > 0) {
      void api<{ applications: Status[] }>('/applications/mine', { method: 'POST', body: { items: list.map((a) => ({ id: a.id, idempotencyKey: a.idempotencyKey })) } }).then(
        ({ applications }) => {
          if (cancelled) return;
          setLookupFailed(false);
          setStatuses(Object.fromEntries(applications.map((a) => [a.id, a.status])));
        },
        () => {
          if (!cancelled) setLookupFailed(true);
        },
      );
    }
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [refreshKey]);

  async function withdraw(a: MyApplication): Promise<void> {
    setWithdrawing(a.id);
    try {
      const { application } = await api<{ application: Status }>(`/applications/${a.id}/withdraw`, { method: 'POST', body: { idempotencyKey: a.idempotencyKey } });
      setStatuses((s) => ({ ...s, [a.id]: application.status }));
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
    <Card as="section" labelledBy="mine-title">
      <h2 id="mine-title">{t('mine.title')}</h2>
      {lookupFailed && <StatusBanner tone="warn" text={t('mine.statusUnavailable')} />}
      <ul className="vacancy-list">
        {mine.map((a) => {
          const status = statuses[a.id];
          return (
            <li key={a.id} data-application={a.id}>
              <p>
                <strong lang={CONTENT_LANG}>{a.title}</strong> · <span lang={CONTENT_LANG}>{a.employer}</span>
              </p>
              <p className="muted">
                {formatTime(a.at, i18n.language)} · {status ? t(`status.${status}`) : lookupFailed ? t('mine.statusUnknown') : t('state.loading')}
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
