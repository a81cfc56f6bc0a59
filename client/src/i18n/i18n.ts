import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { zhCN } from './zh-CN';

export const languages = ['zh-CN', 'en'] as const;
export type Language = (typeof languages)[number];

const STORAGE_KEY = 'chunfeng.lang';

/** zh-CN unless the person chose English (?lang=en or earlier choice on this device). */
function initialLanguage(): Language {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  const stored = localStorage.getItem(STORAGE_KEY);
  const wanted = fromUrl ?? stored;
  return wanted === 'en' ? 'en' : 'zh-CN';
}

export function setLanguage(lang: Language): void {
  localStorage.setItem(STORAGE_KEY, lang);
  void i18next.changeLanguage(lang);
}

i18next.on('languageChanged', (lang) => {
  document.documentElement.lang = lang;
});

void i18next.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
});

export { i18next };
