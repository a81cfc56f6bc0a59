/**
 * How well the camera's uplink carries, judged from two getStats samples of the camera sender taken a
 * couple of seconds apart, and what the camera's encodings become for each judgement. Pure: the
 * studio samples, this decides.
 */
export type UplinkQuality = 'good' | 'weak' | 'bad';

/** What one getStats sample of the camera sender says. */
export interface UplinkSample {
  /** When the sample was taken, in ms. */
  at: number;
  /** Frames encoded, summed over the simulcast layers (falls when a new producer starts again). */
  framesEncoded: number;
  /** Frames encoded per layer (by rid), for the frame rate of the picture itself. */
  framesByLayer?: Record<string, number>;
  bytesSent: number;
  /** From the selected candidate pair, bits per second, when the browser gives it. */
  availableOutgoingBitrate?: number;
  /** Round trip in seconds, from the candidate pair or remote-inbound-rtp. */
  roundTripTime?: number;
  /** 'bandwidth' or 'cpu' when any layer is held back by it; 'none' otherwise. */
  qualityLimitationReason?: string;
}

/** Below this the full picture cannot be carried: drop the top layer and lower the rest. */
const WEAK_BITRATE = 900_000;
/** Below this only the smallest picture goes out. */
const BAD_BITRATE = 300_000;
/** Fewer frames a second than this means the picture is stalling. */
const BAD_FPS = 5;
const WEAK_FPS = 15;
const BAD_RTT = 1;
const WEAK_RTT = 0.4;
/**
 * On a lowered level the browser's estimate cannot rise far above what is sent: Chromium probes to
 * about twice the layers' total. A link with room shows as an estimate near that (measured: 1.85–1.9
 * times the weak level's need once a 500 kbit/s cap is lifted), one that is the limit hovers around
 * the need (its peaks under that cap: up to 1.56 times).
 */
const ROOM = 1.7;
/** Without an estimate: the level's layers go out nearly in full. */
const CARRIED = 0.8;

const RANK = { good: 0, weak: 1, bad: 2 } as const;
const UP: Record<UplinkQuality, UplinkQuality> = { good: 'good', weak: 'good', bad: 'weak' };

/**
 * The judgement for the span between two samples (`previous` older than `current`) taken while the
 * camera was sent at `level`. On the full level the estimate says what the link carries. On a lowered
 * one it cannot show more than about twice what is sent, so a level carried with room to spare is
 * judged one step better: worth trying, and stepped down from again if the link cannot carry it.
 */
export function judgeUplink(previous: UplinkSample, current: UplinkSample, level: UplinkQuality = 'good'): UplinkQuality {
  const seconds = (current.at - previous.at) / 1000;
  if (seconds <= 0) return level;
  const fps = framesPerSecond(previous, current, seconds);
  const sentBitrate = ((current.bytesSent - previous.bytesSent) * 8) / seconds;
  const estimate = current.availableOutgoingBitrate;
  // The estimate is the better measure; what was really sent stands in when there is none.
  const bitrate = estimate ?? sentBitrate;
  const rtt = current.roundTripTime ?? 0;
  const layers = cameraLayersFor(level).filter((l) => l.active);
  const need = layers.reduce((sum, l) => sum + l.maxBitrate, 0);
  // A level that caps the frame rate is not held against the link for the frames it leaves out.
  const weakFps = Math.min(WEAK_FPS, 0.75 * Math.max(...layers.map((l) => l.maxFramerate)));
  if (fps < BAD_FPS || rtt > BAD_RTT) return 'bad';
  const strained = fps < weakFps || rtt > WEAK_RTT || current.qualityLimitationReason === 'bandwidth';
  if (level !== 'good' && !strained && (estimate !== undefined ? estimate >= ROOM * need : sentBitrate >= CARRIED * need)) return UP[level];
  if (bitrate < BAD_BITRATE) return 'bad';
  if (bitrate < WEAK_BITRATE || strained) return 'weak';
  return 'good';
}

/** The picture's frame rate: the fastest layer's (layers are encoded from the same frames). */
function framesPerSecond(previous: UplinkSample, current: UplinkSample, seconds: number): number {
  const now = current.framesByLayer;
  const before = previous.framesByLayer;
  if (!now || !before) return (current.framesEncoded - previous.framesEncoded) / seconds;
  let fastest = 0;
  for (const [layer, frames] of Object.entries(now)) fastest = Math.max(fastest, frames - (before[layer] ?? frames));
  return fastest / seconds;
}

