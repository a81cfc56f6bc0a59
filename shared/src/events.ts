import type { z } from 'zod';
import type { AckCallback } from './ack';
import type { PeerId, ProducerId } from './ids';
import {
  ConsumerCreateInput,
  ConsumerResumeInput,
  EmptyInput,
  HandRaiseInput,
  PeerIdInput,
  ProducerCreateInput,
  ProducerIdInput,
  StageJoinInput,
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
  type StageJoinResult,
  type StageRole,
} from './stage';
import type { TransportOptions } from './webrtc';

/** Input schema and result type of every client → server request. */
export const requestSchemas = {
  'stage:join': StageJoinInput,
  'transport:create': TransportCreateInput,
  'transport:connect': TransportConnectInput,
  'producer:create': ProducerCreateInput,
  'consumer:create': ConsumerCreateInput,
  'consumer:resume': ConsumerResumeInput,
  'transport:restartIce': TransportIdInput,
  'producer:pause': ProducerIdInput,
  'producer:resume': ProducerIdInput,
  'producer:close': ProducerIdInput,
  'viewer:preferences': ViewerPreferencesInput,
  'hand:raise': HandRaiseInput,
  'stage:invite': EmptyInput,
  'stage:promote': PeerIdInput,
  'stage:remove': PeerIdInput,
  'stage:leave': EmptyInput,
  'stage:end': EmptyInput,
} satisfies Record<keyof RequestResults, z.ZodType>;

export interface RequestResults {
  'stage:join': StageJoinResult;
  'transport:create': TransportOptions;
  'transport:connect': Empty;
  'producer:create': { producerId: ProducerId };
  'consumer:create': ConsumerOptions;
  'consumer:resume': Empty;
  'transport:restartIce': { iceParameters: TransportOptions['iceParameters'] };
  'producer:pause': Empty;
  'producer:resume': Empty;
  'producer:close': Empty;
  'viewer:preferences': Empty;
  'hand:raise': Empty;
  'stage:invite': InviteResult;
  'stage:promote': Empty;
  'stage:remove': Empty;
  'stage:leave': Empty;
  'stage:end': Empty;
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
  'stage:roster': (roster: RosterView) => void;
  /** To the host only: viewers who raised a hand. */
  'stage:hands': (event: { hands: Participant[] }) => void;
  /** To one person: the host brought them on stage or took them off. */
  'stage:roleChanged': (event: { role: StageRole }) => void;
  'speaker:changed': (event: { peerId: PeerId | null }) => void;
}
