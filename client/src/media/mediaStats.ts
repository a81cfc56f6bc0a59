import type { types } from 'mediasoup-client';

export interface MediaStats {
  video: { framesDecoded: number; bytesReceived: number };
  audio: { bytesReceived: number; packetsReceived: number };
  /** Frames decoded per publishing peer, to tell which tiles really play. */
  framesByPeer: Record<string, number>;
  /** Frames decoded per producer: a re-published camera is a new producer, counted from zero. */
  framesByProducer: Record<string, number>;
}

type InboundRtp = { type: string; framesDecoded?: number; bytesReceived?: number; packetsReceived?: number };

/** Inbound totals over a set of consumers, from their inbound-rtp reports. */
export async function inboundStats(consumers: Array<{ consumer: types.Consumer; peerId: string }>): Promise<MediaStats> {
  const stats: MediaStats = { video: { framesDecoded: 0, bytesReceived: 0 }, audio: { bytesReceived: 0, packetsReceived: 0 }, framesByPeer: {}, framesByProducer: {} };
  for (const { consumer, peerId } of consumers) {
    const report = await consumer.getStats();
    report.forEach((s: InboundRtp) => {
      if (s.type !== 'inbound-rtp') return;
      if (consumer.kind === 'video') {
        stats.video.framesDecoded += s.framesDecoded ?? 0;
        stats.video.bytesReceived += s.bytesReceived ?? 0;
        stats.framesByPeer[peerId] = (stats.framesByPeer[peerId] ?? 0) + (s.framesDecoded ?? 0);
        stats.framesByProducer[consumer.producerId] = (stats.framesByProducer[consumer.producerId] ?? 0) + (s.framesDecoded ?? 0);
      } else {
        stats.audio.bytesReceived += s.bytesReceived ?? 0;
        stats.audio.packetsReceived += s.packetsReceived ?? 0;
      }
    });
  }
  return stats;
}
