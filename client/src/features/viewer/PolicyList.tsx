import { useTranslation } from 'react-i18next';
import type { PolicyCard } from '@chunfeng/shared/recruitment';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { PolicyDetails } from '../recruitment/PolicyDetails';

/**
 * The session's policy and service cards as text (政策与服务), whether or not one is pinned now:
 * someone who joined late, or watches the replay, still finds how to claim each.
 */
export function PolicyList({ policies }: { policies: PolicyCard[] }) {
  const { t } = useTranslation();
  // A session without policy cards says nothing here: the vacancy list is what it is about.
  if (policies.length === 0) return null;
  return (
    <Card as="section" labelledBy="policy-list-title" className="policy-list-section">
      <h2 id="policy-list-title">{t('policy.section')}</h2>
      <p className="muted">{t('policy.sectionHint')}</p>
      <ul className="policy-list">
        {policies.map((p) => (
          <li key={p.id} data-policy={p.id}>
            <h3 id={`policy-list-${p.id}`} lang={CONTENT_LANG}>
              {p.title}
            </h3>
            <p lang={CONTENT_LANG}>{p.text}</p>
            <details>
              <summary>{t('policy.details')}</summary>
              <PolicyDetails policy={p} headingLevel={4} />
            </details>
          </li>
        ))}
      </ul>
    </Card>
  );
}
