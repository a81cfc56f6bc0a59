import { z } from 'zod';
import { ConsumerId, ProducerId, SessionId, TransportId, type PeerId } from './ids';
import { DtlsParameters, MediaKind, RtpCapabilities, RtpParameters } from './webrtc';

export const StageRole = z.enum(['host', 'cohost', 'viewer']);
export type StageRole = z.infer<typeof StageRole>;

/** What a producer carries: the camera, the microphone, or a screen/slide share. */
export const MediaSource = z.enum(['camera', 'microphone', 'screen']);
export type MediaSource = z.infer<typeof MediaSource>;

export const StageJoinInput = z.object({
  sessionId: SessionId,
  role: StageRole,
  /** Signed credential for the host and co-host roles; viewers are anonymous. */
  token: z.string().max(2048).optional(),
  displayName: z.string().trim().min(1).max(40).optional(),
});
export type StageJoinInput = z.infer<typeof StageJoinInput>;

export interface ProducerInfo {
  producerId: ProducerId;
  peerId: PeerId;
  kind: MediaKind;
  source: MediaSource;
  paused: boolean;
}

export interface StageJoinResult {
  peerId: PeerId;
  role: StageRole;
  routerRtpCapabilities: RtpCapabilities;
  producers: ProducerInfo[];
}

export const TransportCreateInput = z.object({ direction: z.enum(['send', 'recv']) });
export const TransportConnectInput = z.object({ transportId: TransportId, dtlsParameters: DtlsParameters });

export const ProducerCreateInput = z.object({
  transportId: TransportId,
  kind: MediaKind,
  rtpParameters: RtpParameters,
  source: MediaSource,
});

export const ConsumerCreateInput = z.object({
  transportId: TransportId,
  producerId: ProducerId,
  rtpCapabilities: RtpCapabilities,
});

export interface ConsumerOptions {
  id: ConsumerId;
  producerId: ProducerId;
  peerId: PeerId;
  kind: MediaKind;
  source: MediaSource;
  rtpParameters: RtpParameters;
}

export const ConsumerResumeInput = z.object({ consumerId: ConsumerId });

export const StageEndReason = z.enum(['ended-by-host', 'server-shutdown', 'removed', 'media-failure']);
export type StageEndReason = z.infer<typeof StageEndReason>;
