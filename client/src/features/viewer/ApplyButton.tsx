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
  // One button either way, so a focus returning to it (the sheet closing after the application) stays on it.
  return (
    <>
      <Button
        variant={applied ? 'secondary' : 'primary'}
        className={applied ? 'button-applied' : undefined}
        aria-disabled={applied || undefined}
        aria-describedby={applied ? hint : undefined}
        data-applied={applied ? vacancy.id : undefined}
        onClick={() => {
          if (!applied) return onApply(vacancy);
          const heading = document.querySelector<HTMLElement>(`#${MY_APPLICATIONS_ID} h2`);
          heading?.scrollIntoView({ block: 'start' });
          heading?.focus({ preventScroll: true });
        }}
      >
        {applied ? t('card.applied') : t('card.apply')}
      </Button>
      {applied && (
        <span id={hint} className="visually-hidden">
          {t('card.appliedHint')}
        </span>
      )}
    </>
  );
}
