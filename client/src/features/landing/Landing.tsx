import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../signalling/api';
import { CONTENT_LANG } from '../../ui/content';
import { formatTime } from '../../ui/format';
import { StatusBanner } from '../../ui/StatusBanner';

interface SessionItem {
  id: string;
  title: string;
  status: 'scheduled' | 'live' | 'ended';
  scheduledAt: string;
  campaign: string;
  replay: boolean;
}

/** Live sessions first, then upcoming ones, then replays. */
export function Landing() {
  const { t, i18n } = useTranslation();
  const [sessions, setSessions] = useState<SessionItem[]>();
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    api<{ sessions: SessionItem[] }>('/public/sessions').then(
      ({ sessions: list }) => setSessions(list),
      () => setFailed(true),
    );
  }, []);

  const group = (status: SessionItem['status']) => (sessions ?? []).filter((s) => s.status === status);
  const section = (title: string, items: SessionItem[], action: (s: SessionItem) => React.ReactNode) =>
    items.length > 0 && (
      <section aria-label={title}>
        <h2>{title}</h2>
        <ul className="session-list">
          {items.map((s) => (
            <li key={s.id} className="panel" data-session={s.id}>
              <h3 lang={CONTENT_LANG}>{s.title}</h3>
              <p className="muted">
                <span lang={CONTENT_LANG}>{s.campaign}</span> · {formatTime(s.scheduledAt, i18n.language)}
              </p>
              {action(s)}
            </li>
          ))}
        </ul>
      </section>
    );

  return (
    <section aria-labelledby="landing-title">
      <h1 id="landing-title">{t('app.tagline')}</h1>
      {failed && <StatusBanner tone="error" text={t('landing.failed')} />}
      {!sessions && !failed && <p role="status">{t('state.connecting')}</p>}
      {sessions?.length === 0 && <p>{t('landing.none')}</p>}
      {section(t('landing.heading'), group('live'), (s) => (
        <a className="button button-primary" href={`/watch/${encodeURIComponent(s.id)}`}>
          {t('landing.watch')}
        </a>
      ))}
      {section(t('landing.upcoming'), group('scheduled'), (s) => (
        <a className="button" href={`/watch/${encodeURIComponent(s.id)}`}>
          {t('landing.vacancies')}
        </a>
      ))}
      {section(t('landing.replays'), group('ended').filter((s) => s.replay), (s) => (
        <a className="button" href={`/replay/${encodeURIComponent(s.id)}`}>
          {t('landing.replay')}
        </a>
      ))}
    </section>
  );
}
