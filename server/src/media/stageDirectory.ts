import type { SessionId } from '@chunfeng/shared/ids';
import type { StageEndReason } from '@chunfeng/shared/stage';
import type { SessionModeration } from '../domain/moderation';
import type { Logger } from '../logger';
import { LiveStage } from './liveStage';
import { StageRoom } from './stageRoom';
import type { WorkerPool } from './workerPool';

export interface StageDirectoryOptions {
  pool: WorkerPool;
  logger: Logger;
  maxConsumersPerRouter?: number;
  graceMs?: number;
  /** Viewers on WebRTC at once in one session; the rest watch HLS. */
  interactiveSeats?: number;
  /** How long a seat reserved by switching to WebRTC waits for the receive transport. */
  seatHoldMs?: number;
  /** Loads a session's stored moderation (bans, mutes, slow mode) as its stage opens. */
  loadModeration?: (sessionId: SessionId) => Promise<SessionModeration>;
  /**
   * Runs first when a stage opens: takes the session's stage lease and returns its epoch (the stage
   * knows it); a rejection (another node holds it, Redis away) stops the opening.
   */
  beforeOpen?: (sessionId: SessionId) => Promise<number>;
}

/** The live stages of this node, one per session, opened by the host and forgotten once closed. */
export class StageDirectory {
  readonly #options: StageDirectoryOptions;
  readonly #stages = new Map<SessionId, Promise<LiveStage>>();
  readonly #openListeners: Array<(stage: LiveStage) => void> = [];

  constructor(options: StageDirectoryOptions) {
    this.#options = options;
  }

  /** Calls `listener` once for every stage opened from now on, before anyone has joined it. */
  onOpen(listener: (stage: LiveStage) => void): void {
    this.#openListeners.push(listener);
  }

  get(sessionId: SessionId): Promise<LiveStage> | undefined {
    return this.#stages.get(sessionId);
  }

  /** The session's stage, opened on the least-loaded worker if it is not live yet. */
  open(sessionId: SessionId): Promise<LiveStage> {
    const existing = this.#stages.get(sessionId);
    if (existing) return existing;
    const { pool, logger, maxConsumersPerRouter, graceMs, interactiveSeats, seatHoldMs, loadModeration, beforeOpen } = this.#options;
    // The stored moderation is loaded before the room opens: nobody joins a stage whose bans are not known.
    const opening = (async () => {
      const epoch = await beforeOpen?.(sessionId);
      const moderation = await loadModeration?.(sessionId);
      const room = await StageRoom.open({
        sessionId,
        pool,
        logger,
        ...(maxConsumersPerRouter !== undefined ? { maxConsumersPerRouter } : {}),
      });
      const stage = new LiveStage({
        room,
        ...(epoch !== undefined ? { epoch } : {}),
        ...(graceMs !== undefined ? { graceMs } : {}),
        ...(interactiveSeats !== undefined ? { interactiveSeats } : {}),
        ...(seatHoldMs !== undefined ? { seatHoldMs } : {}),
        ...(moderation ? { moderation } : {}),
      });
      room.once('close', () => this.#stages.delete(sessionId));
      for (const listener of this.#openListeners) listener(stage);
      return stage;
    })();
    this.#stages.set(sessionId, opening);
    opening.catch(() => this.#stages.delete(sessionId));
    return opening;
  }

  /** The stages open (or opening) here, by session. */
  sessions(): SessionId[] {
    return [...this.#stages.keys()];
  }

  get size(): number {
    return this.#stages.size;
  }

  async closeAll(reason: StageEndReason): Promise<void> {
    const stages = await Promise.allSettled([...this.#stages.values()]);
    for (const s of stages) if (s.status === 'fulfilled') s.value.room.close(reason);
  }
}
