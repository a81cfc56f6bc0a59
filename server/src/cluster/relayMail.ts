import { z } from 'zod';
import { PeerId, ProducerId, SessionId } from '@chunfeng/shared/ids';
import { PipeEnd, RelayedProducer } from '../media/edgeRelay';

/** The mail between an origin (the node holding a stage) and the edge nodes relaying it. */
export const RelayId = z.string().uuid();
export const OpenMail = z.strictObject({ sessionId: SessionId, relayId: RelayId, end: PipeEnd });
export const OpenReply = z.strictObject({ end: PipeEnd, producers: z.array(RelayedProducer).max(64) });
export const RelayMail = z.strictObject({ relayId: RelayId });
export const ProduceMail = z.strictObject({ relayId: RelayId, producer: RelayedProducer });
export const UnproduceMail = z.strictObject({ relayId: RelayId, producerId: ProducerId });
export const PauseMail = z.strictObject({ relayId: RelayId, producerId: ProducerId, paused: z.boolean() });
export const SeatMail = z.strictObject({ sessionId: SessionId, peerId: PeerId, connection: z.string().min(1).max(64), phone: z.string().min(1).max(200) });
export const UnseatMail = z.strictObject({ sessionId: SessionId, peerId: PeerId, connection: z.string().min(1).max(64) });
