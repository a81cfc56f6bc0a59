import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionId } from '@chunfeng/shared/ids';
import type { VacancyCard } from '@chunfeng/shared/recruitment';
import type { VideoQuality, ViewerPreferences, WatchMode } from '@chunfeng/shared/stage';
import { soundOn, useSoundHeld } from '../../media/autoplay';
import { publishCameraAndMic } from '../../media/publish';
import type { JoinOptions } from '../../media/stageClient';
import { Button, ButtonLink } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { formatTime } from '../../ui/format';
import { PhaseBanner } from '../../ui/PhaseBanner';
import { StageGrid } from '../../ui/StageGrid';
import { StatusBanner } from '../../ui/StatusBanner';
import { useStage } from '../stage/useStage';
import { useDelayed } from '../../lib/useDelayed';
import { CaptionsOverlay, type CaptionSize } from '../live/CaptionsOverlay';
import { ChatPanel } from '../live/ChatPanel';
import { QuestionsPanel } from '../live/QuestionsPanel';
import { ApplySheet } from './ApplySheet';
import { HlsPlayer } from './HlsPlayer';
import { PinnedCard } from './PinnedCard';
import { MyApplications } from './MyApplications';
import { appliedVacancies, useMyApplications } from './myApplications';
import { usePins } from './usePins';
import { PolicyList } from './PolicyList';
import { VacancyList } from './VacancyList';
import { arrivedChannel, reportVisit } from '../promotion/shareChannel';
import { describeError, describeMediaError } from '../../ui/errors';
import { useToast } from '../../ui/Toast';
import { useDocumentTitle } from '../../ui/useDocumentTitle';

const PREFS_KEY = 'chunfeng.viewerPreferences';
const WEBRTC_TIMEOUT_MS = 6000;

/** Audio-only from the link (?audio=1) or this device's last choice; otherwise automatic quality. */
function initialPreferences(): ViewerPreferences {
  const params = new URLSearchParams(location.search);
  let stored: Partial<ViewerPreferences> = {};
  try {
    stored = JSON.parse(localStorage.getItem(PREFS_KEY) ?? '{}') as Partial<ViewerPreferences>;
  } catch {
    stored = {};
  }
  const quality = params.get('quality') ?? stored.quality;
  return {
    quality: quality === 'high' || quality === 'low' ? quality : 'auto',
    audioOnly: params.has('audio') ? params.get('audio') !== '0' : stored.audioOnly === true,
  };
}

