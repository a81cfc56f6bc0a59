import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { InvitedRole, InviteResult, Participant, RosterView } from '@chunfeng/shared/stage';
import type { StageClient } from '../../media/stageClient';

/** Who is on stage (with remove buttons), who raised a hand (invite up), and the guest invite link. */
export function SeatsPanel({ client, roster, hands }: { client: StageClient; roster: RosterView; hands: Participant[] }) {
  const { t, i18n } = useTranslation();
  const [invite, setInvite] = useState<InviteResult>();
  const [copied, setCopied] = useState(false);
  const [inviteRole, setInviteRole] = useState<InvitedRole>('cohost');
  const [revoked, setRevoked] = useState(false);
  const made = (next: InviteResult): void => {
    setInvite(next);
    setRevoked(false);
    setCopied(false);
  };
  const link = invite ? `${location.origin}${invite.path}` : '';
  const name = (p: Participant): string => p.displayName || t(`role.${p.role}`);

  return (
    <section className="panel" aria-labelledby="seats-title">
      <h2 id="seats-title">{t('host.seats')}</h2>
      <ul className="seat-list">
        {roster.onStage.map((p) => (
          <li key={p.peerId} data-peer={p.peerId}>
            <span>{name(p)}</span>
            {p.role !== 'host' && (
              <button type="button" className="button" onClick={() => void client.removeFromStage(p.peerId)}>
                {t('host.remove')}
              </button>
            )}
          </li>
        ))}
      </ul>
      <h3>{t('host.hands')}</h3>
      {hands.length === 0 ? (
        <p className="muted">{t('host.noHands')}</p>
      ) : (
        <ul className="seat-list">
          {hands.map((p) => (
            <li key={p.peerId}>
              <span>{p.displayName || t('host.guest')}</span>
              <button type="button" className="button" onClick={() => void client.promote(p.peerId)}>
                {t('host.inviteUp')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="toolbar">
        <label>
          {t('host.inviteRole')}
          <select value={inviteRole} onChange={(e) => setInviteRole(e.target.value as InvitedRole)}>
            <option value="cohost">{t('role.cohost')}</option>
            <option value="interpreter">{t('role.interpreter')}</option>
            <option value="captioner">{t('role.captioner')}</option>
          </select>
        </label>
        <button type="button" className="button" onClick={() => void client.invite(inviteRole).then(made)}>
          {t('host.invite')}
        </button>
      </div>
      {invite && revoked && <p role="status">{t('host.inviteRevoked')}</p>}
      {invite && !revoked && (
        <div className="invite">
          <label>
            {t('host.inviteLink', { time: new Date(invite.expiresAt).toLocaleTimeString(i18n.language) })}
            <input readOnly value={link} className="invite-link" onFocus={(e) => e.currentTarget.select()} />
          </label>
          <button
            type="button"
            className="button"
            onClick={() => void navigator.clipboard?.writeText(link).then(() => setCopied(true), () => setCopied(false))}
          >
            {copied ? t('host.copied') : t('host.copy')}
          </button>
          <button type="button" className="button" onClick={() => void client.revokeInvite(invite.inviteId).then(() => setRevoked(true))}>
            {t('host.inviteRevoke')}
          </button>
        </div>
      )}
    </section>
  );
}
