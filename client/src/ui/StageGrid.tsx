import { useTranslation } from 'react-i18next';
import type { PeerId } from '@chunfeng/shared/ids';
import type { RosterView } from '@chunfeng/shared/stage';
import type { StageTrack } from '../features/stage/useStage';
import { InterpreterTile } from './InterpreterTile';
import { AudioSink, VideoTile } from './VideoTile';

/** The stage as tiles: one per video producer, the active speaker highlighted; audio plays unseen. */
export function StageGrid({ tracks, roster, speaker, showVideo = true, poster = false }: {
  tracks: StageTrack[];
  roster: RosterView;
  speaker: PeerId | null;
  showVideo?: boolean;
  /** Shows a poster while there is no picture (the viewer's page; the studio has its own preview). */
  poster?: boolean;
}) {
  const { t } = useTranslation();
  const nameOf = (peerId: PeerId): string => {
    const p = roster.onStage.find((x) => x.peerId === peerId);
    if (!p) return t('role.cohost');
    return p.displayName || t(`role.${p.role}`);
  };
  const interpreters = new Set(roster.onStage.filter((p) => p.role === 'interpreter').map((p) => p.peerId as string));
  const video = tracks.filter((tr) => tr.kind === 'video' && !interpreters.has(tr.peerId));
  const interpreter = tracks.find((tr) => tr.kind === 'video' && interpreters.has(tr.peerId));
  const audio = tracks.filter((tr) => tr.kind === 'audio');
  return (
    <div className="stage" role="region" aria-label={t('viewer.stage')}>
      {/* Until a picture arrives (connecting, a weak network, audio only) the stage keeps its shape with a 401-byte poster. */}
      {poster && (video.length === 0 || !showVideo) ? <img className="stage-poster" src="/poster.svg" alt="" width={640} height={360} /> : null}
      {showVideo &&
        video.map((tr) => {
          const speaking = speaker === tr.peerId;
          const label = `${nameOf(tr.peerId)} · ${t(`source.${tr.source}`)}`;
          return (
            <VideoTile
              key={tr.producerId}
              stream={tr.stream}
              label={speaking ? `${label} · ${t('viewer.speaking')}` : label}
              highlight={speaking}
              peerId={tr.peerId}
              note={tr.paused ? t('viewer.paused') : undefined}
            />
          );
        })}
      {showVideo && interpreter && <InterpreterTile stream={interpreter.stream} label={nameOf(interpreter.peerId)} />}
      {audio.map((tr) => (
        <AudioSink key={tr.producerId} track={tr.stream.getAudioTracks()[0]} />
      ))}
    </div>
  );
}
