import { useTranslation } from 'react-i18next';
import { Button } from './Button';
import { StatusBanner } from './StatusBanner';

/** Something could not be loaded: what, and a retry button (a weak network often succeeds the second time). */
export function ErrorState({ text, onRetry }: { text: string; onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="state-block">
      <StatusBanner tone="error" text={text} />
      <Button onClick={onRetry}>{t('state.retry')}</Button>
    </div>
  );
}
