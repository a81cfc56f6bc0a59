import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApplicationStatus } from '@chunfeng/shared/recruitment';
import { ApiError, api } from '../../signalling/api';
import { CONTENT_LANG } from '../../ui/content';
import { formatTime } from '../../ui/format';
import { myApplications, type MyApplication } from './myApplications';

interface Status {
  id: string;
  status: ApplicationStatus;
}

/** The applications made on this phone, with where each stands, and withdraw while it is open. */
export function MyApplications({ refreshKey }: { refreshKey: unknown }) {
  const { t, i18n } = useTranslation();
  const [mine, setMine] = useState<MyApplication[]>([]);
  const [statuses, setStatuses] = useState<Record<string, ApplicationStatus>>({});
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    const list = myApplications();
    let cancelled = false;
    const timer = setTimeout(() => setMine(list), 0);
    if (list.length > 0) {
      void api<{ applications: Status[] }>('/applications/mine', { method: 'POST', body: { items: list.map((a) => ({ id: a.id, idempotencyKey: a.idempotencyKey })) } })
        .then(({ applications }) => !cancelled && setStatuses(Object.fromEntries(applications.map((a) => [a.id, a.status]))))
        .catch(() => undefined);
    }
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [refreshKey]);

  async function withdraw(a: MyApplication): Promise<void> {
    try {
      const { application } = await api<{ application: Status }>(`/applications/${a.id}/withdraw`, { method: 'POST', body: { idempotencyKey: a.idempotencyKey } });
      setStatuses((s) => ({ ...s, [a.id]: application.status }));
    } catch (e) {
      setProblem(e instanceof ApiError ? e.message : String(e));
    }
  }

  if (mine.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="mine-title">
      <h2 id="mine-title">{t('mine.title')}</h2>
      <ul className="vacancy-list">
        {mine.map((a) => {
          const status = statuses[a.id];
          return (
            <li key={a.id} data-application={a.id}>
              <p>
                <strong lang={CONTENT_LANG}>{a.title}</strong> · <span lang={CONTENT_LANG}>{a.employer}</span>
              </p>
              <p className="muted">
                {formatTime(a.at, i18n.language)} · {status ? t(`status.${status}`) : t('state.connecting')}
              </p>
              {status && ['new', 'contacted', 'interviewing'].includes(status) && (
                <button type="button" className="button" onClick={() => void withdraw(a)}>
                  {t('mine.withdraw')}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {problem && <p className="status status-error">{problem}</p>}
    </section>
  );
}
