import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ModerationEntry } from '@chunfeng/shared/moderation';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import { Cell, DataTable, Row } from '../../ui/DataTable';
import { formatTime } from '../../ui/format';
import { useApiData } from './useApiData';

const duration = (seconds: number, t: TFunction): string =>
  seconds % 60 === 0 ? t('admin.moderation.minutes', { count: seconds / 60 }) : t('admin.moderation.seconds', { count: seconds });

function describeAction(e: ModerationEntry, t: TFunction): string {
  if (e.action === 'mute') return t('admin.moderation.action.mute', { duration: duration(e.seconds ?? 0, t) });
  if (e.action === 'slow-mode') {
    return e.seconds ? t('admin.moderation.action.slow-mode', { duration: duration(e.seconds, t) }) : t('admin.moderation.action.slowModeOff');
  }
  return t(`admin.moderation.action.${e.action}`);
}

/** A session's stored moderation log — who did what to whom in its chat, and when — newest first. */
export function ModerationLog({ sessionId }: { sessionId: string }) {
  const { t, i18n } = useTranslation();
  const { data, error, reload } = useApiData<{ entries: ModerationEntry[] }>(`/sessions/${encodeURIComponent(sessionId)}/moderation`);
  const columns = [t('admin.moderation.when'), t('admin.moderation.who'), t('admin.moderation.what'), t('admin.moderation.target')];
  return (
    <section className="panel" aria-labelledby="moderation-title">
      <h3 id="moderation-title">{t('admin.moderation.title')}</h3>
      <p className="muted">{t('admin.moderation.help')}</p>
      {error !== undefined ? (
        <p className="status status-error" role="alert">
          {t('admin.moderation.loadFailed')}
        </p>
      ) : !data ? (
        <p role="status">{t('state.loading')}</p>
      ) : data.entries.length === 0 ? (
        <p className="muted">{t('admin.moderation.empty')}</p>
      ) : (
        <DataTable stacked caption={t('admin.moderation.title')} columns={columns}>
          {[...data.entries].reverse().map((e) => (
            <Row key={e.id} data-moderation={e.action}>
              <Cell label={columns[0]!}>
                <time dateTime={e.at}>{formatTime(e.at, i18n.language)}</time>
              </Cell>
              <Cell label={columns[1]!}>
                {e.by.name && <span lang={CONTENT_LANG}>{e.by.name} </span>}
                {e.by.role === 'host' ? t('role.host') : t(`admin.roles.${e.by.role}`)}
              </Cell>
              <Cell label={columns[2]!}>{describeAction(e, t)}</Cell>
              <Cell label={columns[3]!} className="moderation-target">
                {e.target ? <code>{e.target}</code> : t('admin.moderation.none')}
              </Cell>
            </Row>
          ))}
        </DataTable>
      )}
      <div className="form-actions">
        <Button size="small" onClick={() => void reload()}>
          {t('admin.moderation.reload')}
        </Button>
      </div>
    </section>
  );
}
