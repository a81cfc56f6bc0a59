import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CurrentCampaign, PublicSessionItem as SessionItem, PublicSessionPage } from '@chunfeng/shared/catalogPages';
import { api } from '../../signalling/api';
import { Button } from '../../ui/Button';
import { ButtonLink } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { formatDate, formatTime } from '../../ui/format';
import { ErrorState } from '../../ui/ErrorState';
import { useDocumentTitle } from '../../ui/useDocumentTitle';

/** The current campaign; its live sessions first (any campaign's, in fact), then its upcoming ones, then replays. */
export function Landing() {
  const { t, i18n } = useTranslation();
  useDocumentTitle(undefined);
  const [sessions, setSessions] = useState<SessionItem[]>();
  const [current, setCurrent] = useState<CurrentCampaign | null>(null);
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api<PublicSessionPage>('/public/sessions').then(
      ({ sessions: list, current: campaign, next: cursor }) => {
        if (cancelled) return;
        setSessions(list);
        setCurrent(campaign ?? null);
        setNext(cursor);
      },
      () => !cancelled && setFailed(true),
    );
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  // The next page (live and upcoming ones come first, then the most recent ended): a session already
  // shown (it ended while the list was read) is kept once, as it is now.
  async function more(): Promise<void> {
    if (!next) return;
    setBusy(true);
    try {
      const page = await api<PublicSessionPage>(`/public/sessions?cursor=${encodeURIComponent(next)}`);
      setSessions((shown) => {
        const byId = new Map((shown ?? []).map((s) => [s.id, s]));
        for (const s of page.sessions) byId.set(s.id, s);
        return [...byId.values()];
      });
      setNext(page.next);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }

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
          <br />
          <a href="/jobs">{t('zone.link')}</a>
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
      {next && (
        <p>
          <Button busy={busy} onClick={() => void more()} data-load-more="">
            {t('landing.more')}
          </Button>
        </p>
      )}
    </section>
  );
}
