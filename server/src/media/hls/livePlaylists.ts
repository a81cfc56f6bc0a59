import fs from 'node:fs';
import path from 'node:path';

/** A rung of the HLS ladder. */
export type Rendition = '720p' | '360p' | 'audio';

/** Segments the live playlist lists: players start 3 from the end; a CDN holds the rest. */
export const LIVE_WINDOW = 8;

interface Entry {
  file: string;
  duration: number;
  /** Wall-clock time of the first frame, ms. */
  pdt: number;
  /** Media timestamps restart before this segment (the encoder itself restarted). */
  discontinuity: boolean;
}

const BANDWIDTH: Record<Rendition, { bandwidth: number; resolution?: string; codecs: string }> = {
  '720p': { bandwidth: 2_400_000, resolution: '1280x720', codecs: 'avc1.42e01f,mp4a.40.2' },
  '360p': { bandwidth: 800_000, resolution: '640x360', codecs: 'avc1.42e01e,mp4a.40.2' },
  audio: { bandwidth: 128_000, codecs: 'mp4a.40.2' },
};

function writeAtomically(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

/** Reads back a VOD playlist written here, so a feed that starts again continues it. */
function readEntries(file: string): Entry[] {
  if (!fs.existsSync(file)) return [];
  const entries: Entry[] = [];
  let pending: Partial<Entry> = {};
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '#EXT-X-DISCONTINUITY') pending.discontinuity = true;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pending.pdt = Date.parse(line.slice(25));
    else if (line.startsWith('#EXTINF:')) pending.duration = Number.parseFloat(line.slice(8));
    else if (line && !line.startsWith('#') && pending.duration !== undefined) {
      entries.push({ file: line, duration: pending.duration, pdt: pending.pdt ?? 0, discontinuity: pending.discontinuity ?? false });
      pending = {};
    }
  }
  return entries;
}

/**
 * The playlists of one rendition, written from the mixer's segment events: `index.m3u8`, the live
 * sliding window of the last LIVE_WINDOW segments (segments stay on disk), and `vod.m3u8`, every
 * segment of the session (an EVENT playlist that gets its ENDLIST when the session ends), which the
 * replay, its chapters and captions use.
 */
export class VariantPlaylists {
  readonly #dir: string;
  readonly #segmentSeconds: number;
  readonly #entries: Entry[];
  #discontinuityNext: boolean;
  #ended = false;

  constructor({ dir, segmentSeconds }: { dir: string; segmentSeconds: number }) {
    this.#dir = dir;
    this.#segmentSeconds = segmentSeconds;
    fs.mkdirSync(dir, { recursive: true });
    this.#entries = readEntries(path.join(dir, 'vod.m3u8'));
    // A feed that continues an earlier recording starts a new media timeline.
    this.#discontinuityNext = this.#entries.length > 0;
  }

  /**
   * The number the next segment file should carry (seg_%05d.ts): past the last one listed and past
   * any file on disk. A writer that died (its mixer, or its whole node with HLS_DIR shared) may have
   * left a last segment it never listed; a new writer never reuses that name, which caches hold as
   * immutable.
   */
  get nextIndex(): number {
    const last = this.#entries.at(-1);
    const n = last ? Number(/(\d+)\.ts$/.exec(last.file)?.[1] ?? this.#entries.length - 1) : -1;
    return fs.readdirSync(this.#dir).reduce((next, f) => Math.max(next, Number(/^seg_(\d+)\.ts$/.exec(f)?.[1] ?? -1) + 1), n + 1);
  }

  get segments(): number {
    return this.#entries.length;
  }

  /** The encoder restarted: its next segment starts a new media timeline. */
  markDiscontinuity(): void {
    if (this.#entries.length > 0) this.#discontinuityNext = true;
  }

  append({ file, duration, pdt }: { file: string; duration: number; pdt: number }): void {
    if (this.#ended) return;
    this.#entries.push({ file, duration, pdt, discontinuity: this.#discontinuityNext });
    this.#discontinuityNext = false;
    this.#write();
  }

  /** The session ended: both playlists get their ENDLIST. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#write();
  }

  #write(): void {
    const all = this.#entries;
    const start = Math.max(0, all.length - LIVE_WINDOW);
    writeAtomically(path.join(this.#dir, 'index.m3u8'), this.#render(all.slice(start), start, all.slice(0, start).filter((e) => e.discontinuity).length, undefined));
    writeAtomically(path.join(this.#dir, 'vod.m3u8'), this.#render(all, 0, 0, this.#ended ? 'VOD' : 'EVENT'));
  }

  #render(entries: Entry[], mediaSequence: number, discontinuitySequence: number, type: 'EVENT' | 'VOD' | undefined): string {
    const target = Math.max(this.#segmentSeconds, ...this.#entries.map((e) => Math.round(e.duration)));
    const lines = ['#EXTM3U', '#EXT-X-VERSION:6', `#EXT-X-TARGETDURATION:${target}`, `#EXT-X-MEDIA-SEQUENCE:${mediaSequence}`];
    if (discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuitySequence}`);
    if (type) lines.push(`#EXT-X-PLAYLIST-TYPE:${type}`);
    lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
    for (const e of entries) {
      if (e.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(e.pdt).toISOString()}`, `#EXTINF:${e.duration.toFixed(6)},`, e.file);
    }
    if (this.#ended) lines.push('#EXT-X-ENDLIST');
    return `${lines.join('\n')}\n`;
  }
}

/** `master.m3u8` (live: each rendition's index.m3u8) and `replay.m3u8` (each rendition's vod.m3u8). */
export function writeMasterPlaylists(dir: string, renditions: Rendition[]): void {
  const master = (playlist: string): string =>
    `${['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS', ...renditions.flatMap((r) => {
      const b = BANDWIDTH[r];
      return [`#EXT-X-STREAM-INF:BANDWIDTH=${b.bandwidth}${b.resolution ? `,RESOLUTION=${b.resolution}` : ''},CODECS="${b.codecs}"`, `${r}/${playlist}`];
    })].join('\n')}\n`;
  writeAtomically(path.join(dir, 'master.m3u8'), master('index.m3u8'));
  writeAtomically(path.join(dir, 'replay.m3u8'), master('vod.m3u8'));
}
