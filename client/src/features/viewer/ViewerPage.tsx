import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionId } from '@chunfeng/shared/ids';
import { exposeForDiagnostics } from '../../media/diagnostics';
import { StageClient, type RemoteTrack } from '../../media/stageClient';
import { RequestError, Signalling } from '../../signalling/signalling';
import { StatusBanner } from '../../ui/StatusBanner';
import { AudioSink, VideoTile } from '../../ui/VideoTile';

type Phase = 'connecting' | 'notLive' | 'live' | 'ended' | 'error';
const RETRY_NOT_LIVE_MS = 3000;

export function ViewerPage({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation();
  const [phase, setPhase] = useState<Phase>('connecting');
  const [error, setError] = useState('');
  const [tracks, setTracks] = useState<Array<RemoteTrack & { stream: MediaStream }>>([]);

  useEffect(() => {
    const signalling = new Signalling();
    let client: StageClient | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let disposed = false;

    const attempt = async (): Promise<void> => {
      client?.close();
      const c = new StageClient(signalling);
      client = c;
      exposeForDiagnostics(c);
      c.on('trackAdded', (track) => {
        const entry = { ...track, stream: new MediaStream([track.track]) };
        setTracks((all) => [...all.filter((x) => x.producerId !== track.producerId), entry]);
      });
      c.on('trackRemoved', ({ producerId }) => setTracks((all) => all.filter((x) => x.producerId !== producerId)));
      c.on('ended', () => setPhase('ended'));
      try {
        await c.join({ sessionId: sessionId as SessionId, role: 'viewer' });
        if (!disposed) setPhase('live');
      } catch (e) {
        if (disposed) return;
        if (e instanceof RequestError && e.code === 'SESSION_NOT_LIVE') {
          setPhase('notLive');
          retry = setTimeout(() => void attempt(), RETRY_NOT_LIVE_MS);
        } else {
          setError((e as Error).message);
          setPhase('error');
        }
      }
    };
    void attempt();
    return () => {
      disposed = true;
      clearTimeout(retry);
      client?.close();
      signalling.close();
      exposeForDiagnostics(undefined);
    };
  }, [sessionId]);

  const video = tracks.filter((tr) => tr.track.kind === 'video');
  const audio = tracks.filter((tr) => tr.track.kind === 'audio');
  const status =
    phase === 'error'
      ? t('state.error', { message: error })
      : phase === 'live'
        ? t('state.live')
        : phase === 'notLive'
          ? t('state.notLive')
          : phase === 'ended'
            ? t('state.ended')
            : t('state.connecting');

  return (
    <section className="viewer" aria-labelledby="viewer-title">
      <h1 id="viewer-title" className="visually-hidden">
        {t('viewer.title')}
      </h1>
      <StatusBanner tone={phase === 'live' ? 'live' : phase === 'error' ? 'error' : 'info'} text={status} />
      <div className="stage" aria-label={t('viewer.stage')}>
        {video.length === 0 && phase === 'live' && <p className="stage-empty">{t('viewer.waiting')}</p>}
        {video.map((tr) => (
          <VideoTile
            key={tr.producerId}
            stream={tr.stream}
            label={t('viewer.tileLabel', { source: t(`source.${tr.source}`) })}
          />
        ))}
        {audio.map((tr) => (
          <AudioSink key={tr.producerId} track={tr.track} />
        ))}
      </div>
    </section>
  );
}
