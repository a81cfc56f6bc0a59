import type { Caption } from '@chunfeng/shared/stage';
import { KeyedQueue } from '../domain/keyedQueue';
import type { JobStore } from '../store/jobStore';

/**
 * A session's captions, kept in the job store as each is sent (before anyone hears it), so that a
 * late viewer on any node, a stage reopened on another node after its owner died and the replay all
 * have every line. The lines of one session are announced in the order of their numbers.
 */
export class Captions {
  readonly #store: JobStore;
  readonly #now: () => Date;
  readonly #announcements = new KeyedQueue();

  constructor({ store, now = () => new Date() }: { store: JobStore; now?: () => Date }) {
    this.#store = store;
    this.#now = now;
  }

  /**
   * Stores a line, then hands it to `announce`, in the order lines were added; resolves with it once
   * both are done. Writes leave at once (the store numbers them in the order they arrive and commits
   * lines sent together at once); only the announcements wait their turn.
   */
  add(sessionId: string, text: string, announce: (caption: Caption) => void): Promise<Caption> {
    const written = this.#store.appendCaption(sessionId, { text, at: this.#now().toISOString() });
    return this.#announcements.run(sessionId, async () => {
      const caption = await written;
      announce(caption);
      return caption;
    });
  }

  /** Sessions whose announcements are queued now. */
  held(): number {
    return this.#announcements.size;
  }

  /** The last `last` lines, for someone arriving late. */
  recent(sessionId: string, last: number): Promise<Caption[]> {
    return this.#store.listCaptions(sessionId, last);
  }

  /** Every line of the session, for its replay. */
  all(sessionId: string): Promise<Caption[]> {
    return this.#store.listCaptions(sessionId);
  }
}
