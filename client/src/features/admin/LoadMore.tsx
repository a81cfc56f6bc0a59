import { useTranslation } from 'react-i18next';
import { Button } from '../../ui/Button';

/** Under a paged list: the next page on demand, or how many are shown once they all are. */
export function LoadMore({ more, busy, shown, onMore }: { more: boolean; busy: boolean; shown: number; onMore: () => void }) {
  const { t } = useTranslation();
  if (!more) return shown > 0 ? <p className="muted">{t('admin.allShown', { count: shown })}</p> : null;
  return (
    <p>
      <Button busy={busy} onClick={onMore} data-load-more="">
        {t('admin.loadMore')}
      </Button>
    </p>
  );
}
