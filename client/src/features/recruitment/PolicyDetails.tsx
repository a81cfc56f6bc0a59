import { useTranslation } from 'react-i18next';
import { telHref, type PolicyCard } from '@chunfeng/shared/recruitment';
import { CONTENT_LANG } from '../../ui/content';
import './policy.css';

/**
 * How to claim a policy: its numbered steps, the documents to bring, where to go and a phone to call
 * (a tel: link, one tap on a phone). Cards made before these existed show only what they have.
 */
export function PolicyDetails({ policy, headingLevel = 3 }: { policy: PolicyCard; headingLevel?: 3 | 4 }) {
  const { t } = useTranslation();
  const H = headingLevel === 3 ? 'h3' : 'h4';
  const steps = policy.steps ?? [];
  const documents = policy.documents ?? [];
  return (
    <div className="policy-details">
      <p>
        <strong>{t('card.howToApply')}: </strong>
        <span lang={CONTENT_LANG}>{policy.howToApply}</span>
      </p>
      {steps.length > 0 && (
        <>
          <H>{t('policy.steps')}</H>
          <ol className="policy-steps" lang={CONTENT_LANG}>
            {steps.map((step, i) => (
              <li key={i}>{step}</li>
            ))}
          </ol>
        </>
      )}
      {documents.length > 0 && (
        <>
          <H>{t('policy.documents')}</H>
          <ul className="policy-documents" lang={CONTENT_LANG}>
            {documents.map((doc, i) => (
              <li key={i}>{doc}</li>
            ))}
          </ul>
        </>
      )}
      {(policy.office || policy.phone) && (
        <dl className="policy-where">
          {policy.office && (
            <>
              <dt>{t('policy.office')}</dt>
              <dd lang={CONTENT_LANG}>{policy.office}</dd>
            </>
          )}
          {policy.phone && (
            <>
              <dt>{t('policy.phone')}</dt>
              <dd>
                <a href={telHref(policy.phone)} aria-label={t('policy.call', { phone: policy.phone })}>
                  {policy.phone}
                </a>
              </dd>
            </>
          )}
        </dl>
      )}
    </div>
  );
}
