import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

const TICK_MS = 500;

/** A duration as mm:ss, and as h:mm:ss from the first hour on. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const two = (n: number): string => String(n).padStart(2, '0');
  const rest = `${two(Math.floor((total % 3600) / 60))}:${two(total % 60)}`;
  return hours > 0 ? `${hours}:${rest}` : rest;
}

/**
 * Time on air since `since` and the local wall-clock time. The elapsed time stops when `running`
 * turns false (the session ended) and starts again from the next `since`.
 */
export function SessionClock({ since, running }: { since: number | undefined; running: boolean }) {
  const { t, i18n } = useTranslation();
  const [now, setNow] = useState(() => Date.now());
  const [stoppedAt, setStoppedAt] = useState<number>();

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, []);

  // Remember when it stopped, so an ended session keeps showing how long it ran.
  if (!running && since !== undefined && stoppedAt === undefined) setStoppedAt(now);
  if (running && stoppedAt !== undefined) setStoppedAt(undefined);

  const elapsedMs = since === undefined ? 0 : (stoppedAt ?? now) - since;
  const seconds = Math.max(0, Math.floor(elapsedMs / 1000));
  const wall = new Date(now);
  return (
    // A timer, but never read aloud on its own: it would talk over the host's screen reader every second.
    <div className="session-clock" role="timer" aria-live="off" data-running={running && since !== undefined}>
      <span className="clock-item">
        <span className="clock-label">{t('host.onAir')}</span>{' '}
        <time className="clock-elapsed" dateTime={`PT${seconds}S`}>
          {formatElapsed(elapsedMs)}
        </time>
      </span>
      <span className="clock-item">
        <span className="clock-label">{t('host.localTime')}</span>{' '}
        <time className="clock-local" dateTime={wall.toISOString()}>
          {wall.toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' })}
        </time>
      </span>
    </div>
  );
}
