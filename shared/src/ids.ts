import { z } from 'zod';

const id = z.string().min(1).max(64);

export const SessionId = id.brand<'SessionId'>();
export type SessionId = z.infer<typeof SessionId>;
export const PeerId = id.brand<'PeerId'>();
export type PeerId = z.infer<typeof PeerId>;
export const TransportId = id.brand<'TransportId'>();
export type TransportId = z.infer<typeof TransportId>;
export const ProducerId = id.brand<'ProducerId'>();
export type ProducerId = z.infer<typeof ProducerId>;
export const ConsumerId = id.brand<'ConsumerId'>();
export type ConsumerId = z.infer<typeof ConsumerId>;