/** One simulcast layer's sending parameters. */
export interface LayerSetting {
  active: boolean;
  maxBitrate: number;
  maxFramerate: number;
  scaleResolutionDownBy: number;
}

/**
 * The camera's three layers (small, medium, full) for a judgement: a weak uplink drops the full
 * layer and lowers the frame rate, a bad one sends only the smallest picture at a low rate, so the
 * picture gets smaller and slower instead of freezing.
 */
export function cameraLayersFor(quality: UplinkQuality): LayerSetting[] {
  switch (quality) {
    case 'good':
      return [
        { active: true, maxBitrate: 150_000, maxFramerate: 30, scaleResolutionDownBy: 4 },
        { active: true, maxBitrate: 500_000, maxFramerate: 30, scaleResolutionDownBy: 2 },
        { active: true, maxBitrate: 1_200_000, maxFramerate: 30, scaleResolutionDownBy: 1 },
      ];
    case 'weak':
      return [
        { active: true, maxBitrate: 120_000, maxFramerate: 20, scaleResolutionDownBy: 4 },
        { active: true, maxBitrate: 300_000, maxFramerate: 20, scaleResolutionDownBy: 2 },
        { active: false, maxBitrate: 1_200_000, maxFramerate: 20, scaleResolutionDownBy: 1 },
      ];
    case 'bad':
      return [
        { active: true, maxBitrate: 100_000, maxFramerate: 12, scaleResolutionDownBy: 4 },
        { active: false, maxBitrate: 300_000, maxFramerate: 12, scaleResolutionDownBy: 2 },
        { active: false, maxBitrate: 1_200_000, maxFramerate: 12, scaleResolutionDownBy: 1 },
      ];
  }
}

/** Where the studio's uplink stands between readings. */
export interface UplinkState {
  quality: UplinkQuality;
  /** Better judgements in a row. */
  better: number;
  /** Better judgements in a row needed to step up. */
  needed: number;
  /** Readings since the last step up; undefined once stepped down since. */
  sinceUp: number | undefined;
}

/** Better readings in a row that step up, at first and again once a step up has held. */
const STEP_UP_AFTER = 2;
/** A step down this soon (in readings) after a step up means the link could not carry it. */
const FAILED_UP_WITHIN = 3;
/** The longest wait before trying again: 16 readings, half a minute at one every 2 s. */
const MOST_NEEDED = 16;
/** A step up that has held this many readings proves the link: later tries are quick again. */
const HELD = 15;

export const initialUplinkState: UplinkState = { quality: 'good', better: 0, needed: STEP_UP_AFTER, sinceUp: undefined };

/**
 * The next state after a judgement: down at once (but for the reading right after a step up); up only
 * after `needed` better judgements in a row, so a flapping link does not make the picture jump up and
 * down. A step up that the link cannot carry (stepped down again within a few readings) doubles the
 * wait before the next try, so a link capped just below the next level is tried less and less often
 * instead of see-sawing.
 */
export function stepUplink(state: UplinkState, judged: UplinkQuality): UplinkState {
  if (RANK[judged] > RANK[state.quality]) {
    // A step up gets one reading to settle: the browser's estimate and the restored layer take a few
    // seconds to climb, and meanwhile read as bandwidth-limited. Only a fall of two steps counts then.
    if (state.sinceUp === 0 && RANK[judged] - RANK[state.quality] === 1) return { ...state, better: 0, sinceUp: 1 };
    const failedUp = state.sinceUp !== undefined && state.sinceUp < FAILED_UP_WITHIN;
    return { quality: judged, better: 0, needed: failedUp ? Math.min(state.needed * 2, MOST_NEEDED) : state.needed, sinceUp: undefined };
  }
  if (RANK[judged] < RANK[state.quality]) {
    const better = state.better + 1;
    if (better >= state.needed) return { quality: judged, better: 0, needed: state.needed, sinceUp: 0 };
    return { ...state, better, sinceUp: state.sinceUp === undefined ? undefined : state.sinceUp + 1 };
  }
  const sinceUp = state.sinceUp === undefined ? undefined : state.sinceUp + 1;
  return { ...state, better: 0, sinceUp, needed: sinceUp !== undefined && sinceUp >= HELD ? STEP_UP_AFTER : state.needed };
}
