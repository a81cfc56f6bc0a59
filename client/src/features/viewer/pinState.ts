import type { PinsNow, PolicyCard, VacancyCard } from '@chunfeng/shared/recruitment';

/**
 * What a page shows pinned, with the pin-board sequence number each kind was last set from. Events,
 * the join reply and the public document may arrive in any order (a join reply built before a pin
 * can land after that pin's event): whatever is not newer than what a kind has is dropped.
 */
export interface PinState {
  vacancy: VacancyCard | null;
  policy: PolicyCard | null;
  vacancySeq: number;
  policySeq: number;
}

export const noPins: PinState = { vacancy: null, policy: null, vacancySeq: -1, policySeq: -1 };

/** The whole board as of `seq` (a join or rejoin reply, the public document): each kind taken if newer. */
export function applySnapshot(state: PinState, { seq, vacancy, policy }: PinsNow): PinState {
  let next = state;
  if (seq > next.vacancySeq) next = { ...next, vacancy, vacancySeq: seq };
  if (seq > next.policySeq) next = { ...next, policy, policySeq: seq };
  return next;
}

/** One kind changed at `seq` (pinned: the card; unpinned: null); dropped unless newer. */
export function applyVacancy(state: PinState, seq: number, vacancy: VacancyCard | null): PinState {
  return seq > state.vacancySeq ? { ...state, vacancy, vacancySeq: seq } : state;
}

export function applyPolicy(state: PinState, seq: number, policy: PolicyCard | null): PinState {
  return seq > state.policySeq ? { ...state, policy, policySeq: seq } : state;
}
