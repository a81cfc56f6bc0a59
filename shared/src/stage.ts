import { z } from 'zod';
import { ConsumerId, PeerId, ProducerId, SessionId, TransportId } from './ids';
import type { PinsNow } from './recruitment';
import { DtlsParameters, MediaKind, RtpCapabilities, RtpParameters } from './webrtc';

/** On stage: the host, co-hosts (employer reps), the sign-language interpreter and the captioner. */
export const StageRole = z.enum(['host', 'cohost', 'interpreter', 'captioner', 'viewer']);
export const InvitedRole = z.enum(['cohost', 'interpreter', 'captioner']);
export type InvitedRole = z.infer<typeof InvitedRole>;
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
  /** Given after a dropped connection: takes back the same place if the grace period has not run out. */
  resume: z.object({ peerId: PeerId, key: z.string().min(16).max(128) }).optional(),
});
export type StageJoinInput = z.infer<typeof StageJoinInput>;

export interface Participant {
  peerId: PeerId;
  role: StageRole;
  displayName: string;
  handRaised: boolean;
  /** Their connection dropped and their place is held for the grace period (a host on a weak network). */
  away?: true;
}

/** What everyone may know about who is in the session: display names on stage and a head count. */
export interface RosterView {
  onStage: Participant[];
  viewerCount: number;
}

export interface ProducerInfo {
  producerId: ProducerId;
  peerId: PeerId;
  kind: MediaKind;
  source: MediaSource;
  paused: boolean;
}

/** How a place watches the stage: WebRTC (a MediaPeer on a router) or the HLS programme (no media on the server). */
export const WatchMode = z.enum(['webrtc', 'hls']);
export type WatchMode = z.infer<typeof WatchMode>;

/** What a place on WebRTC needs to build its Device and consume: sent only to places on WebRTC. */
export interface StageMedia {
  routerRtpCapabilities: RtpCapabilities;
  producers: ProducerInfo[];
  /**
   * The media transports the server holds for this place. 0: whatever the client had is gone (its
   * place is on another node or router now), so it sets up new ones instead of healing the old.
   */
  transports?: number;
}

interface StageJoinCommon {
  peerId: PeerId;
  role: StageRole;
  /** Present this with the peer id to take the same place back after a reconnect. */
  resumeKey: string;
  /** True when this join took back an earlier place (its media objects may still be alive). */
  resumed: boolean;
  roster: RosterView;
  /** The session's HLS master playlist, when the server makes one. */
  hlsUrl: string | null;
  /**
   * Whether this place may be on WebRTC right now: it is on stage, already holds a seat, or an
   * interactive seat is free. A hint: the seat is taken (or refused) when the receive transport is created.
   */
  interactive: boolean;
  /** What is pinned now and its sequence number: a (re)joining phone catches up without waiting for the next pin. */
  pins: PinsNow;
}

/**
 * The join reply. People on stage are on WebRTC from the start; a viewer joins the audience on
 * 'hls' (no media on the server) and switches with `stage:watch`; a resumed viewer keeps its mode.
 */
export type StageJoinResult = StageJoinCommon & (({ mode: 'webrtc' } & StageMedia) | { mode: 'hls' });

/** Switches this connection's place between WebRTC and HLS: one request, same socket. */
export const StageWatchInput = z.strictObject({ mode: WatchMode });
export type StageWatchResult = ({ mode: 'webrtc' } & StageMedia) | { mode: 'hls'; interactive: boolean };

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

export const EmptyInput = z.strictObject({});
export const TransportIdInput = z.object({ transportId: TransportId });
export const ProducerIdInput = z.object({ producerId: ProducerId });
export const PeerIdInput = z.object({ peerId: PeerId });
export const HandRaiseInput = z.object({ raised: z.boolean() });

/** Whose video the HLS program shows: a person on stage, or whoever speaks. */
export const SpotlightInput = z.strictObject({ peerId: PeerId.optional(), followSpeaker: z.boolean() });

export const VideoQuality = z.enum(['auto', 'high', 'low']);
export type VideoQuality = z.infer<typeof VideoQuality>;
/** A viewer's wishes: a quality, or audio only (no video bytes at all). */
export const ViewerPreferencesInput = z.object({ quality: VideoQuality, audioOnly: z.boolean() });
export type ViewerPreferences = z.infer<typeof ViewerPreferencesInput>;

export interface InviteResult {
  /** The invite's record in the bureau's registry: what the host withdraws it by. */
  inviteId: string;
  token: string;
  /** Path of the co-host join page, relative to the site root. */
  path: string;
  expiresAt: string;
}

/**
 * Why a stage closed. Only 'ended-by-host' ends the session; after 'host-left' (the host gone past
 * the grace period) and 'media-failure' the host can open it again.
 */
/** `moved`: another node holds the session's stage now (several nodes); join again to reach it. */
export const StageEndReason = z.enum(['ended-by-host', 'server-shutdown', 'removed', 'media-failure', 'host-left', 'moved']);
export type StageEndReason = z.infer<typeof StageEndReason>;

/**
 * To the host connection let go because the host link was opened on another device or tab: the
 * broadcast carries on there. Its place is gone (requests answer NOT_JOINED); joining again as host
 * takes the stage back in turn.
 */
export const StageTakenOver = z.strictObject({ sessionId: SessionId });
export type StageTakenOver = z.infer<typeof StageTakenOver>;

export const ChatSendInput = z.strictObject({ text: z.string().min(1).max(500), displayName: z.string().trim().min(1).max(20) });
export const MessageIdInput = z.strictObject({ messageId: z.string().min(1).max(32) });
export const AuthorIdInput = z.strictObject({ authorId: z.string().min(1).max(64) });
export const MuteInput = z.strictObject({ authorId: z.string().min(1).max(64), seconds: z.number().int().min(10).max(86_400) });
export const SlowModeInput = z.strictObject({ seconds: z.number().int().min(0).max(300) });

/**
 * Who a chat message speaks for, set by the server from the sender's role on the stage and their
 * sign-in, never from what they typed: the host, bureau staff, an invited guest on stage (co-host,
 * interpreter, captioner, or a viewer the host brought up), or nobody in particular (null).
 */
export type ChatBadge = 'host' | 'staff' | 'cohost' | null;

/** A chat message as everyone sees it; `authorId` is an opaque device id moderators act on. */
export interface ChatMessageView {
  id: string;
  authorId: string;
  displayName: string;
  badge: ChatBadge;
  text: string;
  at: string;
  status: 'shown' | 'held' | 'deleted';
  heldFor: string[];
}

export const InviteInput = z.strictObject({ role: InvitedRole.default('cohost') });
export const InviteRevokeInput = z.strictObject({ inviteId: z.string().min(1).max(64) });
export const CaptionInput = z.strictObject({ text: z.string().trim().min(1).max(300) });

/** One caption line, numbered in the order the captioner sent them. */
export interface Caption {
  seq: number;
  text: string;
  at: string;
}
