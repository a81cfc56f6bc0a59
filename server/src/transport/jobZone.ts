import type { z } from 'zod';
import type { CurrentCampaign } from '@chunfeng/shared/catalogPages';
import type { JobZoneFilter, JobZonePage, JobZoneQuery, ZoneSession, ZoneVacancy } from '@chunfeng/shared/jobZone';
import { paysAtLeast } from '@chunfeng/shared/jobZone';
import { openFlags, type Employer, type LiveSession, type Vacancy } from '@chunfeng/shared/recruitment';
import { currentCampaign } from '../domain/campaigns';
import type { RecruitmentService } from '../services/recruitment';
import type { JobStore } from '../store/jobStore';
import { etagOf, type CachedBody } from './cached';
import { keyCursor, readKeyCursor } from './cursors';

const LIST = 'jobs';
/** Sessions of the campaign read per round trip (keyset pages on the store's campaign index). */
const SESSION_PAGE = 100;
/** Documents asked for side by side while building (each a round trip on Redis). */
const READS_AT_ONCE = 50;

/** The current campaign's board, built once per change: every vacancy newest first, and what the filters offer. */
interface Zone {
  campaign: CurrentCampaign | null;
  vacancies: ZoneVacancy[];
  districts: string[];
  sectors: string[];
  /** The ids whose change changes the board: the campaign, its sessions, their vacancies and employers. */
  dependsOn: ReadonlySet<string>;
}

interface Entry {
  zone: Promise<Zone>;
  builtAt: number;
  /** Pages served from this build, by their normalized query. */
  pages: Map<string, CachedBody>;
  /** The built board's dependencies; undefined while it is being built. */
  dependsOn: ReadonlySet<string> | undefined;
}

/** Reads `ids` a few at a time. */
async function readAll<T>(ids: readonly string[], read: (id: string) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += READS_AT_ONCE) out.push(...(await Promise.all(ids.slice(i, i + READS_AT_ONCE).map(read))));
  return out;
}

/**
 * Which of a vacancy's sessions the zone leads to: the live one; else the next to start (the earliest
 * still scheduled); else the most recent that ended.
 */
export function leadSession(sessions: readonly LiveSession[]): LiveSession | undefined {
  const live = sessions.find((s) => s.status === 'live');
  if (live) return live;
  const byTime = [...sessions].sort((a, b) => Date.parse(a.scheduledAt) - Date.parse(b.scheduledAt));
  return byTime.find((s) => s.status === 'scheduled') ?? byTime.at(-1);
}

/** Newest vacancy first; the id breaks ties, so every vacancy has one place and a cursor names it. */
function before(a: { at: string; id: string }, b: { at: string; id: string }): boolean {
  return a.at > b.at || (a.at === b.at && a.id > b.id);
}

export function matchesFilter(v: ZoneVacancy, f: JobZoneFilter): boolean {
  return (
    (f.district === undefined || v.employer.district === f.district) &&
    (f.sector === undefined || v.employer.industry === f.sector) &&
    (f.pay === undefined || paysAtLeast(v.pay, f.pay)) &&
    f.badge.every((b) => v.badges.includes(b)) &&
    (f.group === undefined || v.targetGroups.includes(f.group)) &&
    f.access.every((a) => v.accessibility.includes(a))
  );
}

/**
 * The online job zone (`GET /api/public/jobs`, the /jobs page): every vacancy in a lineup of the
 * current campaign's sessions (the campaign the landing page leads with), each with its employer's
 * public facts and the session it leads to. The board is built once per change from bounded reads —
 * the campaign's sessions through the store's campaign index a page at a time, then each vacancy and
 * employer by id, never a whole kind but the campaigns (tens a year) — and every filtered page is
 * served from memory with an ETag. A change the service announces to an id the board depends on
 * drops it; `maxAgeMs` bounds the rest (a new session or campaign, a day that starts another
 * campaign, another node's edits, a replay finished). Vacancies held back for unchecked scam-guard
 * flags are left out, as on the viewer page; nothing personal is in it.
 */
export class JobZone {
  readonly #store: JobStore;
  readonly #hasReplay: ((sessionId: string) => Promise<boolean>) | undefined;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #pageCapacity: number;
  #entry: Entry | undefined;

  constructor({ service, hasReplay, maxAgeMs = 10_000, now = Date.now, pageCapacity = 500 }: {
    service: RecruitmentService;
    /** Whether an ended session has a recording to play (undefined: this platform records nothing). */
    hasReplay: ((sessionId: string) => Promise<boolean>) | undefined;
    maxAgeMs?: number;
    now?: () => number;
    /** Filtered pages kept per build; past it the oldest goes. */
    pageCapacity?: number;
  }) {
    this.#store = service.store;
    this.#hasReplay = hasReplay;
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
    this.#pageCapacity = pageCapacity;
    service.on('changed', (id) => {
      // A build in flight does not know its ids yet: it is served to whoever waits for it, not kept.
      const entry = this.#entry;
      if (entry && (entry.dependsOn === undefined || entry.dependsOn.has(id))) this.#entry = undefined;
    });
  }

