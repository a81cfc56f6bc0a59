import type { RecruitmentService } from '../services/recruitment';
import { etagOf } from './cached';

/** A session's public document as served: its bytes and their strong ETag. */
export interface PublicDocument {
  body: Buffer;
  etag: string;
}

interface Entry {
  doc: Promise<PublicDocument>;
  builtAt: number;
  /** The ids whose change changes this document: the session, its lineup, their employers, what is pinned. */
  dependsOn: ReadonlySet<string>;
}

/**
 * The public session documents (`GET /api/public/sessions/:id`, every viewer page load), each built
 * once per change and served from memory. The service announces every change it writes (a catalog
 * edit, a pin, a status or lineup change, an answered question); a document whose content depends on
 * the changed id is dropped and built again by the next request. Its ETag is a hash of its bytes, so
 * it changes exactly when the content does. Nothing personal is in it: the service's public view.
 * With a store shared by several nodes, an edit made through another node is not announced here:
 * `maxAgeMs` then bounds how long a document is kept. At most `capacity` documents are kept (an ended
 * session's is still served, so it is not dropped at the end): past it the least recently read goes.
 */
export class PublicSessions {
  readonly #service: RecruitmentService;
  readonly #recorded: boolean;
  readonly #entries = new Map<string, Entry>();
  /** Raised by every change: a document built across a change is served once but not kept. */
  #generation = 0;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly capacity: number;

  constructor({ service, recorded, maxAgeMs = Infinity, now = Date.now, capacity = 1000 }: { service: RecruitmentService; recorded: boolean; maxAgeMs?: number; now?: () => number; capacity?: number }) {
    this.#service = service;
    this.capacity = capacity;
    this.#recorded = recorded;
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
    service.on('changed', (id) => this.#invalidate(id));
    service.questions.on('question', ({ question, change }) => {
      if (change === 'answered') this.#invalidate(question.vacancyId ?? question.sessionId);
    });
  }

  /** The document of a registered session (rejects with NOT_FOUND for an unknown one, never kept). */
  get(sessionId: string): Promise<PublicDocument> {
    const cached = this.#entries.get(sessionId);
    if (cached && this.#now() - cached.builtAt <= this.#maxAgeMs) {
      // Read again: the most recently read last, the first to go past the capacity first.
      this.#entries.delete(sessionId);
      this.#entries.set(sessionId, cached);
      return cached.doc;
    }
    const generation = this.#generation;
    const built = this.#build(sessionId);
    const doc = built.then(({ doc: d }) => d);
    const entry: Entry = { doc, builtAt: this.#now(), dependsOn: new Set([sessionId]) };
    this.#entries.delete(sessionId);
    this.#entries.set(sessionId, entry);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.capacity) break;
      this.#entries.delete(oldest);
    }
    built.then(
      ({ dependsOn }) => {
        if (this.#entries.get(sessionId) !== entry) return;
        if (generation !== this.#generation && this.#staleAfter(dependsOn, generation)) this.#entries.delete(sessionId);
        else entry.dependsOn = dependsOn;
      },
      () => {
        if (this.#entries.get(sessionId) === entry) this.#entries.delete(sessionId);
      },
    );
    return doc;
  }

  /**
   * The session's stage closed (here or on another node, whose writes this node was not told of):
   * its document is built again when next read.
   */
  drop(sessionId: string): void {
    this.#invalidate(sessionId);
  }

  /** Documents kept now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Ids changed since a generation, kept only while builds are in flight. */
  readonly #changes: Array<{ generation: number; id: string }> = [];

  #staleAfter(dependsOn: ReadonlySet<string>, generation: number): boolean {
    return this.#changes.some((c) => c.generation > generation && dependsOn.has(c.id));
  }

  #invalidate(id: string): void {
    this.#generation += 1;
    this.#changes.push({ generation: this.#generation, id });
    if (this.#changes.length > 1000) this.#changes.splice(0, this.#changes.length - 1000);
    for (const [sessionId, entry] of this.#entries) if (entry.dependsOn.has(id)) this.#entries.delete(sessionId);
  }

  async #build(sessionId: string): Promise<{ doc: PublicDocument; dependsOn: Set<string> }> {
    const view = await this.#service.publicSession(sessionId);
    const { session, vacancies, pinned } = view;
    const dependsOn = new Set<string>([
      sessionId,
      ...session.lineup.map((i) => i.id),
      ...vacancies.map((v) => v.employer.id),
      ...[pinned.vacancy?.id, pinned.vacancy?.employer.id, pinned.policy?.id].flatMap((id): string[] => (id === undefined ? [] : [id])),
    ]);
    const body = Buffer.from(JSON.stringify({ ...view, recorded: this.#recorded }));
    return { doc: { body, etag: etagOf(body) }, dependsOn };
  }
}
