import { useTranslation } from 'react-i18next';
import { setLanguage, type Language } from '../i18n/i18n';

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language-switch">
      <span className="visually-hidden">{t('language.label')}</span>
      <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)}>
        <option value="zh-CN">{t('language.zh')}</option>
        <option value="en">{t('language.en')}</option>
      </select>
    </label>
  );
}
