import { useTranslation } from 'react-i18next';
import type { StageView } from '../features/stage/useStage';
import { StatusBanner } from './StatusBanner';
import { describeCode } from './errors';

/** Says in words what the stage connection is doing: connecting, live, reconnecting, ended. */
export function PhaseBanner({ view }: { view: Pick<StageView, 'phase' | 'error' | 'endReason'> & { recovering?: boolean; hostAway?: boolean } }) {
  const { t } = useTranslation();
  const { phase, error, endReason, recovering = false, hostAway = false } = view;
  if (phase === 'error') return <StatusBanner tone="error" text={describeCode(error ?? 'INTERNAL', t, 'link')} />;
  if (phase === 'ended') {
    const reason = endReason ? t(`endReason.${endReason}`, { defaultValue: '' }) : '';
    return <StatusBanner tone="info" text={reason || t('state.ended')} />;
  }
  // The session did not end: the host's connection is gone and the page waits for them to come back.
  if (phase === 'notLive' && endReason === 'host-left') return <StatusBanner tone="info" text={t('state.hostAway')} />;
  // Live, but the host's own connection dropped: their picture is frozen until they are back (or their grace runs out).
  if (phase === 'live' && hostAway) return <StatusBanner tone="warn" text={t('state.hostReconnecting')} />;
  // Not the network: the media server under the stage failed and another is taking over.
  if (phase === 'reconnecting' && recovering) return <StatusBanner tone="warn" text={t('state.recovering')} />;
  const tone = phase === 'live' ? 'live' : phase === 'reconnecting' ? 'warn' : 'info';
  return <StatusBanner tone={tone} text={t(`state.${phase}`)} />;
}
