import { useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionId } from '@chunfeng/shared/ids';
import type { StageRole } from '@chunfeng/shared/stage';
import { CaptionerConsole } from '../live/CaptionerConsole';
import type { JoinOptions, StageClient } from '../../media/stageClient';
import { publishCameraAndMic } from '../../media/publish';
import { useLocalMedia } from '../../media/useLocalMedia';
import { DevicePickers } from '../../ui/DevicePickers';
import { PhaseBanner } from '../../ui/PhaseBanner';
import { StageGrid } from '../../ui/StageGrid';
import { StatusBanner } from '../../ui/StatusBanner';
import { VideoTile } from '../../ui/VideoTile';
import { useStage } from '../stage/useStage';
import './cohost.css';
import { takeUrlToken } from '../../lib/urlToken';
import { useDocumentTitle } from '../../ui/useDocumentTitle';

/** The role an invite link carries (read from its payload; the server checks the signature). */
function invitedRole(token: string | null): StageRole {
  try {
    const payload = JSON.parse(atob((token?.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as { role?: string };
    return payload.role === 'interpreter' || payload.role === 'captioner' ? payload.role : 'cohost';
  } catch {
    return 'cohost';
  }
}

/** The page an invite link opens: preview, join the stage, leave (the captioner gets a caption console). */
export function CohostJoin({ sessionId }: { sessionId: string }) {
  const token = useMemo(() => takeUrlToken(`chunfeng.inviteToken:${sessionId}`) ?? null, [sessionId]);
  const role = invitedRole(token);
  if (role === 'captioner' && token) return <CaptionerConsole sessionId={sessionId} token={token} />;
  return <StageGuest sessionId={sessionId} token={token} role={role} />;
}

function StageGuest({ sessionId, token, role }: { sessionId: string; token: string | null; role: StageRole }) {
  const { t } = useTranslation();
  useDocumentTitle(t('cohost.title'));
  const [joined, setJoined] = useState(false);
  const [left, setLeft] = useState(false);
  // Taken off the stage: the camera and microphone are this page's to let go (the stage client never stops them).
  const [released, setReleased] = useState(false);
  const media = useLocalMedia(!left && !released);
  const options: JoinOptions | undefined = useMemo(
    () => (joined && token ? { sessionId: sessionId as SessionId, role, token } : undefined),
    [joined, token, sessionId, role],
  );
  const stream = media.stream;
  const publishAll = useCallback(
    async (client: StageClient) => {
      if (stream) await publishCameraAndMic(client, stream);
    },
    [stream],
  );
  const view = useStage(options, publishAll);
  const removed = joined && view.role === 'viewer';
  if (removed && !released) setReleased(true);

  return (
    <section className="studio" aria-labelledby="cohost-title">
      <h1 id="cohost-title">{t('cohost.title')}</h1>
      {!token && <StatusBanner tone="error" text={t('cohost.missingToken')} />}
      {media.error && <StatusBanner tone="error" text={t('devices.cameraError', { message: t(`devices.reason.${media.error}`, { defaultValue: t('devices.reason.other') }) })} />}
      {left && <StatusBanner text={t('cohost.left')} />}
      {joined && !removed && view.phase === 'live' && <StatusBanner tone="live" text={t('cohost.onStage')} />}
      {joined && view.phase !== 'live' && <PhaseBanner view={view} />}
      {removed && <StatusBanner tone="warn" text={t('cohost.removed')} />}
      <div className="cohost-media">
        <div>
          {stream && !removed && <VideoTile stream={stream} label={t('devices.preview')} muted />}
          {!joined && !left && <DevicePickers media={media} />}
          <div className="toolbar">
            {!joined && !left && (
              <button type="button" className="button button-primary" disabled={!stream || !token} onClick={() => setJoined(true)}>
                {t('cohost.join')}
              </button>
            )}
            {joined && (
              <button
                type="button"
                className="button"
                onClick={() => {
                  setJoined(false);
                  setLeft(true);
                }}
              >
                {t('cohost.leave')}
              </button>
            )}
          </div>
        </div>
        {joined && <StageGrid tracks={view.tracks} roster={view.roster} speaker={view.speaker} />}
      </div>
    </section>
  );
}
