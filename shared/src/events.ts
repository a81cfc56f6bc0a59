import type { z } from 'zod';
import type { AckCallback } from './ack';
import type { PeerId, ProducerId } from './ids';
import {
  ConsumerCreateInput,
  ConsumerResumeInput,
  EmptyInput,
  SpotlightInput,
  InviteInput,
  InviteRevokeInput,
  CaptionInput,
  type Caption,
  ChatSendInput,
  MessageIdInput,
  AuthorIdInput,
  MuteInput,
  SlowModeInput,
  type ChatMessageView,
  HandRaiseInput,
  PeerIdInput,
  ProducerCreateInput,
  ProducerIdInput,
  StageJoinInput,
  StageWatchInput,
  TransportConnectInput,
  TransportCreateInput,
  TransportIdInput,
  ViewerPreferencesInput,
  type ConsumerOptions,
  type InviteResult,
  type Participant,
  type ProducerInfo,
  type RosterView,
  type StageEndReason,
  type StageTakenOver,
  type StageJoinResult,
  type StageWatchResult,
  type StageRole,
} from './stage';
import type { RtpCapabilities, TransportOptions } from './webrtc';
import {
  ApplicationsFollowInput,
  type ApplicationsFollowing,
  type ApplicationStatus,
  ApplyInput,
  type ApplyReceipt,
  CardEventInput,
  ConsoleSubscribeInput,
  PolicyPinInput,
  QuestionAnswerInput,
  QuestionAskInput,
  QuestionIdInput,
  QuestionListInput,
  type Question,
  VacancyPinInput,
  type Application,
  type PolicyCard,
  type VacancyCard,
  type VacancyFunnelView,
} from './recruitment';

/** Input schema and result type of every client → server request. */
export const requestSchemas = {
  'stage:join': StageJoinInput,
  'stage:watch': StageWatchInput,
  'transport:create': TransportCreateInput,
  'transport:connect': TransportConnectInput,
  'producer:create': ProducerCreateInput,
  'consumer:create': ConsumerCreateInput,
  'consumer:resume': ConsumerResumeInput,
  'transport:restartIce': TransportIdInput,
  'transport:close': TransportIdInput,
  'producer:pause': ProducerIdInput,
  'producer:resume': ProducerIdInput,
  'producer:close': ProducerIdInput,
  'viewer:preferences': ViewerPreferencesInput,
  'hand:raise': HandRaiseInput,
  'stage:invite': InviteInput,
  'stage:inviteRevoke': InviteRevokeInput,
  'stage:promote': PeerIdInput,
  'stage:remove': PeerIdInput,
  'stage:leave': EmptyInput,
  'stage:end': EmptyInput,
  'vacancy:pin': VacancyPinInput,
  'vacancy:unpin': EmptyInput,
  'policy:pin': PolicyPinInput,
  'policy:unpin': EmptyInput,
  'card:event': CardEventInput,
  'funnel:get': EmptyInput,
  'console:subscribe': ConsoleSubscribeInput,
  'program:spotlight': SpotlightInput,
  'chat:send': ChatSendInput,
  'chat:history': EmptyInput,
  'chat:held': EmptyInput,
  'chat:delete': MessageIdInput,
  'chat:approve': MessageIdInput,
  'chat:mute': MuteInput,
  'chat:ban': AuthorIdInput,
  'chat:slowMode': SlowModeInput,
  'caption:send': CaptionInput,
  'caption:history': EmptyInput,
  'question:ask': QuestionAskInput,
  'question:vote': QuestionIdInput,
  'question:answer': QuestionAnswerInput,
  'question:list': QuestionListInput,
  'application:submit': ApplyInput,
  'applications:follow': ApplicationsFollowInput,
} satisfies Record<keyof RequestResults, z.ZodType>;

