import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { VacancyCard } from '@chunfeng/shared/recruitment';
import { ApiError, api } from '../../signalling/api';
import { Button, ButtonLink } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { ErrorState } from '../../ui/ErrorState';
import { StatusBanner } from '../../ui/StatusBanner';
import { Faq, VacancyFacts } from '../recruitment/VacancyFacts';
import { ApplyButton } from '../viewer/ApplyButton';
import { ApplySheet } from '../viewer/ApplySheet';
import { HlsPlayer } from '../viewer/HlsPlayer';
import { MyApplications } from '../viewer/MyApplications';
import { appliedVacancies, useMyApplications } from '../viewer/myApplications';
import { useDocumentTitle } from '../../ui/useDocumentTitle';

interface Replay {
  master: string;
  duration: number;
  ended: boolean;
  chapters: Array<{ itemId: string; start: number; end: number; vacancy: VacancyCard }>;
  captions: string | null;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A finished session: the video, one chapter per pinned vacancy, and apply from any chapter. */
export function ReplayPage({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation();
  useDocumentTitle(t('replay.title'));
  const [replay, setReplay] = useState<Replay>();
  const [missing, setMissing] = useState(false);
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [seekTo, setSeekTo] = useState<{ t: number }>();
  const [applying, setApplying] = useState<VacancyCard>();
  // A link to one vacancy's chapter (the job zone's, `?vacancy=`): the replay starts at it.
  const [chapterOf] = useState(() => new URLSearchParams(window.location.search).get('vacancy'));
  // A chapter of a vacancy this phone applied to says so (and leads to "my applications") instead of offering 一键报名 again.
  const mine = useMyApplications();
  const applied = useMemo(() => appliedVacancies(mine), [mine]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    let loaded = false;
    // Until the recording is finalized (just after the session ends) keep checking.
    const load = (): void => {
      api<Replay>(`/public/sessions/${encodeURIComponent(sessionId)}/replay`).then(
        (r) => {
          if (cancelled) return;
          loaded = true;
          setReplay((prev) => (prev && prev.ended === r.ended && prev.captions === r.captions ? prev : r));
          if (!r.ended) timer = setTimeout(load, 2000);
        },
        (e: unknown) => {
          if (cancelled) return;
          if (e instanceof ApiError && e.code === 'NOT_FOUND') setMissing(true);
          // Once the replay shows, a failed check (a weak network) is simply tried again later.
          else if (loaded) timer = setTimeout(load, 2000);
          else setFailed(true);
        },
      );
    };
    load();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [sessionId, attempt]);

  // No recording (never made, or recording is off): say so, and offer the vacancies, which outlive the video.
  if (missing) {
    return (
      <section className="replay state-block" aria-labelledby="replay-title">
        <h1 id="replay-title">{t('replay.title')}</h1>
        <StatusBanner text={t('replay.none')} />
        <div className="toolbar">
          <ButtonLink variant="primary" href={`/watch/${encodeURIComponent(sessionId)}`}>
            {t('replay.vacancies')}
          </ButtonLink>
          <ButtonLink href="/">{t('replay.allSessions')}</ButtonLink>
        </div>
      </section>
    );
  }
  if (failed && !replay) {
    return (
      <ErrorState
        text={t('replay.failed')}
        onRetry={() => {
          setFailed(false);
          setAttempt((n) => n + 1);
        }}
      />
    );
  }
  if (!replay) return <p role="status">{t('state.loading')}</p>;
  const opening = replay.chapters.find((c) => c.itemId === chapterOf);
  return (
    <section className="replay" aria-labelledby="replay-title">
      <h1 id="replay-title">{t('replay.title')}</h1>
      {!replay.ended && <StatusBanner tone="warn" text={t('replay.notEnded')} />}
      <HlsPlayer src={replay.master} label={t('replay.title')} live={false} seekTo={seekTo} startAt={opening?.start ?? 0} captions={replay.captions} />
      <h2>{t('replay.chapters')}</h2>
      {replay.chapters.length === 0 && <p className="muted">{replay.ended ? t('replay.noChapters') : t('replay.noChaptersYet')}</p>}
      <ol className="chapters">
        {replay.chapters.map((c, i) => (
          <Card as="li" key={`${c.itemId}-${i}`} className="chapter" data-vacancy={c.itemId} aria-current={c === opening ? 'true' : undefined}>
            <Button onClick={() => setSeekTo({ t: c.start })}>
              {clock(c.start)} · {t('replay.jump')}
            </Button>
            <h3 lang={CONTENT_LANG}>
              {c.vacancy.title} <span className="muted">· {c.vacancy.employer.name}</span>
            </h3>
            <VacancyFacts vacancy={c.vacancy} compact />
            <Faq vacancy={c.vacancy} />
            <ApplyButton vacancy={c.vacancy} applied={applied.has(c.vacancy.id)} onApply={setApplying} />
          </Card>
        ))}
      </ol>
      <MyApplications refreshKey={applying} />
      {applying && <ApplySheet vacancy={applying} sessionId={sessionId} source="replay" onClose={() => setApplying(undefined)} />}
    </section>
  );
}
