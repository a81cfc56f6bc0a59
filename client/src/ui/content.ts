/**
 * The language of what the bureau, employers and viewers write (vacancies, names, chat): marked on
 * those elements so a screen reader in an English interface still reads Chinese content correctly.
 */
export const CONTENT_LANG = 'zh-CN';
