import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Caption } from '@chunfeng/shared/stage';
import type { Signalling } from '../../signalling/signalling';
import { useSocketEvent } from './useSocketEvent';

export type CaptionSize = 'small' | 'medium' | 'large';

/** The last caption lines over the video while captions are on; nothing is kept while they are off. */
export function CaptionsOverlay({ signalling, enabled, size, live }: { signalling: Signalling | undefined; enabled: boolean; size: CaptionSize; live: boolean }) {
  const { t } = useTranslation();
  const [lines, setLines] = useState<Caption[]>([]);
  useEffect(() => {
    if (!enabled || !live || !signalling) return;
    let cancelled = false;
    void signalling
      .request('caption:history', {})
      .then(({ captions }) => !cancelled && setLines(captions.slice(-2)))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [enabled, live, signalling]);
  useSocketEvent(signalling, 'caption', (c) => {
    if (enabled) setLines((all) => [...all.filter((x) => x.seq !== c.seq), c].sort((a, b) => a.seq - b.seq).slice(-2));
  });
  if (!enabled || lines.length === 0) return null;
  return (
    <div className={`captions captions-${size}`} role="region" aria-label={t('captions.title')}>
      {lines.map((c) => (
        <p key={c.seq} data-seq={c.seq}>
          {c.text}
        </p>
      ))}
    </div>
  );
}
