import type { SessionId } from '@chunfeng/shared/ids';
import type { Logger } from '../logger';
import type { LiveStage } from '../media/liveStage';
import type { StageDirectory } from '../media/stageDirectory';
import type { RecruitmentService } from '../services/recruitment';
import { stageElsewhere, type StageHeartbeats } from './liveSessions';
import type { StageFence, StageLeases } from './stageLease';

/**
 * The stages this node owns, by their lease: each one renews its lease while open, and closes at
 * once with `moved` when it learns another node holds the session's stage now (its renewal found the
 * lease taken, or a write fenced with its epoch was refused). A crew member joining here while another
 * node holds the stage is told STAGE_ELSEWHERE with that node's id, so there is never a second stage.
 */
export class StageOwnership {
  readonly #leases: StageLeases;
  readonly #heartbeats: StageHeartbeats;
  readonly #directory: StageDirectory;
  readonly #logger: Logger;
  /** The epoch of every stage open here. */
  readonly #held = new Map<string, number>();

  constructor({ leases, heartbeats, directory, service, logger }: { leases: StageLeases; heartbeats: StageHeartbeats; directory: StageDirectory; service: RecruitmentService; logger: Logger }) {
    this.#leases = leases;
    this.#heartbeats = heartbeats;
    this.#directory = directory;
    this.#logger = logger;
    service.on('fenceRefused', (fence) => this.#superseded(fence));
  }

  /**
   * Holds a stage that just opened here until it closes; `closed` runs as it closes with the write
   * about the session that closing needs (none when it moved: the new owner writes), after which
   * the lease is let go.
   */
  hold(stage: LiveStage, closed: (reason: string) => Promise<unknown>): void {
    const { sessionId, epoch } = stage;
    this.#held.set(sessionId, epoch);
    const stop = this.#heartbeats.hold(sessionId, epoch, () => stage.room.close('moved'));
    stage.room.once('close', (reason) => {
      stop();
      if (this.#held.get(sessionId) === epoch) this.#held.delete(sessionId);
      this.#heartbeats.release(sessionId, epoch, reason === 'moved' ? Promise.resolve() : closed(reason));
    });
  }

  /** Throws STAGE_ELSEWHERE when no stage of the session is open here and another node holds its lease. */
  async assertNotElsewhere(sessionId: SessionId): Promise<void> {
    if (this.#directory.get(sessionId)) return;
    const holder = await this.#leases.holder(sessionId);
    if (holder && holder.nodeId !== this.#leases.nodeId) throw stageElsewhere(holder.nodeId);
  }

  /** The node holding the session's stage when it is another one (whether it still runs or not). */
  async holderElsewhere(sessionId: SessionId): Promise<string | undefined> {
    if (this.#directory.get(sessionId)) return undefined;
    const holder = await this.#leases.holder(sessionId);
    return holder && holder.nodeId !== this.#leases.nodeId ? holder.nodeId : undefined;
  }

  /** The stages open here with their lease epochs (for /healthz). */
  held(): Array<{ sessionId: string; epoch: number }> {
    return [...this.#held].map(([sessionId, epoch]) => ({ sessionId, epoch }));
  }

  #superseded(fence: StageFence): void {
    const open = this.#directory.get(fence.sessionId as SessionId);
    if (!open || fence.epoch === null) return;
    void open.then(
      (stage) => {
        if (stage.closed || stage.epoch !== fence.epoch) return;
        this.#logger.warn({ sessionId: fence.sessionId, epoch: fence.epoch }, 'a write of this stage was refused: another node holds it now; closing it here');
        stage.room.close('moved');
      },
      () => undefined,
    );
  }
}
