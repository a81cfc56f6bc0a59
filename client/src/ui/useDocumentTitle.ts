import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The tab's (and a screen reader's first) words for a page, in the chosen language: the page, then
 * the platform's name; changes with the language and with the page's own title.
 */
export function useDocumentTitle(page: string | undefined): void {
  const { t } = useTranslation();
  const name = t('app.name');
  useEffect(() => {
    document.title = page ? `${page} · ${name}` : name;
  }, [page, name]);
}
