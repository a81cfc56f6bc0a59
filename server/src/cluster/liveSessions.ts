import type { Logger } from '../logger';
import { StoreError } from '../store/storeError';
import type { RecruitmentService } from '../services/recruitment';
import type { StageLeases } from './stageLease';

/**
 * Keeps the heartbeat of every stage open on this node: taken before the stage opens (so a session
 * is never marked live without one), renewed every third of its lifetime, and let go only once the
 * session's closing status is written (so no other node mistakes a clean close for a dead node).
 */
export class StageHeartbeats {
  readonly #leases: StageLeases;
  readonly #logger: Logger;
  readonly #onRetaken: (sessionId: string) => void;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #releasing = new Set<Promise<void>>();

  constructor({ leases, logger, onRetaken }: { leases: StageLeases; logger: Logger; onRetaken: (sessionId: string) => void }) {
    this.#leases = leases;
    this.#logger = logger;
    this.#onRetaken = onRetaken;
  }

  /** Before a stage opens; a failure to reach Redis stops the opening (the host is told UNAVAILABLE). */
  async acquire(sessionId: string): Promise<void> {
    if (await this.#leases.acquire(sessionId)) return;
    const holder = await this.#leases.holder(sessionId).catch(() => undefined);
    // Two stages for one session is what issue 13's fenced lease removes; until then, say so.
    this.#logger.warn({ sessionId, holder }, 'this session has a live stage on another node too');
  }

  /** Renews the session's heartbeat until `stop` is called. */
  hold(sessionId: string): () => void {
    const renew = (): void => {
      this.#leases.renew(sessionId).then(
        (outcome) => {
          // Expired while Redis was away (another node may have reconciled the session): still live here.
          if (outcome === 'retaken') this.#onRetaken(sessionId);
        },
        (err: unknown) => quietWhenUnreachable(this.#logger, err, { sessionId }, 'could not renew the stage heartbeat'),
      );
    };
    const timer = setInterval(renew, Math.max(100, Math.floor(this.#leases.ttlMs / 3)));
    timer.unref();
    this.#timers.set(sessionId, timer);
    return () => {
      clearInterval(timer);
      if (this.#timers.get(sessionId) === timer) this.#timers.delete(sessionId);
    };
  }

  /** Lets go of the heartbeat once `after` (the closing status write) has settled. */
  release(sessionId: string, after: Promise<unknown>): void {
    const releasing = after
      .catch(() => undefined)
      .then(() => this.#leases.release(sessionId))
      .catch((err: unknown) => this.#logger.warn({ err, sessionId }, 'could not release the stage heartbeat; it expires by itself'))
      .finally(() => this.#releasing.delete(releasing));
    this.#releasing.add(releasing);
  }

  /** Waits for the releases under way (at shutdown, before the connection closes). */
  async settled(): Promise<void> {
    await Promise.all([...this.#releasing]);
  }
}

/**
 * Sessions marked live whose stage heartbeat has expired were left by a node that died: they go back
 * to `scheduled` (as when a host's connection is gone for good), so the host can go live again.
 * Returns the sessions it changed.
 */
export async function reconcileLiveSessions({ service, leases }: { service: RecruitmentService; leases: StageLeases }): Promise<string[]> {
  const reconciled: string[] = [];
  for (const session of await service.store.list('session')) {
    if (session.status !== 'live') continue;
    if (await leases.holder(session.id)) continue;
    await service.setSessionStatus(session.id, 'scheduled', { from: 'live' });
    reconciled.push(session.id);
  }
  return reconciled;
}

/** Reconciles now and then every `intervalMs`, on every node; returns the stop function. */
export function reconcileEvery(intervalMs: number, options: { service: RecruitmentService; leases: StageLeases; logger: Logger }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    reconcileLiveSessions(options)
      .then(
        (sessions) => {
          if (sessions.length > 0) options.logger.warn({ sessions }, 'sessions left live by a node that stopped were set back to scheduled');
        },
        (err: unknown) => quietWhenUnreachable(options.logger, err, {}, 'could not reconcile the live sessions'),
      )
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Redis being away is already logged once by its connection (every 10 s at most): here only at debug level. */
function quietWhenUnreachable(logger: Logger, err: unknown, context: object, message: string): void {
  if (err instanceof StoreError && err.reason === 'unreachable') logger.debug({ err: err.message, ...context }, message);
  else logger.warn({ err, ...context }, message);
}
