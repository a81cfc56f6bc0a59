import { useEffect, useState } from 'react';
import type { StageClient } from './stageClient';
import { initialUplinkState, judgeUplink, stepUplink, type UplinkQuality, type UplinkSample, type UplinkState } from './uplinkQuality';

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
    let state: UplinkState = initialUplinkState;
    let stopped = false;
    let busy = false;
    const tick = async (): Promise<void> => {
      const sample = await client.sampleUplink().catch(() => undefined);
      if (stopped || !sample) return;
      // A new camera producer (after a media move) starts its counters again.
      if (previous && sample.framesEncoded < previous.framesEncoded) previous = undefined;
      if (previous) {
        const next = stepUplink(state, judgeUplink(previous, sample, state.quality));
        const changed = next.quality !== state.quality;
        state = next;
        if (changed) {
          await client.adaptUplink(next.quality).catch(() => undefined);
          // The next span starts with the new layers: one that straddles the change would judge
          // them by what the old ones sent.
          const after = await client.sampleUplink().catch(() => undefined);
          if (stopped) return;
          previous = after;
          setMeasured({ client, quality: state.quality });
          return;
        }
        if (!stopped) setMeasured({ client, quality: state.quality });
      }
      previous = sample;
    };
    // A slow getStats or setParameters skips a reading rather than overlapping the next.
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void tick().finally(() => (busy = false));
    }, SAMPLE_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [client, live]);
  return live && measured && measured.client === client ? measured.quality : undefined;
}
