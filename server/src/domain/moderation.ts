import crypto from 'node:crypto';
import type { ModerationAction, ModerationEntry, ModeratorView } from '@chunfeng/shared/moderation';
import { DomainError } from './errors';

export type { ModerationEntry, ModeratorView };

export interface SessionModerationOptions {
  sessionId: string;
  /** The session's stored log, oldest first: the state is rebuilt from it. */
  entries?: ModerationEntry[];
  /** Stores one new action; it takes effect only once this resolved. */
  append?: (entry: ModerationEntry) => Promise<void>;
  now?: () => number;
}

/**
 * A session's moderation: who is banned, who is muted until when, and slow mode. Its state is the
 * fold of the session's stored log of actions, so loading the log when the stage opens restores it
 * after a host reconnect, a media failure or a server restart, and every action is written before
 * it takes effect (an acknowledged ban is a stored one). Targets are opaque author ids (one per
 * device-token family). Author ids that belong to a moderator — the host, bureau staff — are
 * protected: no action can mute or ban them, whether or not they have chatted.
 */
export class SessionModeration {
  readonly sessionId: string;
  readonly #append: (entry: ModerationEntry) => Promise<void>;
  readonly #now: () => number;
  readonly #bans = new Set<string>();
  readonly #mutes = new Map<string, number>();
  readonly #protected = new Set<string>();
  #slowModeSeconds = 0;

  constructor({ sessionId, entries = [], append = () => Promise.resolve(), now = () => Date.now() }: SessionModerationOptions) {
    this.sessionId = sessionId;
    this.#append = append;
    this.#now = now;
    for (const entry of entries) this.#apply(entry);
  }

  /** Marks an author id as a moderator's (the host's, a staff member's) for as long as the stage is open. */
  protect(authorId: string): void {
    this.#protected.add(authorId);
  }

  isProtected(authorId: string): boolean {
    return this.#protected.has(authorId);
  }

  isBanned(authorId: string): boolean {
    return this.#bans.has(authorId);
  }

  /** How many milliseconds the author is still muted for; 0 when they may post. */
  mutedFor(authorId: string): number {
    return Math.max(0, (this.#mutes.get(authorId) ?? 0) - this.#now());
  }

  get slowModeSeconds(): number {
    return this.#slowModeSeconds;
  }

  /** Refuses a banned author (BANNED) or, for chat, a muted one (MUTED). Moderators are never refused. */
  assertMayTakePart(authorId: string, { chat = false }: { chat?: boolean } = {}): void {
    if (this.#protected.has(authorId)) return;
    if (this.#bans.has(authorId)) throw new DomainError('BANNED', 'you have been removed from this session');
    const muted = chat ? this.mutedFor(authorId) : 0;
    if (muted > 0) throw new DomainError('MUTED', `you are muted for ${Math.ceil(muted / 1000)} more seconds`);
  }

  async mute(by: ModeratorView, target: string, seconds: number): Promise<ModerationEntry> {
    this.#assertTargetable(target);
    return this.#record(by, 'mute', { target, seconds });
  }

  async ban(by: ModeratorView, target: string): Promise<ModerationEntry> {
    this.#assertTargetable(target);
    return this.#record(by, 'ban', { target });
  }

  async setSlowMode(by: ModeratorView, seconds: number): Promise<ModerationEntry> {
    return this.#record(by, 'slow-mode', { seconds });
  }

  /** Stores that a moderator deleted or approved one message (of `target`). */
  async messageAction(by: ModeratorView, action: 'delete' | 'approve', target: string, messageId: string): Promise<ModerationEntry> {
    return this.#record(by, action, { target, messageId });
  }

  #assertTargetable(target: string): void {
    if (this.#protected.has(target)) throw new DomainError('FORBIDDEN', 'a moderator or the host cannot be muted or banned');
  }

  async #record(
    by: ModeratorView,
    action: ModerationAction,
    { target = null, messageId = null, seconds = null }: { target?: string | null; messageId?: string | null; seconds?: number | null },
  ): Promise<ModerationEntry> {
    const entry: ModerationEntry = {
      id: crypto.randomUUID(),
      sessionId: this.sessionId,
      at: new Date(this.#now()).toISOString(),
      action,
      by: { role: by.role, name: by.name },
      target,
      messageId,
      seconds,
    };
    await this.#append(entry);
    this.#apply(entry);
    return entry;
  }

  #apply(entry: ModerationEntry): void {
    if (entry.action === 'ban' && entry.target) this.#bans.add(entry.target);
    else if (entry.action === 'mute' && entry.target) this.#mutes.set(entry.target, Date.parse(entry.at) + (entry.seconds ?? 0) * 1000);
    else if (entry.action === 'slow-mode') this.#slowModeSeconds = entry.seconds ?? 0;
  }
}
