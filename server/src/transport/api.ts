import express, { type Router } from 'express';
import { z } from 'zod';
import { StaffInput } from '@chunfeng/shared/admin';
import {
  ApplicationChangesQuery,
  ApplicationListQuery,
  ApplyInput,
  ApplyVerifyInput,
  CampaignInput,
  EmployerInput,
  LineupItem,
  LiveSessionInput,
  PolicyInput,
  SessionPatch,
  StatusChangeInput,
  VacancyInput,
  type Application,
  type ApplicationChangesPage,
  type ApplicationListPage,
} from '@chunfeng/shared/recruitment';
import type { ApplicationPageQuery } from '../store/jobStore';
import type { Tokens } from '../auth/tokens';
import { addressBlock } from '../domain/addressBlock';
import { DomainError } from '../domain/errors';
import type { RateLimiter } from '../domain/rateLimiter';
import type { HlsService } from '../media/hls/hlsService';
import type { Invites } from '../services/invites';
import type { PhoneVerification } from '../services/phoneVerification';
import { PublicSessions } from './publicSessions';
import { promotionRoutes } from './promotion';
import type { RecruitmentService } from '../services/recruitment';
import type { SignInThrottle } from '../services/signInThrottle';
import type { SignIns } from '../services/signIns';
import type { StaffAccounts } from '../services/staff';
import type { Statistics } from '../services/statistics';
import { FlexibleRateLimiter, type RateLimitBackend } from '../store/rateLimiters';
import type { ApplyDoor } from './applyDoor';
import { JSON_BODY_LIMIT } from './applyLane';
import { authenticate, requireAdmin, requireBureau } from './auth';
import { utf8BodiesOnly } from './bodyCharset';
import { applicationsCsv } from './csv';
import { streamOut } from './streamOut';
import { changeCursor, pageCursor, readChangeCursor, readPageCursor } from './cursors';
import { deviceTokenRoute } from './deviceTokens';
import { parse } from './httpErrors';
import { PUBLIC_DOCUMENT_MAX_AGE, sendCached } from './cached';
import { sameOriginGuard } from './sameOrigin';
import { signInRoutes } from './signIn';
import { catalogListRoutes } from './catalogLists';
import { CampaignReports } from '../services/campaignReport';
import { addCampaignReportRoutes } from './campaignReportRoutes';
import { publicSessionPage } from './publicSessionList';
import { ReplayCheck } from '../media/hls/replayCheck';
import type { ReplayClips } from '../media/hls/replayClips';
import { clipRoutes } from './clipRoutes';
import { PublicSessionListQuery } from '@chunfeng/shared/catalogPages';
import { JobZoneQuery } from '@chunfeng/shared/jobZone';
import { JobZone } from './jobZone';

const Id = z.object({ id: z.string().min(1).max(64) });
/** Applications a page of the CSV export reads. */
const CSV_PAGE = 500;

/** The store's page query for a parsed GET /applications query. */
function pageQuery({ cursor, q, from, to, ...rest }: z.output<typeof ApplicationListQuery>): ApplicationPageQuery {
  // Stored times are UTC ISO strings: compared as such.
  return { ...rest, search: q, from: from && new Date(from).toISOString(), to: to && new Date(to).toISOString(), before: readPageCursor(cursor) };
}

/** A lookup asked once per key (the promise kept: concurrent asks share it). */
function remembered<T>(lookup: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const known = new Map<string, Promise<T>>();
  return (key) => {
    let found = known.get(key);
    if (!found) {
      found = lookup(key);
      known.set(key, found);
    }
    return found;
  };
}
const WithdrawInput = z.object({ idempotencyKey: z.string().min(8).max(128) });
const MineInput = z.object({ items: z.array(z.object({ id: z.string().min(1).max(64).optional(), idempotencyKey: z.string().min(8).max(128) })).max(100) });
const EmployerPatch = EmployerInput.partial();

/**
 * The public session documents as this platform serves them. `recorded`: it records live sessions
 * (HLS on), so an ended one has, or soon has, a replay. Another node's catalog edits are not
 * announced to this one: with a shared store, each document is rebuilt at least every 5 s.
 */
export function publicSessionsOf(service: RecruitmentService, hls: HlsService | undefined): PublicSessions {
  return new PublicSessions({ service, recorded: Boolean(hls), maxAgeMs: service.store.kind === 'redis' ? 5000 : Infinity });
}

