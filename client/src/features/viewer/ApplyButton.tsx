import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { VacancyCard } from '@chunfeng/shared/recruitment';
import { Button } from '../../ui/Button';
import { MY_APPLICATIONS_ID } from './MyApplications';

/**
 * 一键报名, or — once this phone has applied to the vacancy — a greyed "已报名 ✓" that opens no
 * second sheet: it is marked disabled, and a tap takes the job seeker to "my applications", where
 * the application's progress is.
 */
export function ApplyButton({ vacancy, applied, onApply }: { vacancy: VacancyCard; applied: boolean; onApply: (v: VacancyCard) => void }) {
  const { t } = useTranslation();
  const hint = useId();
  if (!applied) {
    return (
      <Button variant="primary" onClick={() => onApply(vacancy)}>
        {t('card.apply')}
      </Button>
    );
  }
  return (
    <>
      <Button
        className="button-applied"
        aria-disabled={true}
        aria-describedby={hint}
        data-applied={vacancy.id}
        onClick={() => {
          const heading = document.querySelector<HTMLElement>(`#${MY_APPLICATIONS_ID} h2`);
          heading?.scrollIntoView({ block: 'start' });
          heading?.focus({ preventScroll: true });
        }}
      >
        {t('card.applied')}
      </Button>
      <span id={hint} className="visually-hidden">
        {t('card.appliedHint')}
      </span>
    </>
  );
}
