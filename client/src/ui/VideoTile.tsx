import { useEffect, useRef } from 'react';

/** Plays one stream; muted for local previews so the host does not hear themselves. */
export function VideoTile({ stream, label, muted = false, highlight = false, peerId, note }: {
  stream: MediaStream;
  label: string;
  muted?: boolean;
  highlight?: boolean;
  peerId?: string;
  note?: string | undefined;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = stream;
    void video.play().catch(() => undefined);
    return () => {
      video.srcObject = null;
    };
  }, [stream]);
  return (
    <figure className={highlight ? 'tile tile-speaking' : 'tile'} data-peer={peerId}>
      <video ref={ref} autoPlay playsInline muted={muted} aria-label={label} />
      <figcaption>
        {label}
        {note && <span className="tile-note"> · {note}</span>}
      </figcaption>
    </figure>
  );
}

/** Plays remote audio without a visible element. */
export function AudioSink({ track }: { track: MediaStreamTrack | undefined }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const audio = ref.current;
    if (!audio || !track) return;
    audio.srcObject = new MediaStream([track]);
    void audio.play().catch(() => undefined);
  }, [track]);
  return <audio ref={ref} autoPlay />;
}
