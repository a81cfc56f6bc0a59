export interface Segment {
  uri: string;
  duration: number;
  /** Wall-clock time of the segment's first frame (EXT-X-PROGRAM-DATE-TIME), when known. */
  programDateTime: number | undefined;
  /** Seconds from the start of the playlist. */
  start: number;
}

/** Reads a media playlist's segments with their media start times and wall-clock times. */
export function parseMediaPlaylist(text: string): { segments: Segment[]; ended: boolean; mediaSequence: number } {
  const segments: Segment[] = [];
  let pdt: number | undefined;
  let duration: number | undefined;
  let start = 0;
  let mediaSequence = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(line.slice(25));
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line && !line.startsWith('#') && duration !== undefined) {
      segments.push({ uri: line, duration, programDateTime: pdt, start });
      start += duration;
      pdt = pdt === undefined ? undefined : pdt + duration * 1000;
      duration = undefined;
    }
  }
  return { segments, ended: text.includes('#EXT-X-ENDLIST'), mediaSequence };
}

/** Media time (seconds) of a wall-clock instant, from the segments' program-date-times. */
export function mediaTimeAt(segments: Segment[], wallClock: number): number {
  let best = 0;
  for (const s of segments) {
    if (s.programDateTime === undefined) continue;
    if (s.programDateTime <= wallClock) best = s.start + Math.min(s.duration, (wallClock - s.programDateTime) / 1000);
    else break;
  }
  return best;
}

function vttTime(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
}

/**
 * The session's captions as WebVTT on the replay's timeline: each line from when it was sent until
 * the next one (at most `maxSeconds`). Text is escaped: cues are text, never markup.
 */
export function captionsToVtt(captions: Array<{ text: string; at: string }>, segments: Segment[], maxSeconds = 6): string {
  const cues = captions.map((c, i) => {
    const start = mediaTimeAt(segments, Date.parse(c.at));
    const next = captions[i + 1];
    const end = Math.min(start + maxSeconds, next ? Math.max(start + 0.5, mediaTimeAt(segments, Date.parse(next.at))) : start + maxSeconds);
    const text = c.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return `${i + 1}\n${vttTime(start)} --> ${vttTime(end)}\n${text}`;
  });
  return ['WEBVTT', '', ...cues.flatMap((c) => [c, ''])].join('\n');
}
