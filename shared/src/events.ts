import type { z } from 'zod';
import type { AckCallback } from './ack';
import type { PeerId, ProducerId } from './ids';
import {
  ConsumerCreateInput,
  ConsumerResumeInput,
  ProducerCreateInput,
  StageJoinInput,
  TransportConnectInput,
  TransportCreateInput,
  type ConsumerOptions,
  type ProducerInfo,
  type StageEndReason,
  type StageJoinResult,
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
} satisfies Record<keyof RequestResults, z.ZodType>;

export interface RequestResults {
  'stage:join': StageJoinResult;
  'transport:create': TransportOptions;
  'transport:connect': Record<string, never>;
  'producer:create': { producerId: ProducerId };
  'consumer:create': ConsumerOptions;
  'consumer:resume': Record<string, never>;
}

export type RequestName = keyof RequestResults;
export type RequestInput<K extends RequestName> = z.input<(typeof requestSchemas)[K]>;

export type ClientToServerEvents = {
  [K in RequestName]: (input: RequestInput<K>, ack: AckCallback<RequestResults[K]>) => void;
};

export interface ServerToClientEvents {
  'producer:added': (producer: ProducerInfo) => void;
  'producer:closed': (event: { producerId: ProducerId; peerId: PeerId }) => void;
  'stage:ended': (event: { reason: StageEndReason }) => void;
}
