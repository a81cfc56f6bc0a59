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
export const CampaignId = id.brand<'CampaignId'>();
export type CampaignId = z.infer<typeof CampaignId>;
export const EmployerId = id.brand<'EmployerId'>();
export type EmployerId = z.infer<typeof EmployerId>;
export const VacancyId = id.brand<'VacancyId'>();
export type VacancyId = z.infer<typeof VacancyId>;
export const PolicyId = id.brand<'PolicyId'>();
export type PolicyId = z.infer<typeof PolicyId>;
export const ApplicationId = id.brand<'ApplicationId'>();
export type ApplicationId = z.infer<typeof ApplicationId>;
