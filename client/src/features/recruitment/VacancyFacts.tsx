import { useTranslation } from 'react-i18next';
import type { VacancyCard } from '@chunfeng/shared/recruitment';
import { Badge } from '../../ui/Badge';
import { CONTENT_LANG } from '../../ui/content';
import { formatPay } from '../../ui/format';

/** The facts a job seeker decides on: pay, hours, place, insurance, benefits, badges, accessibility. */
export function VacancyFacts({ vacancy, compact = false }: { vacancy: VacancyCard; compact?: boolean }) {
  const { t, i18n } = useTranslation();
  return (
    <div className="vacancy-facts">
      <p className="vacancy-pay">{formatPay(vacancy.pay, t, i18n.language)}</p>
      {(vacancy.employer.verified || vacancy.badges.length > 0 || vacancy.accessibility.length > 0) && (
        <ul className="badges" aria-label={t('card.badgesLabel')}>
          {vacancy.employer.verified && (
            <Badge as="li" tone="verified">
              {t('card.verified')}
            </Badge>
          )}
          {vacancy.badges.map((b) => (
            <Badge key={b} as="li" tone="warm">
              {t(`card.badge.${b}`)}
            </Badge>
          ))}
          {vacancy.accessibility.map((a) => (
            <Badge key={a} as="li" tone="access">
              {t(`card.access.${a}`)}
            </Badge>
          ))}
        </ul>
      )}
      <dl className="facts">
        <dt>{t('card.hours')}</dt>
        <dd lang={CONTENT_LANG}>{vacancy.hours}</dd>
        <dt>{t('card.location')}</dt>
        <dd lang={CONTENT_LANG}>{vacancy.location}</dd>
        {!compact && vacancy.insurance.length > 0 && (
          <>
            <dt>{t('card.insurance')}</dt>
            <dd lang={CONTENT_LANG}>{vacancy.insurance.join('、')}</dd>
          </>
        )}
        {!compact && vacancy.benefits.length > 0 && (
          <>
            <dt>{t('card.benefits')}</dt>
            <dd lang={CONTENT_LANG}>{vacancy.benefits.join('、')}</dd>
          </>
        )}
        {!compact && (vacancy.requirements || vacancy.age) && (
          <>
            <dt>{t('card.requirements')}</dt>
            <dd>
              {/* The employer's words are Chinese content; the age range is interface text in the reader's language. */}
              {vacancy.requirements && <span lang={CONTENT_LANG}>{vacancy.requirements}</span>}
              {vacancy.requirements && vacancy.age && t('card.separator')}
              {vacancy.age && <span>{t('card.age', { min: vacancy.age.min, max: vacancy.age.max })}</span>}
            </dd>
          </>
        )}
      </dl>
      {!compact && vacancy.targetGroups.length > 0 && (
        <p className="muted">{vacancy.targetGroups.map((g) => t(`card.target.${g}`)).join(' · ')}</p>
      )}
    </div>
  );
}

/** Answered questions about the vacancy: its FAQ, on the card, in lists and in the replay. */
export function Faq({ vacancy }: { vacancy: VacancyCard }) {
  const { t } = useTranslation();
  if (vacancy.faq.length === 0) return null;
  return (
    <details className="faq" open>
      <summary>{t('questions.faq')}</summary>
      <dl lang={CONTENT_LANG}>
        {vacancy.faq.map((f, i) => (
          <div key={i}>
            <dt>{f.question}</dt>
            <dd>{f.answer ?? t('questions.onStage')}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
