export type FunnelStep = 'shown' | 'opened' | 'applied';

export interface FunnelCounts {
  shown: number;
  opened: number;
  applied: number;
}

export interface VacancyFunnel extends FunnelCounts {
  vacancyId: string;
  /** The last minutes, oldest first: what happened in each. */
  perMinute: Array<FunnelCounts & { minute: string }>;
}

const zero = (): FunnelCounts => ({ shown: 0, opened: 0, applied: 0 });

/** Live per-vacancy counts — card shown, card opened, applied — in total and per minute. */
export class Funnel {
  readonly #totals = new Map<string, FunnelCounts>();
  readonly #minutes = new Map<string, Map<string, FunnelCounts>>();
  readonly #keepMinutes: number;

  constructor({ keepMinutes = 60 }: { keepMinutes?: number } = {}) {
    this.#keepMinutes = keepMinutes;
  }

  count(vacancyId: string, step: FunnelStep, at: Date): void {
    const total = this.#totals.get(vacancyId) ?? zero();
    total[step] += 1;
    this.#totals.set(vacancyId, total);
    const minute = at.toISOString().slice(0, 16);
    let minutes = this.#minutes.get(vacancyId);
    if (!minutes) this.#minutes.set(vacancyId, (minutes = new Map<string, FunnelCounts>()));
    const bucket = minutes.get(minute) ?? zero();
    bucket[step] += 1;
    minutes.set(minute, bucket);
    while (minutes.size > this.#keepMinutes) minutes.delete(minutes.keys().next().value as string);
  }

  of(vacancyId: string): VacancyFunnel {
    const minutes = this.#minutes.get(vacancyId) ?? new Map<string, FunnelCounts>();
    return {
      vacancyId,
      ...(this.#totals.get(vacancyId) ?? zero()),
      perMinute: [...minutes].sort(([a], [b]) => a.localeCompare(b)).map(([minute, c]) => ({ minute, ...c })),
    };
  }

  all(): VacancyFunnel[] {
    return [...this.#totals.keys()].map((id) => this.of(id));
  }
}
