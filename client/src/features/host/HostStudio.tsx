import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionId } from '@chunfeng/shared/ids';
import { exposeForDiagnostics } from '../../media/diagnostics';
import { StageClient } from '../../media/stageClient';
import { Signalling } from '../../signalling/signalling';
import { StatusBanner } from '../../ui/StatusBanner';
import { VideoTile } from '../../ui/VideoTile';

type Phase = { kind: 'preview' } | { kind: 'starting' } | { kind: 'live' } | { kind: 'error'; message: string };

export function HostStudio({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation();
  const token = new URLSearchParams(location.search).get('token');
  const [stream, setStream] = useState<MediaStream>();
  const [phase, setPhase] = useState<Phase>({ kind: 'preview' });
  const stage = useRef<{ signalling: Signalling; client: StageClient }>(undefined);

  useEffect(() => {
    let cancelled = false;
    let opened: MediaStream | undefined;
    navigator.mediaDevices
      .getUserMedia({ video: { width: 1280, height: 720 }, audio: true })
      .then((s) => {
        opened = s;
        if (cancelled) s.getTracks().forEach((tr) => tr.stop());
        else setStream(s);
      })
      .catch((e: Error) => setPhase({ kind: 'error', message: t('host.cameraError', { message: e.message }) }));
    return () => {
      cancelled = true;
      opened?.getTracks().forEach((tr) => tr.stop());
      stage.current?.client.close();
      stage.current?.signalling.close();
      exposeForDiagnostics(undefined);
    };
  }, [t]);

  async function goLive(): Promise<void> {
    if (!stream || !token) return;
    setPhase({ kind: 'starting' });
    const signalling = new Signalling();
    const client = new StageClient(signalling);
    stage.current = { signalling, client };
    exposeForDiagnostics(client);
    try {
      await client.join({ sessionId: sessionId as SessionId, role: 'host', token });
      for (const track of stream.getTracks()) {
        await client.publish(track, track.kind === 'video' ? 'camera' : 'microphone');
      }
      setPhase({ kind: 'live' });
    } catch (e) {
      setPhase({ kind: 'error', message: t('state.error', { message: (e as Error).message }) });
    }
  }

  return (
    <section className="studio" aria-labelledby="studio-title">
      <h1 id="studio-title">{t('host.title')}</h1>
      {!token && <StatusBanner tone="error" text={t('host.missingToken')} />}
      {phase.kind === 'error' && <StatusBanner tone="error" text={phase.message} />}
      {phase.kind === 'starting' && <StatusBanner text={t('host.starting')} />}
      {phase.kind === 'live' && <StatusBanner tone="live" text={t('host.live')} />}
      {stream && <VideoTile stream={stream} label={t('host.preview')} muted />}
      <button
        type="button"
        className="button button-primary"
        disabled={!stream || !token || phase.kind === 'starting' || phase.kind === 'live'}
        onClick={() => void goLive()}
      >
        {t('host.goLive')}
      </button>
    </section>
  );
}
