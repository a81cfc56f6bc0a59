import { z } from 'zod';

/** The longest clip the bureau can cut from a replay, in seconds: a publicity clip, not a copy of the session. */
export const MAX_CLIP_SECONDS = 1800;
/** The longest recording a span may point into (a day). */
const REPLAY_SECONDS = 86_400;

const seconds = z.number().finite().min(0).max(REPLAY_SECONDS);

/** A span of a replay to clip, in seconds from its start. */
export const ClipRequest = z
  .object({ start: seconds, end: seconds })
  .strict()
  .refine((s) => s.end > s.start, { message: 'the end must come after the start', path: ['end'] })
  .refine((s) => s.end - s.start <= MAX_CLIP_SECONDS, { message: `a clip is at most ${MAX_CLIP_SECONDS} seconds`, path: ['end'] });
export type ClipRequest = z.infer<typeof ClipRequest>;

/** Where in the replay a still is taken (query string: `?at=12.5`). */
// An empty `at=` is refused (coercion would read it as 0).
export const StillQuery = z.object({ at: z.string().trim().min(1).max(32).pipe(z.transform(Number)).pipe(z.number().finite().min(0).max(REPLAY_SECONDS)) }).strict();

export const ClipState = z.enum(['queued', 'running', 'done', 'failed']);
export type ClipState = z.infer<typeof ClipState>;

/** A clip as the console lists it. Its start and end are where it was cut: segment boundaries around the span asked for. */
export interface ClipView {
  /** Names the rendition and the segments: the same span asked twice is one clip. */
  id: string;
  start: number;
  end: number;
  state: ClipState;
  /** 0–1 while it is being made. */
  progress: number;
  bytes: number | null;
  duration: number | null;
}

/** What the console's clips page reads: the replay's chapters and the clips made of it. */
export interface ClipsOverview {
  replay: {
    duration: number;
    /** The recording's segment length: clips are cut on these boundaries. */
    segmentSeconds: number;
    chapters: Array<{ itemId: string; title: string; start: number; end: number }>;
  } | null;
  clips: ClipView[];
  maxSeconds: number;
}
