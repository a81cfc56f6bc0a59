import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RosterView } from '@chunfeng/shared/stage';
import type { Signalling } from '../../signalling/signalling';

/** Whose camera the mass audience (HLS) sees: one person on stage, or whoever is speaking. */
export function ProgramPanel({ signalling, roster }: { signalling: Signalling; roster: RosterView }) {
  const { t } = useTranslation();
  const [peerId, setPeerId] = useState<string>('');
  const [follow, setFollow] = useState(false);

  function apply(next: { peerId: string; follow: boolean }): void {
    setPeerId(next.peerId);
    setFollow(next.follow);
    void signalling
      .request('program:spotlight', { ...(next.peerId ? { peerId: next.peerId } : {}), followSpeaker: next.follow })
      .catch(() => undefined);
  }

  return (
    <section className="panel" aria-labelledby="program-title">
      <h2 id="program-title">{t('program.title')}</h2>
      <label className="field">
        {t('program.spotlight')}
        <select value={peerId} disabled={follow} onChange={(e) => apply({ peerId: e.target.value, follow })}>
          <option value="">{t('program.host')}</option>
          {roster.onStage
            .filter((p) => p.role !== 'host')
            .map((p) => (
              <option key={p.peerId} value={p.peerId}>
                {p.displayName || t(`role.${p.role}`)}
              </option>
            ))}
        </select>
      </label>
      <label className="consent">
        <input type="checkbox" checked={follow} onChange={(e) => apply({ peerId, follow: e.target.checked })} />
        <span>{t('program.follow')}</span>
      </label>
    </section>
  );
}
