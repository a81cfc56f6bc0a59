import { useTranslation } from 'react-i18next';

export function Landing() {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="landing-title">
      <h1 id="landing-title">{t('app.tagline')}</h1>
      <h2>{t('landing.heading')}</h2>
      <ul className="session-list">
        <li>
          <a className="button button-primary" href="/watch/demo">
            {t('landing.demoSession')} · {t('landing.watch')}
          </a>
        </li>
      </ul>
    </section>
  );
}