/** The HTTP API: bureau administration, employer follow-up, and the public apply endpoint. */
export function createApi({ service, tokens, staff, invites, signIns, throttle, allowedOrigins = [], statistics, secureCookies, hls, timeZone, applyDoor, rateLimits = { kind: 'memory' }, deviceLimiter, verification, applyPerBlockPerMinute = 300, publicSessions = publicSessionsOf(service, hls), bureauName, clips }: {
  service: RecruitmentService;
  tokens: Tokens;
  staff: StaffAccounts;
  invites: Invites;
  signIns: SignIns;
  throttle: SignInThrottle;
  /** Origins besides the server's own whose pages may use the bureau cookie. */
  allowedOrigins?: readonly string[];
  statistics: Statistics;
  secureCookies: boolean;
  hls?: HlsService | undefined;
  /** The bureau's time zone, for times written into exports. */
  timeZone: string;
  /** The apply path this door shares with the socket's `application:submit`. */
  applyDoor: ApplyDoor;
  /** Where the per-block ceiling on code requests is counted (Redis: one budget across nodes). */
  rateLimits?: RateLimitBackend;
  /** How many device tokens an address block may be issued. */
  deviceLimiter: RateLimiter;
  /** When set (APPLY_VERIFY=sms), POST /api/apply/verify texts the one-time code an application needs. */
  verification?: PhoneVerification | undefined;
  /** The ceiling per address block (/24, /48) a minute for code requests (applications have theirs in the door). */
  applyPerBlockPerMinute?: number;
  /** The public session documents served from memory (made here unless the caller keeps them to count them). */
  publicSessions?: PublicSessions;
  /** The bureau's name, at the head of the campaign report. */
  bureauName: string;
  /** Publicity clips of finished replays (with HLS on), and the recording's segment length. */
  clips?: { clips: ReplayClips; segmentSeconds: number } | undefined;
}): Router {
  const api = express.Router();
  const replays = hls && new ReplayCheck({ read: (id) => hls.hasReplay(id) });
  const codeLimiter = new FlexibleRateLimiter({ name: 'code-block', points: applyPerBlockPerMinute, seconds: 60, backend: rateLimits });
  // Every viewer page load asks for this: answered first, from memory, before the body parsers and
  // the other routes are tried (it reads no cookie and no body).
  api.get('/public/sessions/:id', async (req, res) => {
    const { id } = parse(Id, req.params);
    sendCached(req, res, await publicSessions.get(id), PUBLIC_DOCUMENT_MAX_AGE);
  });
  // The online job zone (/jobs): as public and as often read, so served the same way (see JobZone).
  const jobZone = new JobZone({ service, hasReplay: replays && ((id) => replays.has(id)) });
  api.get('/public/jobs', async (req, res) => {
    sendCached(req, res, await jobZone.page(parse(JobZoneQuery, req.query)), PUBLIC_DOCUMENT_MAX_AGE);
  });
  api.use(sameOriginGuard(allowedOrigins));
  api.use(utf8BodiesOnly());
  api.use(express.json({ limit: JSON_BODY_LIMIT }));
  api.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  // ── sign-in ──
  signInRoutes(api, { tokens, staff, signIns, throttle, secureCookies });
  api.get('/auth/me', async (req, res) => {
    const actor = await authenticate(req, tokens);
    if (actor.kind === 'employer') {
      const employer = await service.store.get('employer', actor.employerId);
      res.json({ actor, employer });
      return;
    }
    res.json({ actor });
  });

  // ── the bureau's catalog ──
  catalogListRoutes(api, { service, tokens, staff, invites });
  api.post('/campaigns', async (req, res) => {
    await requireBureau(req, tokens);
    res.status(201).json({ campaign: await service.createCampaign(parse(CampaignInput, req.body)) });
  });
  api.post('/sessions', async (req, res) => {
    await requireBureau(req, tokens);
    res.status(201).json({ session: await service.createSession(parse(LiveSessionInput, req.body)) });
  });
  api.put('/sessions/:id/lineup', async (req, res) => {
    await requireBureau(req, tokens);
    const { id } = parse(Id, req.params);
    const lineup = parse(z.array(LineupItem).max(100), req.body);
    res.json({ session: await service.setLineup(id, lineup) });
  });
  api.patch('/sessions/:id', async (req, res) => {
    await requireBureau(req, tokens);
    const { id } = parse(Id, req.params);
    res.json({ session: await service.updateSession(id, parse(SessionPatch, req.body)) });
  });
  api.post('/sessions/:id/host-link', async (req, res) => {
    const actor = await requireBureau(req, tokens);
    const { id } = parse(Id, req.params);
    const { token, path, invite } = await invites.hostLink(id, actor);
    res.json({ token, path, expiresAt: invite.expiresAt, invite });
  });
  api.post('/employers', async (req, res) => {
    await requireBureau(req, tokens);
    res.status(201).json({ employer: await service.createEmployer(parse(EmployerInput, req.body)) });
  });
  api.patch('/employers/:id', async (req, res) => {
    await requireBureau(req, tokens);
    const { id } = parse(Id, req.params);
    res.json({ employer: await service.updateEmployer(id, parse(EmployerPatch, req.body)) });
  });
  api.post('/employers/:id/invite', async (req, res) => {
    const actor = await requireBureau(req, tokens);
    const { id } = parse(Id, req.params);
    const { token, path, invite } = await invites.employerLink(id, actor);
    res.json({ token, path, expiresAt: invite.expiresAt, invite });
  });
  api.post('/vacancies', async (req, res) => {
    await requireBureau(req, tokens);
    res.status(201).json({ vacancy: await service.createVacancy(parse(VacancyInput, req.body)) });
  });
  api.put('/vacancies/:id', async (req, res) => {
    await requireBureau(req, tokens);
    const { id } = parse(Id, req.params);
    res.json({ vacancy: await service.updateVacancy(id, parse(VacancyInput, req.body)) });
  });
  api.put('/policies/:id', async (req, res) => {
    await requireBureau(req, tokens);
    const { id } = parse(Id, req.params);
    res.json({ policy: await service.updatePolicy(id, parse(PolicyInput, req.body)) });
  });
  api.post('/vacancies/:id/review', async (req, res) => {
    const actor = await requireBureau(req, tokens);
    const { id } = parse(Id, req.params);
    res.json({ vacancy: await service.reviewVacancy(id, actor) });
  });
  api.post('/policies', async (req, res) => {
    await requireBureau(req, tokens);
    res.status(201).json({ policy: await service.createPolicy(parse(PolicyInput, req.body)) });
  });

  // ── links handed out, staff accounts, statistics ──
  api.post('/invites/:id/revoke', async (req, res) => {
    await requireBureau(req, tokens);
    const { id } = parse(Id, req.params);
    res.json({ invite: await invites.revoke(id) });
  });
  api.post('/staff', async (req, res) => {
    await requireAdmin(req, tokens);
    res.status(201).json({ staff: await staff.create(parse(StaffInput, req.body)) });
  });
  api.delete('/staff/:id', async (req, res) => {
    const actor = await requireAdmin(req, tokens);
    const { id } = parse(Id, req.params);
    await staff.remove(id, actor);
    res.json({});
  });
  api.get('/sessions/:id/moderation', async (req, res) => {
    await requireBureau(req, tokens);
    const { id } = parse(Id, req.params);
    if (!(await service.store.get('session', id))) throw new DomainError('NOT_FOUND', 'no such session');
    res.json({ entries: await service.store.listModeration(id) });
  });
  api.get('/statistics/sessions/:id', async (req, res) => {
    await requireBureau(req, tokens);
    res.json(await statistics.session(parse(Id, req.params).id));
  });
  api.get('/statistics/campaigns/:id', async (req, res) => {
    await requireBureau(req, tokens);
    res.json(await statistics.campaign(parse(Id, req.params).id));
  });

  if (clips && hls) clipRoutes(api, { ...clips, hls, service, tokens });

  // ── public ──
  /** What the landing page lists, a page at a time (see publicSessionPage). */
  api.get('/public/sessions', async (req, res) => {
    const { cursor, limit } = parse(PublicSessionListQuery, req.query);
    const today = new Date().toISOString().slice(0, 10);
    res.json(await publicSessionPage(service.store, { cursor, limit, today, hasReplay: replays && ((id) => replays.has(id)) }));
  });
  api.get('/public/sessions/:id/replay', async (req, res) => {
    const { id } = parse(Id, req.params);
    const replay = hls?.replay(id, await service.store.listPins(id));
    if (!replay) throw new DomainError('NOT_FOUND', 'this session has no recording');
    const chapters = await Promise.all(
      replay.chapters.map(async (c) => ({ ...c, vacancy: await service.card(c.itemId).catch(() => null) })),
    );
    res.json({ ...replay, chapters: chapters.filter((c) => c.vacancy !== null) });
  });
  api.get('/public/vacancies/:id', async (req, res) => {
    const { id } = parse(Id, req.params);
    res.json({ vacancy: await service.card(id) });
  });
  promotionRoutes(api, { service, publicSessions, rateLimits });
  api.post('/device', deviceTokenRoute({ tokens, limiter: deviceLimiter }));
  // Code requests are limited per phone (in the verification) and per address block (a ceiling that
  // a village behind one carrier NAT does not reach, but a script does).
  api.post('/apply/verify', async (req, res) => {
    if (!verification) throw new DomainError('NOT_FOUND', 'this bureau does not ask for a code');
    const { phone } = parse(ApplyVerifyInput, req.body);
    const wait = await codeLimiter.take(addressBlock(req.ip));
    if (wait > 0) throw new DomainError('RATE_LIMITED', `too many code requests from your network; please wait ${Math.ceil(wait / 1000)} seconds`);
    res.json({ sent: true, ...(await verification.send(phone)) });
  });
  // The plain form of this request is answered by the apply lane (applyLane.ts) before this router:
  // this route answers the rest (another encoding or path spelling, a chunked body…) the same way.
  api.post('/applications', async (req, res) => {
    const deviceToken = req.get('x-device-token');
    const device = deviceToken ? await tokens.verify('device', deviceToken).catch(() => undefined) : undefined;
    const input = parse(ApplyInput, req.body);
    res.status(202).json(await applyDoor.apply(input, { deviceId: device?.sub, address: req.ip }));
  });
  // "My applications" on a phone: statuses for the applications it can prove (by their idempotency key).
  api.post('/applications/mine', async (req, res) => {
    const { items } = parse(MineInput, req.body);
    const found = await Promise.all(items.map(({ id, idempotencyKey }) => service.followUp.mine(idempotencyKey, id)));
    res.json({ applications: found.filter((a) => a !== undefined) });
  });
  api.post('/applications/:id/withdraw', async (req, res) => {
    const { id } = parse(Id, req.params);
    const { idempotencyKey } = parse(WithdrawInput, req.body);
    const a = await service.followUp.withdraw(id, idempotencyKey);
    res.json({ application: { id: a.id, status: a.status } });
  });

  // ── follow-up (bureau, or the employer of the vacancy) ──
  // A page at a time, newest first, with the change cursor taken before the first page is read: a
  // console that keeps the pages asks GET /applications/changes from there and misses nothing.
  api.get('/applications', async (req, res) => {
    const actor = await authenticate(req, tokens);
    const parsed = parse(ApplicationListQuery, req.query);
    const query = pageQuery(parsed);
    const changes = query.before === undefined ? changeCursor(await service.followUp.changesNow(actor)) : null;
    const page = await service.followUp.page(actor, query);
    const body: ApplicationListPage = { applications: page.applications, next: pageCursor(page.next), changes };
    res.json(body);
  });
  api.get('/applications/changes', async (req, res) => {
    const actor = await authenticate(req, tokens);
    const { since, limit } = parse(ApplicationChangesQuery, req.query);
    const { applications, position, more } = await service.followUp.changes(actor, readChangeCursor(since), limit);
    const body: ApplicationChangesPage = { applications, changes: changeCursor(position), more };
    res.json(body);
  });
  // Streamed a page at a time (one page in memory whatever the length), newest first, narrowed as
  // the list is. The first page is read before the headers go: a refusal is still a proper answer.
  api.get('/applications.csv', async (req, res) => {
    const actor = await authenticate(req, tokens);
    const { cursor: _cursor, limit: _limit, ...narrowing } = parse(ApplicationListQuery, req.query);
    const query = { ...pageQuery({ ...narrowing, limit: CSV_PAGE }), before: undefined };
    const first = await service.followUp.page(actor, query);
    async function* pages(): AsyncGenerator<Application[]> {
      let page = first;
      yield page.applications;
      while (page.next !== undefined) {
        page = await service.followUp.page(actor, { ...query, before: page.next });
        yield page.applications;
      }
    }
    const day = new Date().toISOString().slice(0, 10);
    res
      .set('Content-Type', 'text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="applicants-${day}.csv"; filename*=UTF-8''${encodeURIComponent(`应聘人员-${day}.csv`)}`);
    // Only the names are kept (a province's ten thousand titles are a few hundred kB; the documents
    // themselves would be megabytes more, held to the export's end).
    const names = {
      vacancyTitle: remembered((id) => service.store.get('vacancy', id).then((v) => v?.title)),
      employerName: remembered((id) => service.store.get('employer', id).then((e) => e?.name)),
      timeZone,
    };
    await streamOut(res, applicationsCsv(pages(), names));
  });
  api.get('/applications/:id', async (req, res) => {
    const actor = await authenticate(req, tokens);
    const { id } = parse(Id, req.params);
    res.json({ application: await service.followUp.get(actor, id) });
  });
  api.patch('/applications/:id/status', async (req, res) => {
    const actor = await authenticate(req, tokens);
    const { id } = parse(Id, req.params);
    res.json({ application: await service.followUp.changeStatus(actor, id, parse(StatusChangeInput, req.body)) });
  });

  addCampaignReportRoutes(api, { tokens, timeZone, reports: new CampaignReports({ statistics, store: service.store, bureau: bureauName, timeZone }) });

  api.use((_req, _res, next) => next(new DomainError('NOT_FOUND', 'no such API route')));
  return api;
}
