import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { VacancyFunnelView } from '@chunfeng/shared/recruitment';
import type { StageClient } from '../../media/stageClient';
import type { Signalling } from '../../signalling/signalling';
import { CONTENT_LANG } from '../../ui/content';
import { formatPay } from '../../ui/format';
import { usePins } from '../viewer/usePins';

/** The session's lineup with pin / unpin per card and the live funnel of each vacancy. */
export function LineupPanel({ sessionId, signalling, client }: { sessionId: string; signalling: Signalling; client: StageClient }) {
  const { t, i18n } = useTranslation();
  const { lineup, vacancy: pinned, policy: pinnedPolicy } = usePins(sessionId, signalling, client);
  const [funnel, setFunnel] = useState<Record<string, VacancyFunnelView>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const socket = signalling.socket;
    const onFunnel = ({ funnel: changed }: { funnel: VacancyFunnelView[] }): void =>
      setFunnel((all) => ({ ...all, ...Object.fromEntries(changed.map((f) => [f.vacancyId, f])) }));
    socket.on('funnel:updated', onFunnel);
    void signalling
      .request('funnel:get', {})
      .then(({ funnel: list }) => setFunnel(Object.fromEntries(list.map((f) => [f.vacancyId, f]))))
      .catch(() => undefined);
    return () => {
      socket.off('funnel:updated', onFunnel);
    };
  }, [signalling]);

  // aria-disabled rather than disabled while a pin is in flight: a disabled button would drop the keyboard focus.
  async function run(action: () => Promise<unknown>): Promise<void> {
    if (busy) return;
    setBusy(true);
    try {
      await action();
    } finally {
      setBusy(false);
    }
  }

  const thisMinute = useCurrentMinute();
  return (
    <section className="panel lineup-panel" aria-labelledby="lineup-title">
      <h2 id="lineup-title">{t('lineup.title')}</h2>
      {pinned && (
        <p className="lineup-now">
          <span className="muted">{t('lineup.pinned')}</span> <strong lang={CONTENT_LANG}>{pinned.title}</strong>
        </p>
      )}
      <div className="panel-body">
        {!lineup || lineup.vacancies.length === 0 ? (
          <p className="muted">{t('lineup.empty')}</p>
        ) : (
          <ul className="lineup-list">
            {lineup.vacancies.map((v) => {
              const isPinned = pinned?.id === v.id;
              const f = funnel[v.id];
              const lastMinute = f?.perMinute.find((m) => m.minute === thisMinute)?.applied ?? 0;
              return (
                <li key={v.id} className="lineup-item" data-pinned={isPinned} data-vacancy={v.id}>
                  <div>
                    <strong>{v.title}</strong> · {v.employer.name}
                    <div className="muted">{formatPay(v.pay, t, i18n.language)}</div>
                  </div>
                  <button
                    type="button"
                    className={isPinned ? 'button' : 'button button-primary'}
                    aria-disabled={busy}
                    aria-pressed={isPinned}
                    aria-label={`${isPinned ? t('lineup.unpin') : t('lineup.pin')} ${v.title}`}
                    onClick={() =>
                      void run(() => (isPinned ? signalling.request('vacancy:unpin', {}) : signalling.request('vacancy:pin', { vacancyId: v.id })))
                    }
                  >
                    {isPinned ? t('lineup.unpin') : t('lineup.pin')}
                  </button>
                  <p className="counters" aria-live="off">
                    {t('lineup.shown')} {f?.shown ?? 0} · {t('lineup.opened')} {f?.opened ?? 0} · {t('lineup.applied')} {f?.applied ?? 0} ·{' '}
                    {t('lineup.lastMinute')} {lastMinute}
                  </p>
                </li>
              );
            })}
          </ul>
        )}
        {lineup && lineup.policies.length > 0 && (
          <>
            <h3>{t('lineup.policies')}</h3>
            <ul className="lineup-list">
              {lineup.policies.map((p) => {
                const isPinned = pinnedPolicy?.id === p.id;
                return (
                  <li key={p.id} className="lineup-item" data-pinned={isPinned}>
                    <strong>{p.title}</strong>
                    <button
                      type="button"
                      className="button"
                      aria-disabled={busy}
                      aria-pressed={isPinned}
                      onClick={() =>
                        void run(() => (isPinned ? signalling.request('policy:unpin', {}) : signalling.request('policy:pin', { policyId: p.id })))
                      }
                    >
                      {isPinned ? t('lineup.unpin') : t('lineup.pin')}
                    </button>
                  </li>
                );
              })}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}

/** The current UTC minute as the funnel keys it (2025-03-01T09:30), changing when the minute does. */
function useCurrentMinute(): string {
  const read = (): string => new Date().toISOString().slice(0, 16);
  const [minute, setMinute] = useState(read);
  useEffect(() => {
    // Re-renders only when the minute changes: React skips setting an equal string.
    const timer = setInterval(() => setMinute(read()), 5000);
    return () => clearInterval(timer);
  }, []);
  return minute;
}
