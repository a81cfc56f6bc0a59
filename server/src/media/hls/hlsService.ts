import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { PinEvent } from '@chunfeng/shared/recruitment';
import type { Logger } from '../../logger';
import type { LiveStage } from '../liveStage';
import { DiskUsage } from './diskUsage';
import type { Rendition } from './livePlaylists';
import { captionsToVtt, mediaTimeAt, parseMediaPlaylist, type Segment } from './playlist';
import { ProgramFeed } from './programFeed';

export interface HlsOptions {
  dir: string;
  renditions: Rendition[];
  segmentSeconds: number;
  pythonPath: string;
  retentionDays: number;
  logger: Logger;
  /** A session's captions, read from where they are kept when its replay is finalized. */
  captionsOf: (sessionId: string) => Promise<Array<{ text: string; at: string }>>;
}

interface SessionMeta {
  sessionId: string;
  startedAt: string;
  endedAt: string | null;
}

export interface ReplayChapter {
  itemId: string;
  kind: 'vacancy' | 'policy';
  /** Seconds into the replay. */
  start: number;
  end: number;
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A session directory claimed for deletion by one node (a name no session id can have). */
const REMOVING = '.removing-';
/** Where each node leaves its mark (a name no session id can have). */
const NODES = '.nodes';

/**
 * HLS for the mass audience and the replays: a program feed per live stage, its files under
 * `dir/<session>/`, finalized as video on demand when the session ends, and removed after the
 * retention period.
 */
export class HlsService extends EventEmitter<{ ready: [sessionId: string, url: string] }> {
  readonly #options: HlsOptions;
  readonly #feeds = new Map<string, ProgramFeed>();
  readonly #ready = new Set<string>();
  readonly #usage: DiskUsage;
  /** Feeds whose stage closed, still writing their last segments. */
  readonly #closing = new Set<Promise<void>>();

  constructor(options: HlsOptions) {
    super();
    this.#options = options;
    fs.mkdirSync(options.dir, { recursive: true });
    this.#usage = new DiskUsage({ dir: options.dir });
  }

  get dir(): string {
    return this.#options.dir;
  }

  /**
   * Leaves this node's mark in the directory (`.nodes/node-<id>`, its boot id), before the node
   * announces itself to the cluster: any node can then tell whether another one shares its HLS_DIR.
   */
  markNode(nodeId: string, boot: string): void {
    const dir = path.join(this.#options.dir, NODES);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `node-${nodeId}`);
    fs.writeFileSync(`${file}.${boot}.tmp`, boot);
    fs.renameSync(`${file}.${boot}.tmp`, file);
  }

  /**
   * Of the running nodes given (id → boot id), those whose mark is not in this node's directory:
   * they write and serve another HLS_DIR (or none), so their sessions' programmes and replays are
   * missing here, and this node's there.
   */
  async unshared(running: Map<string, string>): Promise<string[]> {
    const dir = path.join(this.#options.dir, NODES);
    const checked = await Promise.all(
      [...running].map(async ([nodeId, boot]) => {
        const mark = await fs.promises.readFile(path.join(dir, `node-${nodeId}`), 'utf8').catch(() => undefined);
        return mark === boot ? undefined : nodeId;
      }),
    );
    return checked.filter((id): id is string => id !== undefined).sort();
  }

  /** Sessions with a feed here: running, ready, or still writing its last segments. */
  held(): number {
    return this.#feeds.size + this.#ready.size + this.#closing.size;
  }

  /**
   * The master playlist's URL once players can load it. Asked on every viewer's join, so it only
   * looks up what the readiness watch (below) found; it never touches the disk.
   */
  readyUrl(sessionId: string): string | null {
    return this.#ready.has(sessionId) ? `/hls/${sessionId}/master.m3u8` : null;
  }

  /**
   * Whether a finished recording of the session can be played back (from its small metadata file
   * only), read without blocking the event loop: the landing page asks it for every replay it lists
   * (through a ReplayCheck that keeps the answers).
   */
  async hasReplay(sessionId: string): Promise<boolean> {
    if (!SAFE_ID.test(sessionId)) return false;
    try {
      const meta = JSON.parse(await fs.promises.readFile(path.join(this.sessionDir(sessionId), 'session.json'), 'utf8')) as Partial<SessionMeta> | null;
      return Boolean(meta?.endedAt);
    } catch {
      return false;
    }
  }

  /** Master and a first segment of every rendition are on disk. */
  #playable(sessionId: string): boolean {
    const dir = this.sessionDir(sessionId);
    return (
      fs.existsSync(path.join(dir, 'master.m3u8')) &&
      this.#variants(sessionId).every((v) => {
        const file = path.join(dir, v, 'index.m3u8');
        return fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('#EXTINF');
      })
    );
  }

