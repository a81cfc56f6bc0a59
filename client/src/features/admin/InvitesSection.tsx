import { useTranslation } from 'react-i18next';
import type { Invite } from '@chunfeng/shared/admin';
import { api } from '../../signalling/api';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import { Cell, DataTable, Row } from '../../ui/DataTable';
import { formatTime } from '../../ui/format';
import { useToast } from '../../ui/Toast';
import { problemText } from './forms';
import { LoadMore } from './LoadMore';
import { usePagedList } from './pagedList';

/** The host and employer links handed out, newest first a page at a time: who made it, until when it works; withdraw one gone astray. */
export function InvitesSection() {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const list = usePagedList<'invites', Invite>('/invites', 'invites');
  const { items: invites, error, reload: load } = list;
  // Expired by the server's clock when the page was read (a console's clock may be off).
  const readAt = list.now ? Date.parse(list.now) : 0;
  async function revoke(invite: Invite): Promise<void> {
    try {
      await api(`/invites/${encodeURIComponent(invite.id)}/revoke`, { method: 'POST', body: {} });
      toast.show(t('admin.linkRevoked', { label: invite.label }), { tone: 'success' });
    } catch (e) {
      toast.show(problemText(e, t), { tone: 'error' });
    }
    await load();
  }
  const state = (i: Invite): 'revoked' | 'expired' | 'active' => (i.revokedAt ? 'revoked' : Date.parse(i.expiresAt) < readAt ? 'expired' : 'active');
  return (
    <section className="panel" aria-labelledby="links-title">
      <h2 id="links-title">{t('admin.section.links')}</h2>
      <p className="muted">{t('admin.linksHelp')}</p>
      {error !== undefined && <p role="alert">{problemText(error, t)}</p>}
      {!invites ? (
        error === undefined && <p role="status">{t('state.loading')}</p>
      ) : invites.length === 0 ? (
        <p className="muted">{t('admin.noLinks')}</p>
      ) : (
        <DataTable stacked caption={t('admin.section.links')} columns={[t('admin.linkKind'), t('admin.linkFor'), t('admin.createdBy'), t('admin.expires'), t('admin.status'), t('admin.actions')]}>
          {invites.map((i) => (
            <Row key={i.id} data-invite={i.id}>
              <Cell label={t('admin.linkKind')}>{t(`admin.linkKinds.${i.kind}`)}</Cell>
              <Cell label={t('admin.linkFor')}><span lang={CONTENT_LANG}>{i.label}</span></Cell>
              <Cell label={t('admin.createdBy')}><span lang={CONTENT_LANG}>{i.createdBy}</span></Cell>
              <Cell label={t('admin.expires')}>{formatTime(i.expiresAt, i18n.language)}</Cell>
              <Cell label={t('admin.status')}>
                <Badge tone={state(i) === 'active' ? 'verified' : 'neutral'}>{t(`admin.linkState.${state(i)}`)}</Badge>
              </Cell>
              <Cell label={t('admin.actions')}>
                {state(i) === 'active' && (
                  <Button size="small" variant="danger" onClick={() => void revoke(i)} aria-label={t('admin.revokeNamed', { label: i.label })}>
                    {t('admin.revoke')}
                  </Button>
                )}
              </Cell>
            </Row>
          ))}
        </DataTable>
      )}
      <LoadMore more={list.more} busy={list.busy} shown={invites?.length ?? 0} onMore={() => void list.loadMore()} />
    </section>
  );
}