export function ViewerPage({ sessionId }: { sessionId: string }) {
  const { t, i18n } = useTranslation();
  const soundHeld = useSoundHeld();
  const toasts = useToast();
  const [preferences, setPreferences] = useState(initialPreferences);
  // Preferences go with the first join only; later changes are sent without re-joining.
  const [joinPreferences] = useState(preferences);
  // The wish goes with the join; the server's reply decides (a full house watches HLS). Switching
  // later is one request on the same connection.
  const [wish] = useState<WatchMode>(() => (new URLSearchParams(location.search).get('mode') === 'hls' ? 'hls' : 'webrtc'));
  const [fellBack, setFellBack] = useState(false);
  const options: JoinOptions = useMemo(
    () => ({ sessionId: sessionId as SessionId, role: 'viewer', preferences: joinPreferences, watch: wish }),
    [sessionId, joinPreferences, wish],
  );
  const view = useStage(options);
  // A viewer who came by a share link (?ch=…) is counted once for its channel; any other ch is ignored.
  useEffect(() => {
    const channel = arrivedChannel(sessionId);
    if (channel && new URLSearchParams(location.search).has('ch')) reportVisit(sessionId, channel).catch(() => undefined);
  }, [sessionId]);
  const { mode } = view;
  const modeNote = fellBack ? 'fallback' : view.modeNote;
  const [latency, setLatency] = useState(0);
  const [captionsOn, setCaptionsOn] = useState(() => localStorage.getItem('chunfeng.captions') === 'on');
  const [captionSize, setCaptionSize] = useState<CaptionSize>('medium');
  const { client } = view;
  const [handRaised, setHandRaised] = useState(false);
  const [cameraOn, setCameraOn] = useState(false);
  // The camera this page opened to go on stage: the page lets it go (the stage client never stops it).
  const ownCamera = useRef<MediaStream | undefined>(undefined);
  useEffect(() => () => ownCamera.current?.getTracks().forEach((tr) => tr.stop()), []);
  const [joining, setJoining] = useState(false);
  const [cameraProblem, setCameraProblem] = useState<string>();
  const onStage = view.role === 'cohost';
  const pins = usePins(sessionId, view.signalling, view.client);
  // Over HLS the picture is seconds behind: show each pin when the viewer sees the host make it.
  const cardDelay = mode === 'hls' ? Math.round(latency * 1000) : 0;
  const shownVacancy = useDelayed(pins.vacancy, cardDelay);
  const shownPolicy = useDelayed(pins.policy, cardDelay);
  const [applying, setApplying] = useState<VacancyCard>();
  const [applyingFrom, setApplyingFrom] = useState<'live' | 'list'>('live');
  const { signalling } = view;
  const live = view.phase === 'live';
  const countCard = useCallback(
    (vacancy: VacancyCard, step: 'shown' | 'opened') => {
      if (live) void signalling?.request('card:event', { vacancyId: vacancy.id, step }).catch(() => undefined);
    },
    [signalling, live],
  );
  const onCardShown = useCallback((v: VacancyCard) => countCard(v, 'shown'), [countCard]);

  useEffect(() => {
    localStorage.setItem(PREFS_KEY, JSON.stringify(preferences));
  }, [preferences]);

  // On WebRTC, HLS takes over when no media arrives within a few seconds (a network that blocks it).
  const { client: stageClient, phase, hlsUrl } = view;
  useEffect(() => {
    if (mode !== 'webrtc' || phase !== 'live' || !hlsUrl || !stageClient) return;
    const timer = setTimeout(() => {
      void stageClient.stats().then((s) => {
        if (s.video.bytesReceived + s.audio.bytesReceived === 0 && view.tracks.length > 0) {
          setFellBack(true);
          void stageClient.watch('hls').catch(() => undefined);
        }
      });
    }, WEBRTC_TIMEOUT_MS);
    return () => clearTimeout(timer);
  }, [mode, phase, hlsUrl, stageClient, view.tracks.length]);

  async function changeMode(next: WatchMode): Promise<void> {
    setFellBack(false);
    try {
      await client?.watch(next);
    } catch (error) {
      toasts.show(describeError(error, t), { tone: 'error' });
    }
  }

  useEffect(
    () =>
      client?.on('role', (role) => {
        if (role === 'viewer') {
          ownCamera.current?.getTracks().forEach((tr) => tr.stop());
          ownCamera.current = undefined;
          setCameraOn(false);
        } else setHandRaised(false);
      }),
    [client],
  );

  async function changePreferences(next: ViewerPreferences): Promise<void> {
    setPreferences(next);
    await client?.setPreferences(next);
  }

  async function toggleHand(): Promise<void> {
    try {
      await client?.raiseHand(!handRaised);
      setHandRaised(!handRaised);
    } catch (error) {
      toasts.show(describeError(error, t, 'hand'), { tone: 'error' });
    }
  }

  async function joinWithCamera(): Promise<void> {
    if (!client) return;
    setJoining(true);
    setCameraProblem(undefined);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      ownCamera.current = stream;
      await publishCameraAndMic(client, stream);
      setCameraOn(true);
    } catch (e) {
      // A refused camera permission is the common case on a phone: say so instead of doing nothing.
      setCameraProblem(describeMediaError(e, t));
    } finally {
      setJoining(false);
    }
  }

  const mine = useMyApplications();
  // A withdrawn application no longer blocks the vacancy: the phone may apply again (a new sheet, a new key).
  const applied = useMemo(() => appliedVacancies(mine), [mine]);
  const session = pins.lineup?.session;
  useDocumentTitle(session?.title ?? t('viewer.title'));
  const connected = view.phase === 'live' || view.phase === 'reconnecting';
  // Over for good: the host ended it while we watched, or it had ended before the page opened (and
  // the host has not opened it again). A server shutdown or being taken off stage is not the end.
  const ended =
    (view.phase === 'ended' && (view.endReason === undefined || view.endReason === 'ended-by-host')) ||
    (session?.status === 'ended' && !connected && view.phase !== 'ended');
  const upcoming = session?.status === 'scheduled' && !connected && !ended;

  if (pins.status === 'missing') {
    return (
      <section className="viewer" aria-labelledby="viewer-title">
        <Card as="div" tone="warn" className="viewer-notice">
          <h1 id="viewer-title">{t('viewer.notFound')}</h1>
          <p>{t('viewer.notFoundHint')}</p>
          <ButtonLink variant="primary" href="/">
            {t('viewer.allSessions')}
          </ButtonLink>
        </Card>
        {/* A stage opened under an id the bureau never registered still plays, under the notice. */}
        {live && <StageGrid tracks={view.tracks} roster={view.roster} speaker={view.speaker} showVideo={!preferences.audioOnly} />}
      </section>
    );
  }

  const hasVideo = view.tracks.some((tr) => tr.kind === 'video');
  return (
    <section className="viewer" aria-labelledby="viewer-title">
      <header className="viewer-head">
        <h1 id="viewer-title" className={session ? undefined : 'visually-hidden'}>
          {session ? <span lang={CONTENT_LANG}>{session.title}</span> : t('viewer.title')}
        </h1>
        {session && upcoming && <p className="muted">{t('viewer.startsAt', { time: formatTime(session.scheduledAt, i18n.language) })}</p>}
      </header>
      <PhaseBanner view={ended ? { phase: 'ended', error: undefined, endReason: view.endReason } : { ...view, hostAway: view.roster.onStage.some((p) => p.role === 'host' && p.away) }} />
      {ended && (
        <Card as="section" tone="featured" className="viewer-ended" labelledBy="ended-title">
          <h2 id="ended-title">{t('viewer.endedTitle')}</h2>
          <p>{t('viewer.endedText')}</p>
          <div className="toolbar">
            {pins.lineup?.recorded && (
              <ButtonLink variant="primary" href={`/replay/${encodeURIComponent(sessionId)}`}>
                {t('viewer.watchReplay')}
              </ButtonLink>
            )}
            <ButtonLink variant={pins.lineup?.recorded ? 'secondary' : 'primary'} href="/">
              {t('viewer.otherSessions')}
            </ButtonLink>
          </div>
        </Card>
      )}
      {!ended && (
        <>
          {modeNote && <StatusBanner tone="warn" text={t(`mode.${modeNote}`)} />}
          <div className="stage-wrap">
            {mode === 'hls' && view.hlsUrl ? (
              <HlsPlayer
                src={preferences.audioOnly ? view.hlsUrl.replace('master.m3u8', 'audio/index.m3u8') : view.hlsUrl}
                label={t('viewer.stage')}
                onLatency={setLatency}
              />
            ) : (
              <StageGrid tracks={view.tracks} roster={view.roster} speaker={view.speaker} showVideo={!preferences.audioOnly} poster />
            )}
            <CaptionsOverlay signalling={view.signalling} enabled={captionsOn} size={captionSize} live={live} />
            <PinnedCard
              vacancy={shownVacancy}
              policy={shownPolicy}
              applied={applied}
              onShown={onCardShown}
              onApply={(v) => {
                countCard(v, 'opened');
                setApplyingFrom('live');
                setApplying(v);
              }}
            />
          </div>
          {soundHeld && (
            <Button variant="primary" wide className="sound-on" onClick={soundOn}>
              {t('viewer.soundOn')}
            </Button>
          )}
          {live && !hasVideo && !preferences.audioOnly && <p className="stage-empty">{t('viewer.waiting')}</p>}
          {preferences.audioOnly && live && <StatusBanner text={t('viewer.audioOnlyOn')} />}
          <div className="toolbar viewer-controls">
            <label>
              {t('viewer.quality')}
              <select
                value={preferences.quality}
                disabled={preferences.audioOnly}
                onChange={(e) => void changePreferences({ ...preferences, quality: e.target.value as VideoQuality })}
              >
                <option value="auto">{t('viewer.qualityAuto')}</option>
                <option value="high">{t('viewer.qualityHigh')}</option>
                <option value="low">{t('viewer.qualityLow')}</option>
              </select>
            </label>
            {view.hlsUrl && (
              <label>
                {t('mode.label')}
                <select value={mode} onChange={(e) => void changeMode(e.target.value as WatchMode)}>
                  <option value="webrtc">{t('mode.webrtc')}</option>
                  <option value="hls">{t('mode.hls')}</option>
                </select>
              </label>
            )}
            <label className="switch">
              <input
                type="checkbox"
                checked={preferences.audioOnly}
                onChange={(e) => void changePreferences({ ...preferences, audioOnly: e.target.checked })}
              />
              {t('viewer.audioOnly')}
            </label>
            <label className="switch">
              <input
                type="checkbox"
                checked={captionsOn}
                onChange={(e) => {
                  localStorage.setItem('chunfeng.captions', e.target.checked ? 'on' : 'off');
                  setCaptionsOn(e.target.checked);
                }}
              />
              {t('captions.show')}
            </label>
            {captionsOn && (
              <label>
                {t('captions.size')}
                <select value={captionSize} onChange={(e) => setCaptionSize(e.target.value as CaptionSize)}>
                  <option value="small">{t('captions.small')}</option>
                  <option value="medium">{t('captions.medium')}</option>
                  <option value="large">{t('captions.large')}</option>
                </select>
              </label>
            )}
            {live && !onStage && (
              <Button aria-pressed={handRaised} onClick={() => void toggleHand()}>
                {handRaised ? t('viewer.lowerHand') : t('viewer.raiseHand')}
              </Button>
            )}
          </div>
          {handRaised && <StatusBanner text={t('viewer.handRaised')} />}
          {onStage && !cameraOn && (
            <Card as="div" tone="featured" role="alert">
              <p>{t('viewer.invitedUp')}</p>
              <Button variant="primary" busy={joining} onClick={() => void joinWithCamera()}>
                {t('viewer.joinWithCamera')}
              </Button>
              {cameraProblem && <p className="status-error">{t('devices.cameraError', { message: cameraProblem })}</p>}
            </Card>
          )}
        </>
      )}
      <MyApplications refreshKey={applying} signalling={signalling} />
      {!ended && (
        <div className="live-panels">
          <QuestionsPanel signalling={view.signalling} live={live} pinned={pins.vacancy} />
          <ChatPanel signalling={view.signalling} live={live} />
        </div>
      )}
      <VacancyList
        vacancies={pins.lineup?.vacancies ?? []}
        status={pins.status}
        applied={applied}
        onRetry={pins.reload}
        onApply={(v) => {
          setApplyingFrom('list');
          setApplying(v);
        }}
      />
      <PolicyList policies={pins.lineup?.policies ?? []} />
      {applying && <ApplySheet vacancy={applying} sessionId={sessionId} source={applyingFrom} signalling={signalling} onClose={() => setApplying(undefined)} />}
    </section>
  );
}
