import { describe, expect, it } from 'vitest';
import { cameraLayersFor, judgeUplink, nextUplinkQuality, uplinkSample, type UplinkSample, type UplinkStats } from '../../client/src/media/uplinkQuality';

const start: UplinkSample = { at: 0, framesEncoded: 0, bytesSent: 0 };
/** A sample two seconds on at `fps` frames and `kbps` kbit/s sent. */
function after(fps: number, kbps: number, extra: Partial<UplinkSample> = {}): UplinkSample {
  return { at: 2000, framesEncoded: fps * 2, bytesSent: (kbps * 1000 * 2) / 8, ...extra };
}

describe('judgeUplink', () => {
  it('calls a full-rate, well-estimated uplink good', () => {
    expect(judgeUplink(start, after(30, 1500, { availableOutgoingBitrate: 2_500_000, roundTripTime: 0.05, qualityLimitationReason: 'none' }))).toBe('good');
  });

  it('calls an uplink capped near 500 kbit/s weak', () => {
    expect(judgeUplink(start, after(30, 480, { availableOutgoingBitrate: 500_000 }))).toBe('weak');
  });

  it('calls an encoder held back by bandwidth weak even at a good estimate', () => {
    expect(judgeUplink(start, after(30, 1500, { availableOutgoingBitrate: 2_000_000, qualityLimitationReason: 'bandwidth' }))).toBe('weak');
  });

  it('calls a long round trip weak, a very long one bad', () => {
    expect(judgeUplink(start, after(30, 1500, { roundTripTime: 0.6 }))).toBe('weak');
    expect(judgeUplink(start, after(30, 1500, { roundTripTime: 1.5 }))).toBe('bad');
  });

  it('calls a stalled picture bad', () => {
    expect(judgeUplink(start, after(2, 1500, { availableOutgoingBitrate: 2_000_000 }))).toBe('bad');
    expect(judgeUplink(start, after(0, 0))).toBe('bad');
  });

  it('uses what was really sent when there is no estimate', () => {
    expect(judgeUplink(start, after(30, 200))).toBe('bad');
    expect(judgeUplink(start, after(30, 1200))).toBe('good');
  });

  it('does not judge an empty span', () => {
    expect(judgeUplink(start, { ...start })).toBe('good');
  });
});

describe('cameraLayersFor', () => {
  it('sends all three layers when good', () => {
    expect(cameraLayersFor('good').map((l) => l.active)).toEqual([true, true, true]);
  });

  it('drops the full layer and lowers frame rate when weak', () => {
    const weak = cameraLayersFor('weak');
    expect(weak.map((l) => l.active)).toEqual([true, true, false]);
    expect(Math.max(...weak.map((l) => l.maxFramerate))).toBeLessThan(30);
    const activeBits = weak.filter((l) => l.active).reduce((n, l) => n + l.maxBitrate, 0);
    expect(activeBits).toBeLessThanOrEqual(500_000);
  });

  it('sends only the smallest picture when bad', () => {
    const bad = cameraLayersFor('bad');
    expect(bad.map((l) => l.active)).toEqual([true, false, false]);
    expect(bad[0]!.scaleResolutionDownBy).toBe(4);
  });
});

describe('nextUplinkQuality', () => {
  it('steps down at once', () => {
    expect(nextUplinkQuality('good', 'weak', 0)).toBe('weak');
    expect(nextUplinkQuality('weak', 'bad', 0)).toBe('bad');
  });

  it('steps up only after enough better judgements in a row', () => {
    expect(nextUplinkQuality('bad', 'good', 1)).toBe('bad');
    expect(nextUplinkQuality('bad', 'good', 2)).toBe('good');
  });
});

describe('uplinkSample', () => {
  /** The camera sender's getStats after `seconds` at `fps` on each of `layers` active layers (of three), `kbps` a layer. */
  const stats = (seconds: number, fps: number, { layers = 3, kbps = 400, reason = 'none' }: { layers?: number; kbps?: number; reason?: string } = {}): UplinkStats[] => [
    ...[0, 1, 2].map((i) => ({
      type: 'outbound-rtp',
      active: i < layers,
      framesEncoded: i < layers ? fps * seconds : 0,
      bytesSent: i < layers ? (kbps * 1000 * seconds) / 8 : 0,
      qualityLimitationReason: i < layers ? reason : 'none',
    })),
    { type: 'candidate-pair', nominated: true, state: 'succeeded', availableOutgoingBitrate: 2_500_000, currentRoundTripTime: 0.05 },
    { type: 'candidate-pair', nominated: false, state: 'failed', availableOutgoingBitrate: 1, currentRoundTripTime: 9 },
  ];

  it("counts the picture's frames once, not once a layer, and every layer's bytes", () => {
    const sample = uplinkSample(stats(2, 30), 2000);
    expect(sample).toEqual({ at: 2000, framesEncoded: 60, bytesSent: 300_000, availableOutgoingBitrate: 2_500_000, roundTripTime: 0.05 });
  });

  it('judges a stalling picture by its own frame rate whatever the number of layers sending it', () => {
    const from = uplinkSample(stats(0, 0), 0);
    // 6 fps on each of three layers is a picture at 6 fps: weak (summed, it read 18 fps and passed as good).
    expect(judgeUplink(from, uplinkSample(stats(2, 6), 2000))).toBe('weak');
    // 3 fps is stalling: bad, on three layers as on one.
    expect(judgeUplink(from, uplinkSample(stats(2, 3), 2000))).toBe('bad');
    expect(judgeUplink(from, uplinkSample(stats(2, 3, { layers: 1, kbps: 1200 }), 2000))).toBe('bad');
    expect(judgeUplink(from, uplinkSample(stats(2, 30), 2000))).toBe('good');
  });

  it('takes the encoder held back by bandwidth from an active layer only', () => {
    expect(uplinkSample(stats(2, 30, { reason: 'bandwidth' }), 2000).qualityLimitationReason).toBe('bandwidth');
    const inactiveOnly = stats(2, 30, { layers: 2 });
    inactiveOnly[2] = { ...inactiveOnly[2]!, qualityLimitationReason: 'bandwidth' };
    expect(uplinkSample(inactiveOnly, 2000).qualityLimitationReason).toBeUndefined();
  });
});
