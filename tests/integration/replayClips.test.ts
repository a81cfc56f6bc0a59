import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClipsOverview, ClipView } from '@chunfeng/shared/clips';
import type { Vacancy } from '@chunfeng/shared/recruitment';
import { apiClient, bureauClient } from '../harness/api';
import { recordDemoReplay } from '../harness/replayRecording';
import { startTestServer, type TestServer } from '../harness/server';

const run = promisify(execFile);

/** Polls an asynchronous check until it gives a value (waitFor's checks are synchronous). */
async function poll<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
type Client = ReturnType<typeof apiClient>;

async function probe(file: string) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
  return JSON.parse(stdout) as { streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }>; format: { duration?: string; format_name: string } };
}

describe('publicity clips and stills from a finished replay (the real HLS pipeline)', () => {
  let server: TestServer;
  let bureau: Client;
  let overview: ClipsOverview;
  let longestSegment: number;
  const tmp = fs.mkdtempSync(path.join(process.env['TMPDIR'] ?? '/tmp', 'chunfeng-clips-'));

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', HLS_ENABLED: 'true', HLS_RENDITIONS: '360p,audio', MEDIA_WORKERS: '1' });
    bureau = await bureauClient(server.url);
    // Two chapters of a few seconds each.
    const { playlist } = await recordDemoReplay(server, { chapters: [5, 4] });
    longestSegment = Math.max(...[...fs.readFileSync(playlist, 'utf8').matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1])));
    overview = (await bureau.get<ClipsOverview>('/sessions/demo/clips')).body;
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const made = (id: string): Promise<ClipView> =>
    poll(`clip ${id} made`, async () => {
      const { clips } = (await bureau.get<ClipsOverview>('/sessions/demo/clips')).body;
      const clip = clips.find((c) => c.id === id);
      if (clip?.state === 'failed') throw new Error(`clip ${id} failed`);
      return clip?.state === 'done' && clip;
    }, 30_000);

  test('the console lists the replay with a chapter per pinned vacancy, titled', () => {
    expect(overview.replay).not.toBeNull();
    expect(overview.replay!.chapters).toHaveLength(2);
    expect(overview.replay!.chapters[0]!.title).toBeTruthy();
    expect(overview.clips).toEqual([]);
  });

  test('a chapter clip is an MP4 copied from the segments (H.264 + AAC, moov first), as long as its chapter within a segment each side', async () => {
    const chapter = overview.replay!.chapters[0]!;
    const asked = await bureau.post<{ clip: ClipView }>('/sessions/demo/clips', { start: chapter.start, end: chapter.end });
    expect(asked.status).toBe(202);
    expect(['queued', 'running', 'done']).toContain(asked.body.clip.state);
    const clip = await made(asked.body.clip.id);
    // Cut at segment boundaries around the chapter: never short of it, never more than a segment over on either side.
    expect(clip.start).toBeLessThanOrEqual(chapter.start + 0.001);
    expect(chapter.start - clip.start).toBeLessThan(longestSegment + 0.001);
    expect(clip.end).toBeGreaterThanOrEqual(chapter.end - 0.001);
    expect(clip.end - chapter.end).toBeLessThan(longestSegment + 0.001);
    const download = await bureau.raw(`/sessions/demo/clips/${clip.id}/download`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('video/mp4');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="demo-\d+s-\d+s\.mp4"$/);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(clip.bytes);
    // +faststart: the moov box comes before the media data.
    expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat'));
    const file = path.join(tmp, 'chapter.mp4');
    fs.writeFileSync(file, bytes);
    const info = await probe(file);
    expect(info.format.format_name).toContain('mp4');
    expect(info.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', height: 360 });
    expect(info.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
    const duration = Number(info.format.duration);
    console.log(`[measure] chapter ${(chapter.end - chapter.start).toFixed(2)} s → clip ${duration.toFixed(2)} s, ${clip.bytes} bytes`);
    expect(Math.abs(duration - (chapter.end - chapter.start))).toBeLessThanOrEqual(2 * longestSegment);
    expect(Math.abs(duration - clip.duration!)).toBeLessThan(0.5);
  });

  test('the same span again is the clip kept on disk: no second run', async () => {
    const chapter = overview.replay!.chapters[0]!;
    const again = await bureau.post<{ clip: ClipView }>('/sessions/demo/clips', { start: chapter.start, end: chapter.end });
    expect(again.status).toBe(200);
    expect(again.body.clip).toMatchObject({ state: 'done', progress: 1 });
    expect(fs.readdirSync(path.join(server.hls!.sessionDir('demo'), '.clips')).filter((f) => f.endsWith('.mp4'))).toHaveLength(1);
  });

  test('any chosen span is clipped too, and listed with its size and length', async () => {
    const asked = await bureau.post<{ clip: ClipView }>('/sessions/demo/clips', { start: 1.2, end: 3.4 });
    const clip = await made(asked.body.clip.id);
    expect(clip.start).toBeLessThanOrEqual(1.2);
    expect(clip.end).toBeGreaterThanOrEqual(3.4);
    const listed = (await bureau.get<ClipsOverview>('/sessions/demo/clips')).body.clips;
    expect(listed.map((c) => c.id)).toContain(clip.id);
    for (const c of listed) expect(c.bytes! > 1000 && c.duration! > 0).toBe(true);
  });

  test('a still per chapter is a decodable 640×360 JPEG', async () => {
    for (const chapter of overview.replay!.chapters) {
      const still = await bureau.raw(`/sessions/demo/still.jpg?at=${chapter.start + 0.5}`);
      expect(still.status, still.status === 200 ? '' : await still.clone().text()).toBe(200);
      expect(still.headers.get('content-type')).toBe('image/jpeg');
      const bytes = Buffer.from(await still.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      const file = path.join(tmp, `${chapter.itemId}.jpg`);
      fs.writeFileSync(file, bytes);
      expect((await probe(file)).streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 640, height: 360 });
      await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
    }
  });

  test('bureau staff only: no credential is 401, an employer console link is 403', async () => {
    const [vacancy] = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    const { token } = (await bureau.post<{ token: string }>(`/employers/${vacancy!.employerId}/invite`)).body;
    const employer = apiClient(server.url, token);
    const anyone = apiClient(server.url);
    const clipId = (await bureau.get<ClipsOverview>('/sessions/demo/clips')).body.clips[0]!.id;
    for (const [client, status] of [[anyone, 401], [employer, 403]] as const) {
      expect((await client.get('/sessions/demo/clips')).status).toBe(status);
      expect((await client.post('/sessions/demo/clips', { start: 0, end: 2 })).status).toBe(status);
      expect((await client.get(`/sessions/demo/clips/${clipId}/download`)).status).toBe(status);
      expect((await client.get('/sessions/demo/still.jpg?at=1')).status).toBe(status);
    }
  });

  test('hostile spans, ids and paths are typed 400s (or 404s), never a 500', async () => {
    const duration = overview.replay!.duration;
    const spans: unknown[] = [
      { start: 5, end: 2 },
      { start: 2, end: 2 },
      { start: -1, end: 2 },
      { start: 0, end: 1801 },
      { start: 0, end: 1e12 },
      { start: '0', end: '2' },
      { start: 0 },
      { start: 0, end: 2, path: '../../etc/passwd' },
      { start: duration + 5, end: duration + 10 },
      { start: 0, end: duration + 30 },
      [0, 2],
      null,
    ];
    for (const span of spans) {
      const reply = await bureau.post<{ error: { code: string } }>('/sessions/demo/clips', span);
      expect(reply.status, JSON.stringify(span)).toBe(400);
      expect(reply.body.error.code).toBe('VALIDATION');
    }
    for (const at of ['-1', 'abc', '1e12', String(duration + 5), '']) {
      const reply = await bureau.get<{ error: { code: string } }>(`/sessions/demo/still.jpg?at=${encodeURIComponent(at)}`);
      expect(reply.status, at).toBe(400);
    }
    for (const id of ['..%2F..%2Fsession.json', '..%2F360p%2Fvod.m3u8', '360p-0-1%00', 'still-360p-0-5', '360p-0-99999']) {
      const reply = await bureau.get<{ error: { code: string } }>(`/sessions/demo/clips/${id}/download`);
      expect([400, 404], id).toContain(reply.status);
      expect(reply.body.error.code).toMatch(/^(VALIDATION|NOT_FOUND)$/);
    }
    expect((await bureau.get('/sessions/..%2F..%2Fetc/clips')).status).toBe(400);
    expect((await bureau.get('/sessions/no-such-session/clips')).status).toBe(404);
    expect((await bureau.post('/sessions/no-such-session/clips', { start: 0, end: 2 })).status).toBe(404);
    // Nothing under /hls serves the clips: they are the bureau's.
    expect((await fetch(`${server.url}/hls/demo/.clips/`)).status).toBe(404);
  });

  test('clips and stills go with the replay when it passes its retention', async () => {
    const dir = server.hls!.sessionDir('demo');
    expect(fs.existsSync(path.join(dir, '.clips'))).toBe(true);
    expect(server.hls!.sweep(Date.now() + 400 * 86_400_000)).toEqual(['demo']);
    expect(fs.existsSync(dir)).toBe(false);
    const after = (await bureau.get<ClipsOverview>('/sessions/demo/clips')).body;
    expect(after).toMatchObject({ replay: null, clips: [] });
    expect((await bureau.post('/sessions/demo/clips', { start: 0, end: 2 })).status).toBe(404);
  });
});
