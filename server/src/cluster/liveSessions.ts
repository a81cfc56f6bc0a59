import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import { StoreError } from '../store/storeError';
import type { RecruitmentService } from '../services/recruitment';
import type { StageLeases } from './stageLease';

/**
 * Keeps the lease of every stage open on this node: taken before the stage opens (so a session is
 * never marked live without one, and never opened on two nodes), renewed every third of its
 * lifetime, and let go only once the session's closing status is written (so no other node mistakes
 * a clean close for a dead node).
 */
export class StageHeartbeats {
  readonly #leases: StageLeases;
  readonly #logger: Logger;
  readonly #onRetaken: (sessionId: string, epoch: number) => void;
  readonly #releasing = new Set<Promise<void>>();

  constructor({ leases, logger, onRetaken }: { leases: StageLeases; logger: Logger; onRetaken: (sessionId: string, epoch: number) => void }) {
    this.#leases = leases;
    this.#logger = logger;
    this.#onRetaken = onRetaken;
  }

  /**
   * Before a stage opens: its epoch, or STAGE_ELSEWHERE naming the node that holds the stage (the
   * opening stops there). A failure to reach Redis stops the opening too (the host is told UNAVAILABLE).
   */
  async acquire(sessionId: string): Promise<number> {
    const outcome = await this.#leases.acquire(sessionId);
    if (outcome.taken) return outcome.epoch;
    throw stageElsewhere(outcome.holder.nodeId);
  }

  /** Renews the session's lease until `stop` is called; `onLost` runs once if another node took it meanwhile. */
  hold(sessionId: string, epoch: number, onLost: () => void): () => void {
    let stopped = false;
    const renew = (): void => {
      this.#leases.renew(sessionId, epoch).then(
        (outcome) => {
          if (stopped) return;
          // Expired while Redis was away and nobody took it since: still live here, same epoch.
          if (outcome === 'retaken') this.#onRetaken(sessionId, epoch);
          if (outcome === 'lost') {
            stop();
            this.#logger.warn({ sessionId, epoch }, 'this stage\'s lease was taken by another node; closing it here');
            onLost();
          }
        },
        (err: unknown) => quietWhenUnreachable(this.#logger, err, { sessionId }, 'could not renew the stage lease'),
      );
    };
    const timer = setInterval(renew, Math.max(100, Math.floor(this.#leases.ttlMs / 3)));
    timer.unref();
    const stop = (): void => {
      stopped = true;
      clearInterval(timer);
    };
    return stop;
  }

  /** Lets go of the lease (if still this epoch's) once `after` (the closing status write) has settled. */
  release(sessionId: string, epoch: number, after: Promise<unknown>): void {
    const releasing = after
      .catch(() => undefined)
      .then(() => this.#leases.release(sessionId, epoch))
      .catch((err: unknown) => this.#logger.warn({ err, sessionId }, 'could not release the stage lease; it expires by itself'))
      .finally(() => this.#releasing.delete(releasing));
    this.#releasing.add(releasing);
  }

  /** Lease releases under way. */
  get releasing(): number {
    return this.#releasing.size;
  }

  /** Waits for the releases under way (at shutdown, before the connection closes). */
  async settled(): Promise<void> {
    await Promise.all([...this.#releasing]);
  }
}

/** The session's stage is on another node: join through that one. */
export function stageElsewhere(nodeId: string): DomainError {
  return new DomainError('STAGE_ELSEWHERE', `this session's stage is on node ${nodeId}`, { node: nodeId });
}

/**
 * Sessions marked live whose stage heartbeat has expired were left by a node that died: they go back
 * to `scheduled` (as when a host's connection is gone for good), so the host can go live again.
 * Only the live sessions are read. Returns the sessions it changed.
 */
export async function reconcileLiveSessions({ service, leases }: { service: RecruitmentService; leases: StageLeases }): Promise<string[]> {
  const reconciled: string[] = [];
  // Read through the status index: a province's thousands of scheduled and ended sessions are not read.
  for (const session of await service.store.listByStatus('session', ['live'])) {
    // Changed since the index was read: another node's reconciler or a host's close got there first.
    if (session.status !== 'live') continue;
    if (await leases.holder(session.id)) continue;
    // Fenced on "nobody holds it": a host going live on some node meanwhile keeps the session live.
    if (await service.setSessionStatus(session.id, 'scheduled', { from: 'live', fence: { sessionId: session.id, epoch: null } }).then(() => true, refusedAsStale)) {
      reconciled.push(session.id);
    }
  }
  return reconciled;
}

/** Reconciles now and then every `intervalMs`, on every node; returns the stop function. */
export function reconcileEvery(intervalMs: number, options: { service: RecruitmentService; leases: StageLeases; logger: Logger; onReconciled?: (sessions: string[]) => void }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    reconcileLiveSessions(options)
      .then(
        (sessions) => {
          if (sessions.length === 0) return;
          options.logger.warn({ sessions }, 'sessions left live by a node that stopped were set back to scheduled');
          options.onReconciled?.(sessions);
        },
        (err: unknown) => quietWhenUnreachable(options.logger, err, {}, 'could not reconcile the live sessions'),
      )
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** A fenced write refused because the lease moved meanwhile is false; anything else is thrown again. */
function refusedAsStale(error: unknown): false {
  if (error instanceof DomainError && error.code === 'STAGE_ELSEWHERE') return false;
  throw error;
}

/** Redis being away is already logged once by its connection (every 10 s at most): here only at debug level. */
function quietWhenUnreachable(logger: Logger, err: unknown, context: object, message: string): void {
  if (err instanceof StoreError && err.reason === 'unreachable') logger.debug({ err: err.message, ...context }, message);
  else logger.warn({ err, ...context }, message);
}
