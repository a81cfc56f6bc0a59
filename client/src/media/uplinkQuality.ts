/**
 * How well the camera's uplink carries, judged from two getStats samples of the camera sender taken a
 * couple of seconds apart, and what the camera's encodings become for each judgement. Pure: the
 * studio samples, this decides.
 */
export type UplinkQuality = 'good' | 'weak' | 'bad';

/** What one getStats sample of the camera sender says (see uplinkSample). */
export interface UplinkSample {
  /** When the sample was taken, in ms. */
  at: number;
  /** Frames encoded by the layer that encoded the most: the picture's frames, not one per layer. */
  framesEncoded: number;
  bytesSent: number;
  /** From the selected candidate pair, bits per second, when the browser gives it. */
  availableOutgoingBitrate?: number;
  /** Round trip in seconds, from the candidate pair or remote-inbound-rtp. */
  roundTripTime?: number;
  /** 'bandwidth' or 'cpu' when any layer is held back by it; 'none' otherwise. */
  qualityLimitationReason?: string;
}

/** The fields of a sender's getStats entries a sample is made of. */
export interface UplinkStats {
  type: string;
  framesEncoded?: number;
  bytesSent?: number;
  qualityLimitationReason?: string;
  active?: boolean;
  nominated?: boolean;
  state?: string;
  availableOutgoingBitrate?: number;
  currentRoundTripTime?: number;
}

/**
 * One sample of the camera sender from its getStats entries: one outbound-rtp entry a simulcast
 * layer, each encoding the same frames while active. Bytes are summed over the layers (all of them
 * cross the uplink), but the frames are the most any layer encoded: summed, three layers at 6 fps
 * read as 18 and a stalling picture passed for a good one (and the bar moved with the number of
 * layers sent). The smallest layer is active in every state, so its count keeps going.
 */
export function uplinkSample(entries: Iterable<UplinkStats>, at: number): UplinkSample {
  const sample: UplinkSample = { at, framesEncoded: 0, bytesSent: 0 };
  for (const s of entries) {
    if (s.type === 'outbound-rtp') {
      sample.framesEncoded = Math.max(sample.framesEncoded, s.framesEncoded ?? 0);
      sample.bytesSent += s.bytesSent ?? 0;
      if (s.qualityLimitationReason && s.qualityLimitationReason !== 'none' && s.active !== false) sample.qualityLimitationReason = s.qualityLimitationReason;
    } else if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
      if (s.availableOutgoingBitrate !== undefined) sample.availableOutgoingBitrate = s.availableOutgoingBitrate;
      if (s.currentRoundTripTime !== undefined) sample.roundTripTime = s.currentRoundTripTime;
    }
  }
  return sample;
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

/** The judgement for the span between two samples (`previous` older than `current`). */
export function judgeUplink(previous: UplinkSample, current: UplinkSample): UplinkQuality {
  const seconds = (current.at - previous.at) / 1000;
  if (seconds <= 0) return 'good';
  const fps = (current.framesEncoded - previous.framesEncoded) / seconds;
  const sentBitrate = ((current.bytesSent - previous.bytesSent) * 8) / seconds;
  // The estimate is the better measure; what was really sent stands in when there is none.
  const bitrate = current.availableOutgoingBitrate ?? sentBitrate;
  const rtt = current.roundTripTime ?? 0;
  if (fps < BAD_FPS || bitrate < BAD_BITRATE || rtt > BAD_RTT) return 'bad';
  if (fps < WEAK_FPS || bitrate < WEAK_BITRATE || rtt > WEAK_RTT || current.qualityLimitationReason === 'bandwidth') return 'weak';
  return 'good';
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

/**
 * Steps down at once but up only after `goodStreak` good judgements in a row, so a flapping link
 * does not make the picture jump up and down.
 */
export function nextUplinkQuality(current: UplinkQuality, judged: UplinkQuality, goodStreak: number, needed = 2): UplinkQuality {
  const rank = { good: 0, weak: 1, bad: 2 } as const;
  if (rank[judged] >= rank[current]) return judged;
  return goodStreak >= needed ? judged : current;
}
