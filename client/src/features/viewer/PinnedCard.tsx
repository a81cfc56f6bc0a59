import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PolicyCard, VacancyCard } from '@chunfeng/shared/recruitment';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { formatPay } from '../../ui/format';
import { PolicyDetails } from '../recruitment/PolicyDetails';
import { Faq, VacancyFacts } from '../recruitment/VacancyFacts';
import { ApplyButton } from './ApplyButton';

/**
 * The pinned vacancy sliding in over the video, announced once to screen readers; and the pinned
 * policy card beneath it. `onShown` / `onApply` feed the live funnel.
 */
export function PinnedCard({ vacancy, policy, applied, onApply, onShown }: {
  vacancy: VacancyCard | null;
  policy: PolicyCard | null;
  /** The vacancies this phone has applied to: their card says so instead of offering 一键报名. */
  applied: ReadonlySet<string>;
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
      {vacancy && <PinnedVacancy key={vacancy.id} vacancy={vacancy} applied={applied.has(vacancy.id)} onApply={onApply} onShown={onShown} />}
      {policy && (
        <Card as="aside" tone="featured" className="policy-card" labelledBy={`policy-${policy.id}`}>
          <p className="pinned-label">{t('card.policyLabel')}</p>
          <h2 id={`policy-${policy.id}`} lang={CONTENT_LANG}>
            {policy.title}
          </h2>
          <p lang={CONTENT_LANG}>{policy.text}</p>
          <PolicyDetails policy={policy} />
        </Card>
      )}
    </>
  );
}

function PinnedVacancy({ vacancy, applied, onApply, onShown }: {
  vacancy: VacancyCard;
  applied: boolean;
  onApply: (vacancy: VacancyCard) => void;
  onShown: (vacancy: VacancyCard) => void;
}) {
  const { t } = useTranslation();
  const [expanded, setExpanded] = useState(false);
  useEffect(() => onShown(vacancy), [vacancy, onShown]);
  return (
    <Card as="article" tone="featured" className="pinned-card" labelledBy={`pinned-${vacancy.id}`} data-vacancy={vacancy.id}>
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
        <ApplyButton vacancy={vacancy} applied={applied} onApply={onApply} />
        {/* A toggle that stays put, so focus is not lost when the details open. */}
        <Button onClick={() => setExpanded((e) => !e)} aria-expanded={expanded}>
          {t('card.details')}
        </Button>
      </div>
    </Card>
  );
}
