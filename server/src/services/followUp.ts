import type { Application, MyApplicationView } from '@chunfeng/shared/recruitment';
import { applicantView, followUpView, hashKey, keyMatches, moveApplication, type ApplicationRecord } from '../domain/applications';
import { DomainError } from '../domain/errors';
import type { ApplicationFilter, ApplicationPageQuery, JobStore } from '../store/jobStore';
import type { Actor } from './recruitment';

/**
 * What happens to an application once it is stored: the bureau and the vacancy's employer list it,
 * read it and move its status (an employer only its own employer's applicants); the applicant checks
 * it or withdraws it, proving it is them with the idempotency key only their device holds. Every
 * change is a compare-and-swap in the store and is announced through `updated`.
 */
export class ApplicationFollowUp {
  readonly #store: JobStore;
  readonly #now: () => Date;
  readonly #updated: (application: ApplicationRecord) => void;

  constructor({ store, now, updated }: { store: JobStore; now: () => Date; updated: (application: ApplicationRecord) => void }) {
    this.#store = store;
    this.#now = now;
    this.#updated = updated;
  }

  /** The applicant's own view of what they applied with `idempotencyKey` (and, when given, under that id). */
  async mine(idempotencyKey: string, id?: string): Promise<MyApplicationView | undefined> {
    const keyHash = hashKey(idempotencyKey);
    const own = await this.#store.applicationByKey(keyHash);
    if (own) return id === undefined || own.id === id ? applicantView(own) : undefined;
    const receipt = await this.#store.get('receipt', keyHash);
    if (!receipt || (id !== undefined && receipt.receiptId !== id)) return undefined;
    return { id: receipt.receiptId, vacancyId: receipt.vacancyId, status: receipt.status, createdAt: receipt.createdAt };
  }

  /**
   * Of these (id, key) pairs, the applications each key proves, as they stand: what an applicant's
   * page may follow live. A key that holds only a receipt (a repeat under another key) proves no
   * application: whatever happens to the stored one is not that page's to hear.
   */
  async following(items: ReadonlyArray<{ id: string; idempotencyKey: string }>): Promise<Array<{ id: string; status: Application['status'] }>> {
    const unique = [...new Map(items.map((i) => [i.id, i])).values()];
    const found = await Promise.all(
      unique.map(async ({ id, idempotencyKey }) => {
        const own = await this.#store.applicationByKey(hashKey(idempotencyKey));
        return own?.id === id ? { id, status: own.status } : undefined;
      }),
    );
    return found.filter((a) => a !== undefined);
  }

  /** One page, newest first, of the applications the actor may see; `next` goes on below it. */
  async page(actor: Actor, query: ApplicationPageQuery): Promise<{ applications: Application[]; next: number | undefined }> {
    const { applications, next } = await this.#store.pageApplications({ ...query, ...(await this.#scope(actor, query)) });
    return { applications: applications.map(followUpView), next };
  }

  /**
   * Where the actor's change log is now: a console asks for what changed since (see `changes`). An
   * employer's is its own log's position, which no other employer's activity moves.
   */
  async changesNow(actor: Actor): Promise<string> {
    const of = actor.kind === 'employer' ? { employerId: actor.employerId } : undefined;
    return (await this.#store.applicationChanges(undefined, 1, of)).position;
  }

  /**
   * The applications the actor may see that were created or changed after `after` (a position from
   * `changesNow` or an earlier call), each as it is now, in the order of their latest change. An
   * employer's are read from its own change log: no other employer's change is read or skipped, so
   * neither the answer, nor its position, nor `more` tells it whether others had any.
   */
  async changes(actor: Actor, after: string, limit: number): Promise<{ applications: Application[]; position: string; more: boolean }> {
    const of = actor.kind === 'employer' ? { employerId: actor.employerId } : undefined;
    const { ids, position, more } = await this.#store.applicationChanges(after, limit, of);
    const records = await Promise.all(ids.map((id) => this.#store.getApplication(id)));
    const visible = records.filter((a): a is ApplicationRecord => a !== undefined && (actor.kind !== 'employer' || a.employerId === actor.employerId));
    return { applications: visible.map(followUpView), position, more };
  }

  /** The filter narrowed to what the actor may see: an employer, only its own applicants. */
  async #scope<F extends ApplicationFilter>(actor: Actor, filter: F): Promise<F> {
    if (actor.kind !== 'employer') return filter;
    if (filter.employerId && filter.employerId !== actor.employerId) {
      throw new DomainError('FORBIDDEN', "another employer's applicants are not yours to see");
    }
    if (filter.vacancyId) {
      const vacancy = await this.#store.get('vacancy', filter.vacancyId);
      if (!vacancy) throw new DomainError('NOT_FOUND', 'no such vacancy');
      if (vacancy.employerId !== actor.employerId) throw new DomainError('FORBIDDEN', "another employer's applicants are not yours to see");
    }
    return { ...filter, employerId: actor.employerId };
  }

  async get(actor: Actor, id: string): Promise<Application> {
    const application = await this.#store.getApplication(id);
    if (!application) throw new DomainError('NOT_FOUND', 'no such application');
    this.#assertMayFollowUp(actor, application);
    return followUpView(application);
  }

  async changeStatus(actor: Actor, id: string, { status, note }: { status: Application['status']; note: string }): Promise<Application> {
    await this.get(actor, id);
    const by = actor.kind === 'bureau' ? `bureau:${actor.name}` : `employer:${actor.id}`;
    const next = await this.#store.updateApplication(id, (current) => moveApplication(current, { status, by, note, at: this.#now().toISOString() }));
    this.#updated(next);
    return followUpView(next);
  }

  /** The applicant withdraws, proving it is them with the idempotency key only their device holds. */
  async withdraw(id: string, idempotencyKey: string): Promise<MyApplicationView> {
    const application = await this.#store.getApplication(id);
    if (!application || !keyMatches(application, idempotencyKey)) {
      // A receipt (a repeat under another key) is withdrawn as its holder sees it; the stored application is not touched.
      const receipt = await this.#store.get('receipt', hashKey(idempotencyKey));
      if (!receipt || receipt.receiptId !== id) throw new DomainError('NOT_FOUND', 'no such application');
      if (receipt.status !== 'withdrawn') await this.#store.put('receipt', { ...receipt, status: 'withdrawn' });
      return { id: receipt.receiptId, vacancyId: receipt.vacancyId, status: 'withdrawn', createdAt: receipt.createdAt };
    }
    const next = await this.#store.updateApplication(id, (current) =>
      moveApplication(current, { status: 'withdrawn', by: 'applicant', note: '', at: this.#now().toISOString() }),
    );
    this.#updated(next);
    return applicantView(next);
  }

  /** Another employer's application is answered as one that does not exist: its id is not confirmed either. */
  #assertMayFollowUp(actor: Actor, application: ApplicationRecord): void {
    if (actor.kind === 'employer' && application.employerId !== actor.employerId) {
      throw new DomainError('NOT_FOUND', 'no such application');
    }
  }
}