export interface RequestResults {
  'stage:join': StageJoinResult;
  /** Refused with SEATS_FULL when a viewer asks for WebRTC and no interactive seat is free. */
  'stage:watch': StageWatchResult;
  'transport:create': TransportOptions;
  'transport:connect': Empty;
  'producer:create': { producerId: ProducerId };
  'consumer:create': ConsumerOptions;
  'consumer:resume': Empty;
  'transport:restartIce': { iceParameters: TransportOptions['iceParameters'] };
  'transport:close': Empty;
  'producer:pause': Empty;
  'producer:resume': Empty;
  'producer:close': Empty;
  'viewer:preferences': Empty;
  'hand:raise': Empty;
  'stage:invite': InviteResult;
  /** The host withdraws an invite made in the studio: it stops working, whoever joined with it is let go. */
  'stage:inviteRevoke': Empty;
  'stage:promote': Empty;
  'stage:remove': Empty;
  'stage:leave': Empty;
  'stage:end': Empty;
  'vacancy:pin': { pinnedAt: string; seq: number };
  'vacancy:unpin': { seq: number };
  'policy:pin': { pinnedAt: string; seq: number };
  'policy:unpin': { seq: number };
  'card:event': Empty;
  'funnel:get': { funnel: VacancyFunnelView[] };
  'console:subscribe': { scope: 'bureau' | 'employer'; employerId: string | null };
  'program:spotlight': Empty;
  'chat:send': { message: ChatMessageView };
  'chat:history': { messages: ChatMessageView[]; slowModeSeconds: number; moderator: boolean; you: string };
  'chat:held': { messages: ChatMessageView[] };
  'chat:delete': Empty;
  'chat:approve': Empty;
  'chat:mute': Empty;
  'chat:ban': Empty;
  'chat:slowMode': Empty;
  'caption:send': { seq: number };
  'caption:history': { captions: Caption[] };
  'question:ask': { question: Question };
  'question:vote': { question: Question };
  'question:answer': { question: Question };
  'question:list': { questions: Question[] };
  /**
   * The viewer page's apply, over the socket it holds: the same path, limits and answer as
   * POST /api/applications (one application per idempotency key whichever door it took),
   * acknowledged once the application is on disk.
   */
  'application:submit': ApplyReceipt;
  /** Joins the page to its own applications' moves (see `application:status`); again after each reconnect. */
  'applications:follow': ApplicationsFollowing;
}

export type Empty = Record<string, never>;

export type RequestName = keyof RequestResults;
export type RequestInput<K extends RequestName> = z.input<(typeof requestSchemas)[K]>;

export type ClientToServerEvents = {
  [K in RequestName]: (input: RequestInput<K>, ack: AckCallback<RequestResults[K]>) => void;
};

export interface ServerToClientEvents {
  'producer:added': (producer: ProducerInfo) => void;
  'producer:closed': (event: { producerId: ProducerId; peerId: PeerId }) => void;
  'producer:updated': (event: { producerId: ProducerId; paused: boolean }) => void;
  'stage:ended': (event: { reason: StageEndReason }) => void;
  /** To the host connection let go for a host login on another device or tab (see StageTakenOver). */
  'stage:takenOver': (event: StageTakenOver) => void;
  /**
   * To one person: the media server under their place died and their router was re-created on
   * another. Their transports are gone: set up media again (re-publish, re-consume these producers).
   */
  'media:moved': (event: { routerRtpCapabilities: RtpCapabilities; producers: ProducerInfo[] }) => void;
  /**
   * To the session's lobby (connections told SESSION_NOT_LIVE): it is live now. Join again at a
   * random moment within `spreadMs`, so that a waiting crowd does not arrive in one instant.
   */
  'stage:opened': (event: { sessionId: string; spreadMs: number }) => void;
  'stage:roster': (roster: RosterView) => void;
  /** To the host only: viewers who raised a hand. */
  'stage:hands': (event: { hands: Participant[] }) => void;
  /** To one person: the host brought them on stage or took them off. */
  'stage:roleChanged': (event: { role: StageRole }) => void;
  'speaker:changed': (event: { peerId: PeerId | null }) => void;
  caption: (caption: Caption) => void;
  /** A question was asked, voted on or answered: to the session, and to the vacancy's employer. */
  'question:changed': (event: { question: Question; change: 'asked' | 'voted' | 'answered' }) => void;
  'chat:message': (message: ChatMessageView) => void;
  'chat:deleted': (event: { messageIds: string[] }) => void;
  /** To moderators: a message the scam guard held for review. */
  'chat:heldMessage': (message: ChatMessageView) => void;
  'chat:slowMode': (event: { seconds: number }) => void;
  /** The session's HLS playlists can be played now. */
  'stage:hls': (event: { url: string }) => void;
  /**
   * Pin-board changes, each with the board's sequence number (drop one not newer than what you
   * have). A pin replaces what was pinned of its kind: moving to the next vacancy is one event.
   */
  'vacancy:pinned': (event: { vacancy: VacancyCard; pinnedAt: string; seq: number }) => void;
  'vacancy:unpinned': (event: { vacancyId: string; unpinnedAt: string; seq: number }) => void;
  'policy:pinned': (event: { policy: PolicyCard; pinnedAt: string; seq: number }) => void;
  'policy:unpinned': (event: { policyId: string; unpinnedAt: string; seq: number }) => void;
  /** To the host, at most once a second: the live funnel of each vacancy that changed. */
  'funnel:updated': (event: { funnel: VacancyFunnelView[] }) => void;
  /** To the consoles allowed to see it: the bureau, and the employer of the vacancy. */
  'application:created': (application: Application) => void;
  'application:updated': (application: Application) => void;
  /** To the pages following this application (its applicant's, proved by its key): where it stands now, nothing else. */
  'application:status': (event: { id: string; status: ApplicationStatus }) => void;
}
