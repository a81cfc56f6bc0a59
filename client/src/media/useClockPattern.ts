import { useEffect, useState } from 'react';
import { clockPatternTrack } from './clockPattern';

/** The camera stream, or (when `enabled`) the same stream with the clock pattern as its video. */
export function useClockPattern(stream: MediaStream | undefined, enabled: boolean): MediaStream | undefined {
  const [patterned, setPatterned] = useState<MediaStream>();
  useEffect(() => {
    if (!enabled || !stream) return;
    const { track, stop } = clockPatternTrack();
    const timer = setTimeout(() => setPatterned(new MediaStream([track, ...stream.getAudioTracks()])), 0);
    return () => {
      clearTimeout(timer);
      stop();
      track.stop();
    };
  }, [stream, enabled]);
  return enabled ? patterned : stream;
}
