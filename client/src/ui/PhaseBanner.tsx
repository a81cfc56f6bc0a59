import { useTranslation } from 'react-i18next';
import type { StageView } from '../features/stage/useStage';
import { StatusBanner } from './StatusBanner';
import { describeCode } from './errors';

/** Says in words what the stage connection is doing: connecting, live, reconnecting, ended. */
export function PhaseBanner({ view }: { view: Pick<StageView, 'phase' | 'error' | 'endReason'> & { recovering?: boolean } }) {
  const { t } = useTranslation();
  const { phase, error, endReason, recovering = false } = view;
  if (phase === 'error') return <StatusBanner tone="error" text={describeCode(error ?? 'INTERNAL', t, 'link')} />;
  if (phase === 'ended') {
    const reason = endReason ? t(`endReason.${endReason}`, { defaultValue: '' }) : '';
    return <StatusBanner tone="info" text={reason || t('state.ended')} />;
  }
  // Not the network: the media server under the stage failed and another is taking over.
  if (phase === 'reconnecting' && recovering) return <StatusBanner tone="warn" text={t('state.recovering')} />;
  const tone = phase === 'live' ? 'live' : phase === 'reconnecting' ? 'warn' : 'info';
  return <StatusBanner tone={tone} text={t(`state.${phase}`)} />;
}
