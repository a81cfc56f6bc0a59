import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PolicyCard, VacancyCard } from '@chunfeng/shared/recruitment';
import { CONTENT_LANG } from '../../ui/content';
import { formatPay } from '../../ui/format';
import { Faq, VacancyFacts } from '../recruitment/VacancyFacts';

/**
 * The pinned vacancy sliding in over the video, announced once to screen readers; and the pinned
 * policy card beneath it. `onShown` / `onApply` feed the live funnel.
 */
export function PinnedCard({ vacancy, policy, onApply, onShown }: {
  vacancy: VacancyCard | null;
  policy: PolicyCard | null;
  onApply: (vacancy: VacancyCard) => void;
  onShown: (vacancy: VacancyCard) => void;
}) {
  const { t, i18n } = useTranslation();
  // The live region speaks when its text changes: once per new pin, not on every render.
  return (
    <>
      <p className="visually-hidden" aria-live="assertive" data-announce="pin">
        {vacancy && (
          <>
            {t('card.announceLead')}{' '}
            <span lang={CONTENT_LANG}>
              {vacancy.employer.name} {vacancy.title}
            </span>{' '}
            {formatPay(vacancy.pay, t, i18n.language)}
          </>
        )}
      </p>
      {vacancy && <PinnedVacancy key={vacancy.id} vacancy={vacancy} onApply={onApply} onShown={onShown} />}
      {policy && (
        <aside className="policy-card" aria-labelledby={`policy-${policy.id}`}>
          <p className="pinned-label">{t('card.policyLabel')}</p>
          <h2 id={`policy-${policy.id}`} lang={CONTENT_LANG}>
            {policy.title}
          </h2>
          <p lang={CONTENT_LANG}>{policy.text}</p>
          <p>
            <strong>{t('card.howToApply')}: </strong>
            <span lang={CONTENT_LANG}>{policy.howToApply}</span>
          </p>
        </aside>
      )}
    </>
  );
}

function PinnedVacancy({ vacancy, onApply, onShown }: {
  vacancy: VacancyCard;
  onApply: (vacancy: VacancyCard) => void;
  onShown: (vacancy: VacancyCard) => void;
}) {
  const { t } = useTranslation();
  const [expanded, setExpanded] = useState(false);
  useEffect(() => onShown(vacancy), [vacancy, onShown]);
  return (
    <article className="pinned-card" aria-labelledby={`pinned-${vacancy.id}`} data-vacancy={vacancy.id}>
      <p className="pinned-label">{t('card.pinnedLabel')}</p>
      <h2 id={`pinned-${vacancy.id}`}>
        <span lang={CONTENT_LANG}>{vacancy.title}</span> <span className="muted">· {t('card.headcount', { count: vacancy.headcount })}</span>
      </h2>
      <p className="pinned-employer" lang={CONTENT_LANG}>
        {vacancy.employer.name}
      </p>
      <VacancyFacts vacancy={vacancy} compact={!expanded} />
      <Faq vacancy={vacancy} />
      <div className="toolbar">
        <button type="button" className="button button-primary" onClick={() => onApply(vacancy)}>
          {t('card.apply')}
        </button>
        {!expanded && (
          <button type="button" className="button" onClick={() => setExpanded(true)} aria-expanded={expanded}>
            {t('card.details')}
          </button>
        )}
      </div>
    </article>
  );
}
