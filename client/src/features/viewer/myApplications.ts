import { useSyncExternalStore } from 'react';

/** What this device remembers of its applications: enough to show them and to withdraw later. */
export interface MyApplication {
  id: string;
  vacancyId: string;
  title: string;
  employer: string;
  idempotencyKey: string;
  at: string;
  /** Withdrawn from this phone: kept as a record, but it no longer stands for the vacancy (a new application may follow). */
  withdrawn?: boolean;
}

const KEY = 'chunfeng.myApplications';
const listeners = new Set<() => void>();
let cached: { raw: string | null; list: MyApplication[] } = { raw: null, list: [] };

function read(): MyApplication[] {
  const raw = localStorage.getItem(KEY);
  if (raw === cached.raw) return cached.list;
  let list: MyApplication[];
  try {
    const parsed: unknown = JSON.parse(raw ?? '[]');
    list = Array.isArray(parsed) ? (parsed as MyApplication[]) : [];
  } catch {
    list = [];
  }
  cached = { raw, list };
  return list;
}

export function myApplications(): MyApplication[] {
  return read();
}

/**
 * Remembers an application this phone made. An entry already stored for the same application is
 * kept as it is: its idempotency key is the only proof of ownership the server accepts (to show its
 * status and to withdraw it), and no later sheet's key may replace it.
 */
export function rememberApplication(a: MyApplication): void {
  const all = read();
  if (all.some((x) => x.id === a.id)) return;
  localStorage.setItem(KEY, JSON.stringify([a, ...all].slice(0, 100)));
  for (const listener of listeners) listener();
}

/** Notes that an application was withdrawn, so the vacancy can be applied for again. */
export function markWithdrawn(id: string): void {
  const all = read();
  if (!all.some((x) => x.id === id && !x.withdrawn)) return;
  localStorage.setItem(KEY, JSON.stringify(all.map((x) => (x.id === id ? { ...x, withdrawn: true } : x))));
  for (const listener of listeners) listener();
}

/** The vacancies this phone holds an application for that it has not withdrawn. */
export function appliedVacancies(list: readonly MyApplication[]): Set<string> {
  return new Set(list.filter((a) => !a.withdrawn).map((a) => a.vacancyId));
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab of this phone applied.
  const onStorage = (e: StorageEvent): void => {
    if (e.key === KEY || e.key === null) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** The applications stored on this phone, newest first; re-renders when one is added. */
export function useMyApplications(): MyApplication[] {
  return useSyncExternalStore(subscribe, read);
}
