import type { SessionId } from '@chunfeng/shared/ids';
import type { StageEndReason } from '@chunfeng/shared/stage';
import type { Logger } from '../logger';
import { StageRoom } from './stageRoom';
import type { WorkerPool } from './workerPool';

/** The live stages of this node, one per session, opened by the host and forgotten once closed. */
export class StageDirectory {
  readonly #pool: WorkerPool;
  readonly #logger: Logger;
  readonly #rooms = new Map<SessionId, Promise<StageRoom>>();
  readonly #openListeners: Array<(room: StageRoom) => void> = [];

  constructor({ pool, logger }: { pool: WorkerPool; logger: Logger }) {
    this.#pool = pool;
    this.#logger = logger;
  }

  /** Calls `listener` once for every room opened from now on, before anyone has joined it. */
  onOpen(listener: (room: StageRoom) => void): void {
    this.#openListeners.push(listener);
  }

  get(sessionId: SessionId): Promise<StageRoom> | undefined {
    return this.#rooms.get(sessionId);
  }

  /** The session's room, opened on the least-loaded worker if it is not live yet. */
  open(sessionId: SessionId): Promise<StageRoom> {
    const existing = this.#rooms.get(sessionId);
    if (existing) return existing;
    const opening = StageRoom.open({ sessionId, pool: this.#pool, logger: this.#logger }).then((room) => {
      for (const listener of this.#openListeners) listener(room);
      return room;
    });
    this.#rooms.set(sessionId, opening);
    opening.then(
      (room) => room.once('close', () => this.#rooms.delete(sessionId)),
      () => this.#rooms.delete(sessionId),
    );
    return opening;
  }

  get size(): number {
    return this.#rooms.size;
  }

  async closeAll(reason: StageEndReason): Promise<void> {
    const rooms = await Promise.allSettled([...this.#rooms.values()]);
    for (const r of rooms) if (r.status === 'fulfilled') r.value.close(reason);
  }
}
