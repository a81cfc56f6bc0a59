import { createContext, use, useCallback, useEffect, useState, type ReactNode } from 'react';
import type { Campaign, Employer, LiveSession, PolicyCard, Vacancy } from '@chunfeng/shared/recruitment';
import { allPages } from './pagedList';

export interface Catalog {
  campaigns: Campaign[];
  sessions: LiveSession[];
  employers: Employer[];
  vacancies: Vacancy[];
  policies: PolicyCard[];
}

export interface Staff {
  name: string;
  role: 'admin' | 'staff';
}

interface CatalogState {
  catalog: Catalog | undefined;
  error: unknown;
  /** Reads the whole catalog again (after a change); resolves when it is shown. */
  reload: () => Promise<void>;
  staff: Staff;
}

const CatalogContext = createContext<CatalogState | null>(null);

/**
 * Every page of each kind: the pickers (a session's campaign, a vacancy's employer, the lineup's
 * vacancies) and the names shown beside ids still need the whole catalog. The sessions and
 * employers lists themselves are read a page at a time (usePagedList).
 */
async function fetchCatalog(): Promise<Catalog> {
  const [campaigns, sessions, employers, vacancies, policies] = await Promise.all([
    allPages<'campaigns', Campaign>('/campaigns', 'campaigns'),
    allPages<'sessions', LiveSession>('/sessions', 'sessions'),
    allPages<'employers', Employer>('/employers', 'employers'),
    allPages<'vacancies', Vacancy>('/vacancies', 'vacancies'),
    allPages<'policies', PolicyCard>('/policies', 'policies'),
  ]);
  return { campaigns, sessions, employers, vacancies, policies };
}

/** The bureau's catalog, read once for the whole console and re-read after each change. */
export function CatalogProvider({ staff, children }: { staff: Staff; children: ReactNode }) {
  const [catalog, setCatalog] = useState<Catalog>();
  const [error, setError] = useState<unknown>();
  const reload = useCallback(async () => {
    try {
      setCatalog(await fetchCatalog());
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    let cancelled = false;
    fetchCatalog().then(
      (c) => !cancelled && setCatalog(c),
      (e: unknown) => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, []);
  return <CatalogContext value={{ catalog, error, reload, staff }}>{children}</CatalogContext>;
}

export function useCatalog(): CatalogState {
  const state = use(CatalogContext);
  if (!state) throw new Error('useCatalog outside CatalogProvider');
  return state;
}

/** Today (local) as yyyy-mm-dd, and an ISO instant as the value of a datetime-local input. */
export const localDate = (d = new Date()): string => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
export const localDateTime = (iso: string): string => {
  const d = new Date(iso);
  return `${localDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
const pad = (n: number): string => String(n).padStart(2, '0');
