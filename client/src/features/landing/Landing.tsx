import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../signalling/api';
import { ButtonLink } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { formatDate, formatTime } from '../../ui/format';
import { ErrorState } from '../../ui/ErrorState';
import { useDocumentTitle } from '../../ui/useDocumentTitle';

interface SessionItem {
  id: string;
  title: string;
  status: 'scheduled' | 'live' | 'ended';
  scheduledAt: string;
  campaignId: string;
  campaign: string;
  replay: boolean;
}

interface CurrentCampaign {
  id: string;
  name: string;
  startsOn: string;
  endsOn: string;
  description: string;
}

/** The current campaign; its live sessions first (any campaign's, in fact), then its upcoming ones, then replays. */
export function Landing() {
  const { t, i18n } = useTranslation();
  useDocumentTitle(undefined);
  const [sessions, setSessions] = useState<SessionItem[]>();
  const [current, setCurrent] = useState<CurrentCampaign | null>(null);
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    api<{ sessions: SessionItem[]; current: CurrentCampaign | null }>('/public/sessions').then(
      ({ sessions: list, current: campaign }) => {
        if (cancelled) return;
        setSessions(list);
        setCurrent(campaign);
      },
      () => !cancelled && setFailed(true),
    );
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  const group = (status: SessionItem['status']) => (sessions ?? []).filter((s) => s.status === status);
  const live = group('live');
  const upcoming = group('scheduled').filter((s) => !current || s.campaignId === current.id);
  const replays = group('ended').filter((s) => s.replay);
  // Sessions may exist and still none be worth a tap (ended without a recording, another campaign's):
  // say so, rather than leave a page with a heading and nothing under it.
  const nothing = live.length + upcoming.length + replays.length === 0;
  const section = (title: string, items: SessionItem[], action: (s: SessionItem) => React.ReactNode) =>
    items.length > 0 && (
      <section aria-label={title}>
        <h2>{title}</h2>
        <ul className="session-list">
          {items.map((s) => (
            <Card as="li" key={s.id} className="session" data-session={s.id}>
              <h3 lang={CONTENT_LANG}>{s.title}</h3>
              <p className="muted">
                <span lang={CONTENT_LANG}>{s.campaign}</span> · {formatTime(s.scheduledAt, i18n.language)}
              </p>
              {action(s)}
            </Card>
          ))}
        </ul>
      </section>
    );

  return (
    <section aria-labelledby="landing-title">
      <h1 id="landing-title">{t('app.tagline')}</h1>
      {current && (
        <p className="campaign-banner">
          <strong lang={CONTENT_LANG}>{current.name}</strong>{' '}
          <span className="muted">
            {formatDate(current.startsOn, i18n.language)} – {formatDate(current.endsOn, i18n.language)}
          </span>
          {current.description && (
            <>
              <br />
              <span lang={CONTENT_LANG}>{current.description}</span>
            </>
          )}
        </p>
      )}
      {failed && (
        <ErrorState
          text={t('landing.failed')}
          onRetry={() => {
            setFailed(false);
            setAttempt((n) => n + 1);
          }}
        />
      )}
      {!sessions && !failed && <p role="status">{t('state.loading')}</p>}
      {sessions && nothing && (
        <Card as="section" className="landing-empty" labelledBy="landing-empty-title">
          <h2 id="landing-empty-title">{t('landing.none')}</h2>
          <p className="muted">{t('landing.noneHint')}</p>
        </Card>
      )}
      {section(t('landing.heading'), live, (s) => (
        <ButtonLink variant="primary" href={`/watch/${encodeURIComponent(s.id)}`}>
          {t('landing.watch')}
        </ButtonLink>
      ))}
      {section(t('landing.upcoming'), upcoming, (s) => (
        <ButtonLink href={`/watch/${encodeURIComponent(s.id)}`}>{t('landing.vacancies')}</ButtonLink>
      ))}
      {section(t('landing.replays'), replays, (s) => (
        <ButtonLink href={`/replay/${encodeURIComponent(s.id)}`}>{t('landing.replay')}</ButtonLink>
      ))}
    </section>
  );
}
