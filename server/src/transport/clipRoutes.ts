import type { Router } from 'express';
import { z } from 'zod';
import { ClipRequest, MAX_CLIP_SECONDS, StillQuery, type ClipsOverview } from '@chunfeng/shared/clips';
import type { Tokens } from '../auth/tokens';
import { DomainError } from '../domain/errors';
import type { HlsService } from '../media/hls/hlsService';
import { CLIP_ID, type Recording, type ReplayClips } from '../media/hls/replayClips';
import type { RecruitmentService } from '../services/recruitment';
import { requireBureau } from './auth';
import { parse, RequestInvalid } from './httpErrors';

// Session ids with HLS are path-safe (hlsService.ts); anything else has no replay and is refused here.
const SessionParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const ClipParams = SessionParams.extend({ clip: z.string().regex(CLIP_ID) });

/**
 * Publicity clips and stills of a finished replay, for bureau staff only: `GET /sessions/:id/clips`
 * (the replay's chapters and the clips made), `POST` a span to clip (202: queued, or the clip if it
 * is made already), `GET /sessions/:id/clips/:clip/download` the MP4, `GET /sessions/:id/still.jpg?at=`
 * a still. A span past the recording or longer than MAX_CLIP_SECONDS is a 400 on its field.
 */
export function clipRoutes(api: Router, { clips, hls, service, tokens, segmentSeconds }: { clips: ReplayClips; hls: HlsService; service: RecruitmentService; tokens: Tokens; segmentSeconds: number }): void {
  /** The session's finished recording; NOT_FOUND for an unknown session or one without a replay. */
  const recordingOf = async (id: string): Promise<Recording> => {
    if (!(await service.store.get('session', id))) throw new DomainError('NOT_FOUND', 'no such session');
    const recording = await clips.recording(id);
    if (!recording) throw new DomainError('NOT_FOUND', 'this session has no finished replay');
    return recording;
  };
  const pastEnd = (field: string, recording: Recording): RequestInvalid =>
    new RequestInvalid({ code: 'VALIDATION', message: `the replay is ${Math.floor(recording.duration)} seconds long`, issues: [{ path: field, message: 'past the end of the replay' }] });

  api.get('/sessions/:id/clips', async (req, res) => {
    await requireBureau(req, tokens);
    const { id } = parse(SessionParams, req.params);
    if (!(await service.store.get('session', id))) throw new DomainError('NOT_FOUND', 'no such session');
    const recording = await clips.recording(id);
    let replay: ClipsOverview['replay'] = null;
    if (recording) {
      const chapters = hls.replay(id, await service.store.listPins(id))?.chapters ?? [];
      const titled = await Promise.all(
        chapters.map(async (c) => ({ itemId: c.itemId, title: (await service.store.get('vacancy', c.itemId))?.title ?? c.itemId, start: c.start, end: Math.min(c.end, recording.duration) })),
      );
      replay = { duration: recording.duration, segmentSeconds, chapters: titled.filter((c) => c.end > c.start) };
    }
    const overview: ClipsOverview = { replay, clips: await clips.list(id), maxSeconds: MAX_CLIP_SECONDS };
    res.set('Cache-Control', 'no-store').json(overview);
  });

  api.post('/sessions/:id/clips', async (req, res) => {
    await requireBureau(req, tokens);
    const { id } = parse(SessionParams, req.params);
    const span = parse(ClipRequest, req.body);
    const recording = await recordingOf(id);
    // A little slack: the chapters' ends are read off another rendition's timeline.
    if (span.start >= recording.duration) throw pastEnd('start', recording);
    if (span.end > recording.duration + 1) throw pastEnd('end', recording);
    const clip = await clips.clip(id, recording, span.start, Math.min(span.end, recording.duration));
    res.status(clip.state === 'done' ? 200 : 202).json({ clip });
  });

  api.get('/sessions/:id/clips/:clip/download', async (req, res) => {
    await requireBureau(req, tokens);
    const { id, clip } = parse(ClipParams, req.params);
    const found = await clips.file(id, clip);
    if (!found) throw new DomainError('NOT_FOUND', 'no such clip (it may still be being made)');
    const name = `${id}-${Math.round(found.view.start)}s-${Math.round(found.view.end)}s.mp4`;
    res.set('Cache-Control', 'private, no-cache').set('Content-Disposition', `attachment; filename="${name}"`);
    res.type('video/mp4').sendFile(found.path, { dotfiles: 'allow' });
  });

  api.get('/sessions/:id/still.jpg', async (req, res) => {
    await requireBureau(req, tokens);
    const { id } = parse(SessionParams, req.params);
    const { at } = parse(StillQuery, req.query);
    const recording = await recordingOf(id);
    if (at >= recording.duration) throw pastEnd('at', recording);
    // ffmpeg failing on a recording is the media's fault, said as such (502), not an unknown 500.
    const file = await clips.still(id, recording, at).catch((error: unknown) => {
      throw error instanceof DomainError ? error : new DomainError('MEDIA', 'could not take a still from the replay');
    });
    res.set('Cache-Control', 'private, max-age=3600');
    res.type('image/jpeg').sendFile(file, { dotfiles: 'allow' });
  });
}
