import type { Application, ApplicationStatus, StatusChange } from '@chunfeng/shared/recruitment';
import { DomainError } from './errors';

/**
 * The follow-up pipeline: new → contacted → interviewing → hired / not suitable, forward only (a
 * step may be skipped), and withdrawn by the applicant at any point before a final outcome.
 */
const NEXT: Record<ApplicationStatus, readonly ApplicationStatus[]> = {
  new: ['contacted', 'interviewing', 'hired', 'not-suitable', 'withdrawn'],
  contacted: ['interviewing', 'hired', 'not-suitable', 'withdrawn'],
  interviewing: ['hired', 'not-suitable', 'withdrawn'],
  hired: [],
  'not-suitable': [],
  withdrawn: [],
};

export function canMove(from: ApplicationStatus, to: ApplicationStatus): boolean {
  return NEXT[from].includes(to);
}

/** Returns the application moved to `status`, with the change appended to its history. */
export function moveApplication(
  application: Application,
  { status, by, note, at }: { status: ApplicationStatus; by: string; note: string; at: string },
): Application {
  if (!canMove(application.status, status)) {
    throw new DomainError('CONFLICT', `an application that is ${application.status} cannot become ${status}`);
  }
  const change: StatusChange = { status, at, by, note };
  return { ...application, status, history: [...application.history, change] };
}