  feed(sessionId: string): ProgramFeed | undefined {
    return this.#feeds.get(sessionId);
  }

  sessionDir(sessionId: string): string {
    if (!SAFE_ID.test(sessionId)) throw new Error('session ids used for HLS must be path-safe');
    return path.join(this.#options.dir, sessionId);
  }

  /** Starts the program feed of a stage that just opened, and follows its producers. */
  attach(stage: LiveStage): void {
    const { sessionId, room } = stage;
    if (!SAFE_ID.test(sessionId)) {
      this.#options.logger.warn({ sessionId }, 'no HLS for a session id that is not path-safe');
      return;
    }
    const dir = this.sessionDir(sessionId);
    fs.mkdirSync(dir, { recursive: true });
    const metaFile = path.join(dir, 'session.json');
    const previous = this.#readMeta(sessionId);
    this.#writeMeta({ sessionId, startedAt: previous?.startedAt ?? new Date().toISOString(), endedAt: null });
    const { renditions, segmentSeconds, pythonPath, logger } = this.#options;
    const feed = new ProgramFeed({ router: room.origin, outDir: dir, renditions, segmentSeconds, pythonPath, logger: logger.child({ sessionId, feed: 'hls' }) });
    this.#feeds.set(sessionId, feed);
    const update = (): void => {
      feed.setSpotlight(stage.spotlight());
      feed.setInterpreter(stage.roster.onStage().find((p) => p.role === 'interpreter')?.peerId);
      feed.setSources(room.feedSources());
    };
    room.on('routerReplaced', ({ origin }) => {
      if (origin) feed.replaceRouter(room.origin);
    });
    room.on('producerAdded', update);
    room.on('producerClosed', update);
    room.on('producerUpdated', update);
    stage.on('spotlightChanged', update);
    room.on('speakerChanged', update);
    stage.on('rosterChanged', update);
    update();
    // Tell the session once players can load the playlists (a fresh feed writes them within seconds).
    const watch = setInterval(() => {
      if (feed !== this.#feeds.get(sessionId)) return clearInterval(watch);
      if (this.#playable(sessionId)) {
        clearInterval(watch);
        this.#ready.add(sessionId);
        this.emit('ready', sessionId, `/hls/${sessionId}/master.m3u8`);
      }
    }, 500);
    watch.unref();
    room.once('close', (reason) => {
      this.#feeds.delete(sessionId);
      this.#ready.delete(sessionId);
      const closing = feed.close().then(async () => {
        if (reason !== 'ended-by-host') return;
        feed.finish();
        const timeline = this.#timeline(sessionId);
        // Every line of the session, sent on whichever stage it had; a failed read leaves the replay without them.
        const lines = timeline ? await this.#options.captionsOf(sessionId).catch((error: unknown) => logger.error({ err: error, sessionId }, 'cannot read the captions for the replay')) : undefined;
        if (timeline && lines) fs.writeFileSync(path.join(dir, 'captions.vtt'), captionsToVtt(lines, timeline));
        const meta = this.#readMeta(sessionId);
        if (meta) this.#writeMeta({ ...meta, endedAt: new Date().toISOString() });
        logger.info({ sessionId, metaFile }, 'replay finalized');
      }).catch((error: unknown) => logger.error({ err: error, sessionId }, 'cannot finalize the replay'));
      this.#closing.add(closing);
      void closing.finally(() => this.#closing.delete(closing));
    });
  }

  #variants(sessionId: string): string[] {
    const dir = this.sessionDir(sessionId);
    if (!fs.existsSync(dir)) return [];
    // Dot directories are not renditions: the bureau's publicity clips are kept in `.clips`.
    return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
  }

  #readMeta(sessionId: string): SessionMeta | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.sessionDir(sessionId), 'session.json'), 'utf8')) as SessionMeta;
    } catch {
      return undefined;
    }
  }

