import type { PeerId } from '@chunfeng/shared/ids';
import type { Participant, StageRole } from '@chunfeng/shared/stage';
import { DomainError } from './errors';

/**
 * Who is in a live session and in what role: the host, co-hosts on stage (employer reps, the
 * interpreter), and viewers, some with a raised hand. Pure bookkeeping; media follows its decisions.
 */
export class StageRoster {
  readonly #participants = new Map<PeerId, Participant>();
  /** Those on stage (a handful) and the number of viewers, kept as they change: reading the roster never walks the audience. */
  readonly #onStage = new Map<PeerId, Participant>();
  #viewers = 0;
  readonly #maxCohosts: number;

  constructor({ maxCohosts = 6 }: { maxCohosts?: number } = {}) {
    this.#maxCohosts = maxCohosts;
  }

  add({ peerId, role, displayName }: { peerId: PeerId; role: StageRole; displayName: string }): Participant {
    if (role === 'cohost' || role === 'interpreter') this.#assertSeatFree();
    const participant: Participant = { peerId, role, displayName, handRaised: false };
    this.#participants.set(peerId, participant);
    this.#placed(participant);
    return participant;
  }

  remove(peerId: PeerId): Participant | undefined {
    const participant = this.#participants.get(peerId);
    if (participant) this.#unplaced(participant);
    this.#participants.delete(peerId);
    return participant;
  }

  get(peerId: PeerId): Participant {
    const participant = this.#participants.get(peerId);
    if (!participant) throw new DomainError('NOT_FOUND', 'that person is not in this session');
    return participant;
  }

  has(peerId: PeerId): boolean {
    return this.#participants.has(peerId);
  }

  assertHost(peerId: PeerId): void {
    if (this.#participants.get(peerId)?.role !== 'host') {
      throw new DomainError('FORBIDDEN', 'only the host can do that');
    }
  }

  /** Raises or lowers a viewer's hand; says whether that changed anything. */
  raiseHand(peerId: PeerId, raised: boolean): boolean {
    const participant = this.get(peerId);
    if (participant.role !== 'viewer') throw new DomainError('CONFLICT', 'already on stage');
    if (participant.handRaised === raised) return false;
    participant.handRaised = raised;
    return true;
  }

  /** The host brings a viewer who raised a hand onto the stage. */
  promote(by: PeerId, peerId: PeerId): Participant {
    this.assertHost(by);
    const participant = this.get(peerId);
    if (participant.role !== 'viewer') throw new DomainError('CONFLICT', 'already on stage');
    if (!participant.handRaised) throw new DomainError('CONFLICT', 'only a viewer who raised a hand can be invited up');
    this.#assertSeatFree();
    this.#unplaced(participant);
    participant.role = 'cohost';
    participant.handRaised = false;
    this.#placed(participant);
    return participant;
  }

  /** The host takes someone off the stage; they stay as a viewer. */
  demote(by: PeerId, peerId: PeerId): Participant {
    this.assertHost(by);
    const participant = this.get(peerId);
    if (participant.role === 'host') throw new DomainError('FORBIDDEN', 'the host cannot be removed from the stage');
    if (participant.role === 'viewer') throw new DomainError('CONFLICT', 'that person is not on stage');
    this.#unplaced(participant);
    participant.role = 'viewer';
    this.#placed(participant);
    return participant;
  }

  /** Marks the person's connection as dropped (their place held) or back; true when that changed. */
  setAway(peerId: PeerId, away: boolean): boolean {
    const participant = this.#participants.get(peerId);
    if (!participant || Boolean(participant.away) === away) return false;
    if (away) participant.away = true;
    else delete participant.away;
    return true;
  }

  onStage(): Participant[] {
    return [...this.#onStage.values()].map((p) => ({ ...p }));
  }

  hands(): Participant[] {
    return [...this.#participants.values()].filter((p) => p.role === 'viewer' && p.handRaised).map((p) => ({ ...p }));
  }

  get viewerCount(): number {
    return this.#viewers;
  }

  #placed(participant: Participant): void {
    if (participant.role === 'viewer') this.#viewers += 1;
    else this.#onStage.set(participant.peerId, participant);
  }

  #unplaced(participant: Participant): void {
    if (participant.role === 'viewer') this.#viewers -= 1;
    else this.#onStage.delete(participant.peerId);
  }

  #assertSeatFree(): void {
    const cohosts = [...this.#onStage.values()].filter((p) => p.role === 'cohost' || p.role === 'interpreter').length;
    if (cohosts >= this.#maxCohosts) throw new DomainError('CONFLICT', 'every seat on stage is taken');
  }
}
