import { useEffect, useState } from 'react';
import type { StageClient } from './stageClient';
import { judgeUplink, nextUplinkQuality, type UplinkQuality, type UplinkSample } from './uplinkQuality';

const RANK = { good: 0, weak: 1, bad: 2 } as const;

/** How often the camera sender is sampled. */
const SAMPLE_MS = 2000;

/**
 * Watches the published camera's uplink while live, lowers its layers when the link weakens and
 * restores them when it is good again; returns the current judgement (undefined until the first).
 */
export function useUplinkQuality(client: StageClient | undefined, live: boolean): UplinkQuality | undefined {
  // Kept with the client it was measured on, so a new stage starts unmeasured.
  const [measured, setMeasured] = useState<{ client: StageClient; quality: UplinkQuality }>();
  useEffect(() => {
    if (!client || !live) return;
    let previous: UplinkSample | undefined;
    let current: UplinkQuality = 'good';
    let betterStreak = 0;
    let stopped = false;
    const tick = async (): Promise<void> => {
      const sample = await client.sampleUplink().catch(() => undefined);
      if (stopped || !sample) return;
      // A new camera producer (after a media move) starts its counters again.
      if (previous && sample.framesEncoded < previous.framesEncoded) previous = undefined;
      if (previous) {
        const judged = judgeUplink(previous, sample);
        betterStreak = RANK[judged] < RANK[current] ? betterStreak + 1 : 0;
        const next = nextUplinkQuality(current, judged, betterStreak);
        if (next !== current) {
          current = next;
          betterStreak = 0;
          await client.adaptUplink(next).catch(() => undefined);
        }
        if (!stopped) setMeasured({ client, quality: current });
      }
      previous = sample;
    };
    const timer = setInterval(() => void tick(), SAMPLE_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [client, live]);
  return live && measured && measured.client === client ? measured.quality : undefined;
}