  /** One page of the board for a parsed query, as bytes with their ETag. */
  async page(query: z.output<typeof JobZoneQuery>): Promise<CachedBody> {
    const after = readKeyCursor(LIST, query.cursor);
    const entry = this.#current();
    const zone = await entry.zone;
    const key = JSON.stringify(query);
    const kept = entry.pages.get(key);
    if (kept) return kept;
    const { cursor, limit, ...filter } = query;
    const matching = zone.vacancies.filter((v) => matchesFilter(v, filter));
    const rest = after === undefined ? matching : matching.filter((v) => before(after, { at: v.createdAt, id: v.id }));
    const shown = rest.slice(0, limit);
    const last = shown.at(-1);
    const page: JobZonePage = {
      ...(cursor === undefined ? { campaign: zone.campaign, districts: zone.districts, sectors: zone.sectors } : {}),
      total: matching.length,
      vacancies: shown,
      next: rest.length > limit && last ? keyCursor(LIST, { at: last.createdAt, id: last.id }) : null,
    };
    const body = Buffer.from(JSON.stringify(page));
    const built: CachedBody = { body, etag: etagOf(body) };
    entry.pages.set(key, built);
    for (const oldest of entry.pages.keys()) {
      if (entry.pages.size <= this.#pageCapacity) break;
      entry.pages.delete(oldest);
    }
    return built;
  }

  #current(): Entry {
    const kept = this.#entry;
    if (kept && this.#now() - kept.builtAt <= this.#maxAgeMs) return kept;
    const entry: Entry = { zone: this.#build(), builtAt: this.#now(), pages: new Map(), dependsOn: undefined };
    this.#entry = entry;
    entry.zone.then(
      (zone) => {
        entry.dependsOn = zone.dependsOn;
      },
      () => {
        // A failed build is not kept: the next request tries again.
        if (this.#entry === entry) this.#entry = undefined;
      },
    );
    return entry;
  }

  async #build(): Promise<Zone> {
    const today = new Date(this.#now()).toISOString().slice(0, 10);
    const current = currentCampaign(await this.#store.list('campaign'), today);
    if (!current) return { campaign: null, vacancies: [], districts: [], sectors: [], dependsOn: new Set() };
    const sessions: LiveSession[] = [];
    let after: number | undefined;
    do {
      const page = await this.#store.pageCatalog('session', { where: { value: current.id }, after, limit: SESSION_PAGE });
      sessions.push(...page.docs);
      after = page.next;
    } while (after !== undefined);
    const sessionsOf = new Map<string, LiveSession[]>();
    for (const s of sessions) {
      for (const item of s.lineup) {
        if (item.kind !== 'vacancy') continue;
        const list = sessionsOf.get(item.id) ?? [];
        if (!list.includes(s)) list.push(s);
        sessionsOf.set(item.id, list);
      }
    }
    const docs = await readAll([...sessionsOf.keys()], (id) => this.#store.get('vacancy', id));
    const open = docs.filter((v): v is Vacancy => v !== undefined && openFlags(v).length === 0);
    const employerIds = [...new Set(open.map((v) => v.employerId))];
    const employers = new Map<string, Employer>();
    for (const e of await readAll(employerIds, (id) => this.#store.get('employer', id))) if (e) employers.set(e.id, e);
    const leads = new Map<string, LiveSession>();
    for (const v of open) {
      const lead = leadSession(sessionsOf.get(v.id) ?? []);
      if (lead) leads.set(v.id, lead);
    }
    const endedLeads = [...new Set([...leads.values()].filter((s) => s.status === 'ended').map((s) => s.id))];
    const hasReplay = this.#hasReplay;
    const replays = new Set<string>();
    if (hasReplay) for (const [i, has] of (await readAll(endedLeads, hasReplay)).entries()) if (has) replays.add(endedLeads[i]!);
    // A replay is offered for a vacancy only where it has a chapter: a vacancy of the lineup the host
    // never pinned would open the replay at its start, not at that vacancy.
    const chapters = new Map<string, Set<string>>();
    const replayed = [...replays];
    for (const [i, pins] of (await readAll(replayed, (id) => this.#store.listPins(id))).entries()) {
      chapters.set(replayed[i]!, new Set(pins.filter((p) => p.kind === 'vacancy').map((p) => p.itemId)));
    }
    const vacancies: ZoneVacancy[] = [];
    for (const v of open) {
      const e = employers.get(v.employerId);
      const s = leads.get(v.id);
      if (!e || !s) continue;
      // The scam-guard flags and their check (with the reviewer's name) are for the bureau only.
      const { flags: _flags, review: _review, ...publicFacts } = v;
      const session: ZoneSession = { id: s.id, title: s.title, status: s.status, scheduledAt: s.scheduledAt, replay: replays.has(s.id) && (chapters.get(s.id)?.has(v.id) ?? false) };
      vacancies.push({ ...publicFacts, employer: { id: e.id, name: e.name, industry: e.industry, district: e.district, verified: e.verified }, session });
    }
    vacancies.sort((a, b) => (before({ at: a.createdAt, id: a.id }, { at: b.createdAt, id: b.id }) ? -1 : 1));
    const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort((a, b) => a.localeCompare(b, 'zh-CN'));
    return {
      campaign: { id: current.id, name: current.name, startsOn: current.startsOn, endsOn: current.endsOn, description: current.description },
      vacancies,
      districts: sorted(vacancies.map((v) => v.employer.district)),
      sectors: sorted(vacancies.map((v) => v.employer.industry)),
      dependsOn: new Set([current.id, ...sessions.map((s) => s.id), ...open.map((v) => v.id), ...employerIds]),
    };
  }
}
