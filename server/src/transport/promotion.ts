import type { Request, Router } from 'express';
import { z } from 'zod';
import { ShareChannel } from '@chunfeng/shared/recruitment';
import { addressBlock } from '../domain/addressBlock';
import { calendarFile } from '../domain/calendar';
import { DomainError } from '../domain/errors';
import type { RecruitmentService } from '../services/recruitment';
import { FlexibleRateLimiter, type RateLimitBackend } from '../store/rateLimiters';
import { parse } from './httpErrors';
import type { PublicSessions } from './publicSessions';

const Id = z.object({ id: z.string().min(1).max(64) });
/** A share link's `ch` as it arrives: any short text; only a known channel is used, anything else is ignored. */
const ChannelText = z.string().max(40).optional();
const VisitInput = z.object({ channel: z.string().max(40) });
const CalendarQuery = z.object({ ch: ChannelText });

/**
 * How long a session's calendar entry lasts: the bureau schedules only a start, and the campaign's
 * sessions are "the live hour".
 */
export const CALENDAR_EVENT_MS = 60 * 60 * 1000;

/** The channel a share link named, or undefined for none or one that is not a channel (never an error). */
export function channelOf(text: string | undefined): ShareChannel | undefined {
  const parsed = ShareChannel.safeParse(text);
  return parsed.success ? parsed.data : undefined;
}

/** The viewer page's address on the origin this request reached (the proxy's, under TRUST_PROXY). */
function watchUrl(req: Request, sessionId: string, channel: ShareChannel | undefined): string {
  let url: URL;
  try {
    url = new URL(`/watch/${encodeURIComponent(sessionId)}`, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  } catch {
    throw new DomainError('VALIDATION', 'the request named a host that is not an address');
  }
  if (channel) url.searchParams.set('ch', channel);
  return url.href;
}

/**
 * Promotion (送岗): a session's calendar entry, and the count of viewers each share channel brings
 * (the viewer page reports its `ch` once per browser and session). Public routes, after the body
 * parser. The share page and its poster are the client's (the poster is drawn in the browser).
 */
export function promotionRoutes(
  api: Router,
  { service, publicSessions, rateLimits, visitsPerBlockPerMinute = 600 }: { service: RecruitmentService; publicSessions: PublicSessions; rateLimits: RateLimitBackend; visitsPerBlockPerMinute?: number },
): void {
  // A ceiling for scripts inflating a channel's figure; a village behind one carrier NAT stays far below it.
  const visitLimiter = new FlexibleRateLimiter({ name: 'visit-block', points: visitsPerBlockPerMinute, seconds: 60, backend: rateLimits });

  api.get('/public/sessions/:id/calendar.ics', async (req, res) => {
    const { id } = parse(Id, req.params);
    const { ch } = parse(CalendarQuery, req.query);
    const { session, vacancies } = await service.publicSession(id);
    const start = new Date(session.scheduledAt);
    const employers = [...new Set(vacancies.map((v) => v.employer.name))];
    const url = watchUrl(req, session.id, channelOf(ch));
    const description = [employers.length ? `参与企业：${employers.join('、')}` : '', `观看直播：${url}`].filter(Boolean).join('\n');
    const body = calendarFile({
      uid: `session-${session.id}@chunfeng-live`,
      title: session.title,
      start,
      end: new Date(start.getTime() + CALENDAR_EVENT_MS),
      url,
      description,
      stamp: new Date(),
    });
    res
      .set('Content-Type', 'text/calendar; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="session-${encodeURIComponent(session.id)}.ics"`)
      // The URL in it is the address this request reached: kept by the browser, not by a shared cache.
      .set('Cache-Control', 'private, max-age=60')
      .send(body);
  });

  api.post('/public/sessions/:id/visit', async (req, res) => {
    const { id } = parse(Id, req.params);
    const { channel } = parse(VisitInput, req.body);
    // An unknown session is NOT_FOUND (from memory once its document is built), whatever the channel.
    await publicSessions.get(id);
    const known = channelOf(channel);
    if (!known) {
      res.json({ counted: false });
      return;
    }
    const wait = await visitLimiter.take(addressBlock(req.ip));
    if (wait > 0) throw new DomainError('RATE_LIMITED', `too many visits from your network; please wait ${Math.ceil(wait / 1000)} seconds`);
    await service.store.countVisit(id, known);
    res.json({ counted: true });
  });
}
