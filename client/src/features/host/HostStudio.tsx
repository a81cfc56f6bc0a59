import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionId } from '@chunfeng/shared/ids';
import type { JoinOptions, StageClient } from '../../media/stageClient';
import { publishCameraAndMic } from '../../media/publish';
import { useClockPattern } from '../../media/useClockPattern';
import { useLocalMedia } from '../../media/useLocalMedia';
import { useUplinkQuality } from '../../media/useUplinkQuality';
import { DevicePickers } from '../../ui/DevicePickers';
import { PhaseBanner } from '../../ui/PhaseBanner';
import { StageGrid } from '../../ui/StageGrid';
import { StatusBanner } from '../../ui/StatusBanner';
import { describeCode } from '../../ui/errors';
import { VideoTile } from '../../ui/VideoTile';
import { useStage } from '../stage/useStage';
import { usePins } from '../viewer/usePins';
import { AnswerQueue } from '../live/AnswerQueue';
import { ChatPanel } from '../live/ChatPanel';
import { LineupPanel } from './LineupPanel';
import { ProgramPanel } from './ProgramPanel';
import { SeatsPanel } from './SeatsPanel';
import { SessionClock } from './SessionClock';
import './studio.css';
import { CONTENT_LANG } from '../../ui/content';
import { formatTime } from '../../ui/format';
import { takeUrlToken } from '../../lib/urlToken';
import { useDocumentTitle } from '../../ui/useDocumentTitle';

