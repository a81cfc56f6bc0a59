import { z } from 'zod';

// Wire shapes of the WebRTC parameters that mediasoup and mediasoup-client exchange. The checks
// here keep malformed or oversized input out; mediasoup validates the semantics itself.

const shortText = z.string().max(256);
const codecParameterValue = z.union([z.string().max(512), z.number()]);

export const RtcpFeedback = z.looseObject({ type: shortText, parameter: shortText.optional() });

export const RtpCodecParameters = z.looseObject({
  mimeType: z.string().min(3).max(64),
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().positive(),
  channels: z.number().int().positive().max(8).optional(),
  parameters: z.record(z.string().max(64), codecParameterValue).optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(16).optional(),
});

export const RtpHeaderExtensionParameters = z.looseObject({
  uri: z.string().max(256),
  id: z.number().int().min(1).max(255),
  encrypt: z.boolean().optional(),
  parameters: z.record(z.string().max(64), codecParameterValue).optional(),
});

export const RtpEncodingParameters = z.looseObject({
  ssrc: z.number().int().nonnegative().optional(),
  rid: z.string().max(32).optional(),
  codecPayloadType: z.number().int().min(0).max(127).optional(),
  rtx: z.looseObject({ ssrc: z.number().int().nonnegative() }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z.string().max(16).optional(),
  scaleResolutionDownBy: z.number().positive().optional(),
  maxBitrate: z.number().positive().optional(),
  active: z.boolean().optional(),
});

export const RtpParameters = z.looseObject({
  mid: z.string().max(32).optional(),
  codecs: z.array(RtpCodecParameters).min(1).max(32),
  headerExtensions: z.array(RtpHeaderExtensionParameters).max(32).optional(),
  encodings: z.array(RtpEncodingParameters).max(8).optional(),
  rtcp: z
    .looseObject({ cname: z.string().max(256).optional(), reducedSize: z.boolean().optional() })
    .optional(),
});
export type RtpParameters = z.infer<typeof RtpParameters>;

export const RtpCodecCapability = z.looseObject({
  kind: z.enum(['audio', 'video']),
  mimeType: z.string().min(3).max(64),
  preferredPayloadType: z.number().int().min(0).max(127).optional(),
  clockRate: z.number().int().positive(),
  channels: z.number().int().positive().max(8).optional(),
  parameters: z.record(z.string().max(64), codecParameterValue).optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(16).optional(),
});

export const RtpCapabilities = z.looseObject({
  codecs: z.array(RtpCodecCapability).max(128).optional(),
  headerExtensions: z
    .array(
      z.looseObject({
        kind: z.enum(['audio', 'video']),
        uri: z.string().max(256),
        preferredId: z.number().int().min(1).max(255),
        preferredEncrypt: z.boolean().optional(),
        direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
      }),
    )
    .max(64)
    .optional(),
});
export type RtpCapabilities = z.infer<typeof RtpCapabilities>;

export const DtlsParameters = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(z.looseObject({ algorithm: z.string().max(32), value: z.string().max(256) }))
    .min(1)
    .max(8),
});
export type DtlsParameters = z.infer<typeof DtlsParameters>;

export const MediaKind = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof MediaKind>;

/** What a client needs to build a mediasoup-client Transport. Produced by the server only. */
export interface TransportOptions {
  id: string;
  iceParameters: { usernameFragment: string; password: string; iceLite?: boolean };
  iceCandidates: Array<{
    foundation: string;
    priority: number;
    address: string;
    ip?: string;
    protocol: 'udp' | 'tcp';
    port: number;
    type: 'host' | 'srflx' | 'prflx' | 'relay';
    tcpType?: 'passive' | 'active' | 'so';
  }>;
  dtlsParameters: DtlsParameters;
}
