import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { VideoTile } from './VideoTile';

const CORNERS = ['bottom-right', 'bottom-left', 'top-left', 'top-right'] as const;

/**
 * The sign-language interpreter, always visible whoever is speaking: a tile of its own that the
 * viewer can enlarge and move to another corner so it covers nothing they need.
 */
export function InterpreterTile({ stream, label }: { stream: MediaStream; label: string }) {
  const { t } = useTranslation();
  const [large, setLarge] = useState(false);
  const [corner, setCorner] = useState(0);
  return (
    <div className={`interpreter interpreter-${CORNERS[corner]}${large ? ' interpreter-large' : ''}`} data-interpreter>
      <VideoTile stream={stream} label={label} />
      <div className="interpreter-controls">
        <button type="button" className="button" aria-pressed={large} onClick={() => setLarge(!large)}>
          {large ? t('interpreter.shrink') : t('interpreter.enlarge')}
        </button>
        <button type="button" className="button" onClick={() => setCorner((corner + 1) % CORNERS.length)}>
          {t('interpreter.move')}
        </button>
      </div>
    </div>
  );
}
