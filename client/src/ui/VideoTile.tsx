import { useEffect, useRef } from 'react';
import { forgetPlaying, startPlaying } from '../media/autoplay';

/**
 * Plays one stream; muted for local previews so the host does not hear themselves, and whenever the
 * stream carries no sound (a stage's pictures: their sound plays in AudioSinks), so the browser
 * starts it without waiting for a tap. Started by media/autoplay.ts (no autoplay attribute), which
 * also handles the browser refusing it.
 */
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
    void startPlaying(video);
    return () => {
      forgetPlaying(video);
      video.srcObject = null;
    };
  }, [stream]);
  return (
    <figure className={highlight ? 'tile tile-speaking' : 'tile'} data-peer={peerId}>
      <video ref={ref} playsInline muted={muted || stream.getAudioTracks().length === 0} aria-label={label} />
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
    void startPlaying(audio);
    return () => forgetPlaying(audio);
  }, [track]);
  return <audio ref={ref} />;
}