  #writeMeta(meta: SessionMeta): void {
    const file = path.join(this.sessionDir(meta.sessionId), 'session.json');
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(meta));
    fs.renameSync(`${file}.tmp`, file);
  }

  /** The segments of the recording (audio rendition, present in every ladder), from its VOD playlist, for timing. */
  #timeline(sessionId: string): Segment[] | undefined {
    const variant = this.#variants(sessionId).find((v) => v === 'audio') ?? this.#variants(sessionId)[0];
    if (!variant) return undefined;
    const vod = path.join(this.sessionDir(sessionId), variant, 'vod.m3u8');
    // Recordings made before the VOD playlists existed have only their (complete) index.m3u8.
    const file = fs.existsSync(vod) ? vod : path.join(this.sessionDir(sessionId), variant, 'index.m3u8');
    return fs.existsSync(file) ? parseMediaPlaylist(fs.readFileSync(file, 'utf8')).segments : undefined;
  }

  /** The replay of an ended session: its length and one chapter per pinned vacancy, in pin order. */
  replay(sessionId: string, pins: PinEvent[]): { master: string; duration: number; ended: boolean; chapters: ReplayChapter[]; captions: string | null } | undefined {
    if (!SAFE_ID.test(sessionId)) return undefined;
    const meta = this.#readMeta(sessionId);
    const segments = this.#timeline(sessionId);
    if (!meta || !segments) return undefined;
    const ended = meta.endedAt !== null;
    const captions = fs.existsSync(path.join(this.sessionDir(sessionId), 'captions.vtt')) ? `/hls/${sessionId}/captions.vtt` : null;
    const duration = segments.reduce((sum, s) => sum + s.duration, 0);
    const chapters = pins
      .filter((p) => p.kind === 'vacancy')
      .sort((a, b) => a.pinnedAt.localeCompare(b.pinnedAt))
      .map((p) => ({
        itemId: p.itemId,
        kind: p.kind,
        start: mediaTimeAt(segments, Date.parse(p.pinnedAt)),
        end: p.unpinnedAt ? mediaTimeAt(segments, Date.parse(p.unpinnedAt)) : duration,
      }));
    const master = fs.existsSync(path.join(this.sessionDir(sessionId), 'replay.m3u8')) ? 'replay.m3u8' : 'master.m3u8';
    return { master: `/hls/${sessionId}/${master}`, duration, ended, chapters, captions };
  }

  /** Bytes the HLS files take: an asynchronous walk, at most one every 10 s (see DiskUsage). */
  diskUsage(): Promise<number> {
    return this.#usage.read().then((r) => r.bytes);
  }

  /**
   * Deletes replays that ended longer ago than the retention period. Returns the sessions removed.
   * Every node of a cluster sweeps the one shared HLS_DIR: a rename claims a directory (it succeeds
   * for one node only), and only that node deletes it; a claim left untouched for 10 minutes (by a
   * node that died while deleting) is claimed again and finished. Never throws: a file system that fails is logged.
   */
  sweep(now = Date.now()): string[] {
    const { dir, retentionDays, logger } = this.#options;
    const removed: string[] = [];
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      logger.warn({ err: error, dir }, 'cannot read the HLS directory to remove old replays');
      return removed;
    }
    const claim = (name: string): string | undefined => {
      const claimed = path.join(dir, `${REMOVING}${crypto.randomUUID()}`);
      try {
        fs.renameSync(path.join(dir, name), claimed);
        return claimed;
      } catch {
        return undefined; // another node claimed it first
      }
    };
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      let claimed: string | undefined;
      if (entry.name.startsWith(REMOVING)) {
        // A claim still being deleted changes as it goes; one left alone for 10 minutes was left by a node that died.
        const mtimeMs = (() => {
          try {
            return fs.statSync(path.join(dir, entry.name)).mtimeMs;
          } catch {
            return now;
          }
        })();
        if (now - mtimeMs > 600_000) claimed = claim(entry.name);
      } else {
        if (!SAFE_ID.test(entry.name) || this.#feeds.has(entry.name)) continue;
        const meta = this.#readMeta(entry.name);
        if (!meta?.endedAt || now - Date.parse(meta.endedAt) <= retentionDays * 86_400_000) continue;
        claimed = claim(entry.name);
        if (claimed) removed.push(entry.name);
      }
      try {
        if (claimed) fs.rmSync(claimed, { recursive: true, force: true });
      } catch (error) {
        logger.warn({ err: error, dir: claimed }, 'cannot remove an old replay (the next sweep tries again)');
      }
    }
    return removed;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#feeds.values()].map((f) => f.close()));
    await Promise.all(this.#closing);
    this.#feeds.clear();
  }
}