export function HostStudio({ sessionId }: { sessionId: string }) {
  const session = usePins(sessionId, undefined).lineup?.session;
  const { t, i18n } = useTranslation();
  useDocumentTitle(t('host.title'));
  const token = useMemo(() => takeUrlToken(`chunfeng.hostToken:${sessionId}`), [sessionId]);
  // Once the session has ended for good the camera and microphone are let go.
  const [over, setOver] = useState(false);
  const media = useLocalMedia(!over);
  const [generation, setGeneration] = useState(0);
  const live = generation > 0;
  const [confirmEnd, setConfirmEnd] = useState(false);
  // Cancelling the confirmation puts focus back on the end button it replaced.
  const refocusEnd = useRef(false);
  const cancelEnd = (): void => {
    refocusEnd.current = true;
    setConfirmEnd(false);
  };
  const [screen, setScreen] = useState<MediaStream>();
  const [micMuted, setMicMuted] = useState(false);
  // When this generation's stage first went live; a re-join after a media failure keeps it.
  const [liveSince, setLiveSince] = useState<number>();

  const options: JoinOptions | undefined = useMemo(
    () => (live && token ? { sessionId: sessionId as SessionId, role: 'host', token } : undefined),
    [live, token, sessionId],
  );
  // ?pattern=clock publishes a clock picture instead of the camera, to measure glass-to-glass latency.
  const stream = useClockPattern(media.stream, useMemo(() => new URLSearchParams(location.search).get('pattern') === 'clock', []));
  const publishAll = useCallback(
    async (client: StageClient) => {
      setLiveSince((since) => since ?? Date.now());
      if (stream) await publishCameraAndMic(client, stream);
    },
    [stream],
  );
  const view = useStage(options, publishAll, generation);
  const { client } = view;
  // On a weak uplink (a phone inside a factory) the camera's layers are lowered, and the host is told.
  const uplink = useUplinkQuality(client, view.phase === 'live');

  // A different camera or microphone picked while live replaces the published track in place.
  useEffect(() => {
    if (!client || view.phase !== 'live' || !stream) return;
    for (const track of stream.getTracks()) void client.replaceTrack(track.kind === 'video' ? 'camera' : 'microphone', track);
  }, [client, stream, view.phase]);

  async function toggleScreen(): Promise<void> {
    if (!client) return;
    if (screen) {
      screen.getTracks().forEach((tr) => tr.stop());
      setScreen(undefined);
      await client.unpublish('screen');
      return;
    }
    const s = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const track = s.getVideoTracks()[0];
    if (!track) return;
    track.addEventListener('ended', () => {
      setScreen(undefined);
      void client.unpublish('screen');
    });
    setScreen(s);
    await client.publish(track, 'screen');
  }

  async function toggleMic(): Promise<void> {
    await client?.setPaused('microphone', !micMuted);
    setMicMuted(!micMuted);
  }

  async function endSession(): Promise<void> {
    setConfirmEnd(false);
    await client?.end();
    screen?.getTracks().forEach((tr) => tr.stop());
    setScreen(undefined);
  }

  // Let go for another device: a screen being shared stops with the rest of this page's media.
  // (Its state is cleared when the person continues here.)
  useEffect(() => {
    if (view.takenOver) screen?.getTracks().forEach((tr) => tr.stop());
  }, [view.takenOver, screen]);

  const isLive = view.phase === 'live';
  const ended = view.phase === 'ended';
  // Another device or tab holds the broadcast now: this page says so and waits for the person.
  const takenOver = live && view.takenOver;
  // Ended by the host (here, or before this page was opened) is final: no going live again. A stage
  // closed by a server restart is not; the host can go live again.
  const endedBefore = ended && view.error === 'SESSION_ENDED';
  if ((endedBefore || (ended && view.endReason === 'ended-by-host')) && !over) setOver(true);
  // The panels need the live stage and its signalling.
  const panels = isLive && client && view.signalling ? { client, signalling: view.signalling } : undefined;
  return (
    <section className="studio host-studio" aria-labelledby="studio-title">
      <header className="studio-header">
        <h1 id="studio-title">{t('host.title')}</h1>
        {/* Which session this link opens, so the host can tell before going live. */}
        {session && (
          <p className="studio-session">
            <strong lang={CONTENT_LANG}>{session.title}</strong> <span className="muted">{formatTime(session.scheduledAt, i18n.language)}</span>
          </p>
        )}
        {endedBefore ? (
          <StatusBanner tone="info" text={describeCode('SESSION_ENDED', t)} />
        ) : takenOver ? (
          <StatusBanner tone="warn" text={t('host.takenOver')} />
        ) : (
          live && <PhaseBanner view={view} />
        )}
        {isLive && (
          <p className="uplink" data-quality={uplink ?? 'unknown'} role="status" aria-live="polite">
            <span className="uplink-bars" aria-hidden="true">
              <span />
              <span />
              <span />
            </span>{' '}
            {uplink ? t(`host.uplink.${uplink}`) : t('host.uplink.measuring')}
          </p>
        )}
        {isLive && <p className="viewer-count">{t('host.viewers', { count: view.roster.viewerCount })}</p>}
        <SessionClock since={liveSince} running={!ended} />
      </header>
      {!token && <StatusBanner tone="error" text={t('host.missingToken')} />}
      {media.error && <StatusBanner tone="error" text={t('devices.cameraError', { message: t(`devices.reason.${media.error}`, { defaultValue: t('devices.reason.other') }) })} />}
      <div className="studio-grid">
        <div className="studio-col studio-main">
          <div className="studio-monitor">
            {stream ? <VideoTile stream={stream} label={t('devices.preview')} muted /> : !over && <p role="status">{t('devices.opening')}</p>}
            {!over && <DevicePickers media={media} />}
            {!over && (
              // On a phone: the rear camera shows the workplace, the front one the host. The published
              // track is replaced in place, so viewers keep decoding.
              <button type="button" className="button switch-camera" disabled={!stream} onClick={() => media.switchFacing()}>
                {media.facing === 'environment' ? t('host.frontCamera') : t('host.rearCamera')}
              </button>
            )}
            <div className="toolbar">
              {over ? null : takenOver ? (
                // Joins again as host, which takes the broadcast back from the other device in turn.
                <button type="button" className="button button-primary" disabled={!stream || !token} onClick={() => {
                    setMicMuted(false);
                    setScreen(undefined);
                    setGeneration((g) => g + 1);
                  }}
                >
                  {t('host.continueHere')}
                </button>
              ) : !live || ended ? (
                <button
                  type="button"
                  className="button button-primary"
                  disabled={!stream || !token}
                  onClick={() => {
                    setLiveSince(undefined);
                    setGeneration((g) => g + 1);
                  }}
                >
                  {t('host.goLive')}
                </button>
              ) : confirmEnd ? (
                <div role="alertdialog" aria-labelledby="confirm-end" className="confirm" onKeyDown={(e) => e.key === 'Escape' && cancelEnd()}>
                  <p id="confirm-end">{t('host.confirmEnd')}</p>
                  <button type="button" className="button button-primary" onClick={() => void endSession()}>
                    {t('host.confirmEndYes')}
                  </button>
                  <button type="button" className="button" onClick={cancelEnd} autoFocus>
                    {t('host.cancel')}
                  </button>
                </div>
              ) : (
                <>
                  <button type="button" className="button" disabled={!isLive} onClick={() => void toggleMic()} aria-pressed={micMuted}>
                    {micMuted ? t('host.unmuteMic') : t('host.muteMic')}
                  </button>
                  <button type="button" className="button" disabled={!isLive} onClick={() => void toggleScreen()} aria-pressed={Boolean(screen)}>
                    {screen ? t('host.stopScreen') : t('host.shareScreen')}
                  </button>
                  <button
                    type="button"
                    className="button button-danger"
                    disabled={!isLive}
                    onClick={() => setConfirmEnd(true)}
                    ref={(el) => {
                      if (el && refocusEnd.current) {
                        refocusEnd.current = false;
                        el.focus();
                      }
                    }}
                  >
                    {t('host.end')}
                  </button>
                </>
              )}
            </div>
          </div>
          {panels && (
            <div className="studio-scroll">
              <StageGrid tracks={view.tracks} roster={view.roster} speaker={view.speaker} />
              <SeatsPanel client={panels.client} roster={view.roster} hands={view.hands} />
              {view.hlsUrl && <ProgramPanel signalling={panels.signalling} roster={view.roster} />}
            </div>
          )}
        </div>
        <div className="studio-col studio-lineup">
          {panels ? <LineupPanel sessionId={sessionId} signalling={panels.signalling} client={panels.client} /> : <p className="muted studio-hint">{t('host.panelsAfterLive')}</p>}
        </div>
        {panels && (
          <div className="studio-col studio-talk">
            <AnswerQueue signalling={panels.signalling} ready={isLive} sessionId={sessionId} />
            <ChatPanel signalling={panels.signalling} live={isLive} />
          </div>
        )}
      </div>
    </section>
  );
}
