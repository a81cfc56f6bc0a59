import type { ChatMessageView } from '@chunfeng/shared/stage';
import { DomainError } from './errors';
import { screen } from './scamRules';

/** A chat message; `authorId` is the opaque device id moderators act on (no personal data). */
export type ChatMessage = ChatMessageView;

export interface ModerationAction {
  action: 'delete' | 'mute' | 'ban' | 'unban' | 'slow-mode' | 'approve';
  by: string;
  target: string | null;
  at: string;
  detail: string;
}

export const CHAT_MAX_LENGTH = 200;

/** Text as it will be stored and shown: no control characters, no surrounding space, length-limited. */
export function cleanText(text: string, max = CHAT_MAX_LENGTH): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B-\u001F\u007F\u200B-\u200F\u202A-\u202E]/g, '').trim().slice(0, max);
}

/**
 * A session's chat with its moderation: messages, the scam guard, mutes for a time, bans by device
 * (a new display name does not lift them), slow mode, and a log of who did what. Moderators are
 * the host and bureau staff; no moderator can mute or ban another moderator.
 */
export class ChatRoom {
  readonly #messages: ChatMessage[] = [];
  readonly #mutes = new Map<string, number>();
  readonly #bans = new Set<string>();
  readonly #moderators = new Set<string>();
  readonly #log: ModerationAction[] = [];
  readonly #lastSent = new Map<string, number>();
  readonly #now: () => number;
  #slowModeSeconds = 0;
  #seq = 0;

  constructor({ now = () => Date.now() }: { now?: () => number } = {}) {
    this.#now = now;
  }

  addModerator(authorId: string): void {
    this.#moderators.add(authorId);
  }

  isModerator(authorId: string): boolean {
    return this.#moderators.has(authorId);
  }

  get slowModeSeconds(): number {
    return this.#slowModeSeconds;
  }

  send({ authorId, displayName, text }: { authorId: string; displayName: string; text: string }): ChatMessage {
    const now = this.#now();
    if (this.#bans.has(authorId)) throw new DomainError('BANNED', 'you have been removed from this chat');
    const mutedUntil = this.#mutes.get(authorId) ?? 0;
    if (mutedUntil > now) {
      throw new DomainError('MUTED', `you are muted for ${Math.ceil((mutedUntil - now) / 1000)} more seconds`);
    }
    const moderator = this.#moderators.has(authorId);
    if (!moderator && this.#slowModeSeconds > 0) {
      const last = this.#lastSent.get(authorId) ?? -Infinity;
      const wait = last + this.#slowModeSeconds * 1000 - now;
      if (wait > 0) throw new DomainError('RATE_LIMITED', `slow mode: wait ${Math.ceil(wait / 1000)} seconds`);
    }
    const clean = cleanText(text);
    if (!clean) throw new DomainError('VALIDATION', 'the message is empty');
    const name = cleanText(displayName, 20) || '';
    const guard = moderator ? { held: false, rules: [] } : screen(clean);
    const message: ChatMessage = {
      id: `m${++this.#seq}`,
      authorId,
      displayName: name,
      text: clean,
      at: new Date(now).toISOString(),
      status: guard.held ? 'held' : 'shown',
      heldFor: guard.rules,
    };
    this.#messages.push(message);
    if (this.#messages.length > 2000) this.#messages.splice(0, this.#messages.length - 2000);
    this.#lastSent.set(authorId, now);
    return { ...message };
  }

  #assertModerator(by: string): void {
    if (!this.#moderators.has(by)) throw new DomainError('FORBIDDEN', 'only moderators can do that');
  }

  #assertNotModerator(target: string): void {
    if (this.#moderators.has(target)) throw new DomainError('FORBIDDEN', 'a moderator or the host cannot be muted or banned');
  }

  #record(action: ModerationAction['action'], by: string, target: string | null, detail = ''): void {
    this.#log.push({ action, by, target, at: new Date(this.#now()).toISOString(), detail });
  }

  delete(by: string, messageId: string): ChatMessage {
    this.#assertModerator(by);
    const message = this.#message(messageId);
    message.status = 'deleted';
    this.#record('delete', by, message.authorId, messageId);
    return { ...message };
  }

  /** Shows a message the scam guard held, after a moderator looked at it. */
  approve(by: string, messageId: string): ChatMessage {
    this.#assertModerator(by);
    const message = this.#message(messageId);
    if (message.status !== 'held') throw new DomainError('CONFLICT', 'that message is not held');
    message.status = 'shown';
    this.#record('approve', by, message.authorId, messageId);
    return { ...message };
  }

  mute(by: string, target: string, seconds: number): void {
    this.#assertModerator(by);
    this.#assertNotModerator(target);
    this.#mutes.set(target, this.#now() + seconds * 1000);
    this.#record('mute', by, target, `${seconds}s`);
  }

  /** Bans a device from the chat and takes down its messages; returns the ids taken down. */
  ban(by: string, target: string): string[] {
    this.#assertModerator(by);
    this.#assertNotModerator(target);
    this.#bans.add(target);
    const removed: string[] = [];
    for (const m of this.#messages) {
      if (m.authorId !== target || m.status === 'deleted') continue;
      m.status = 'deleted';
      removed.push(m.id);
    }
    this.#record('ban', by, target);
    return removed;
  }

  isBanned(authorId: string): boolean {
    return this.#bans.has(authorId);
  }

  setSlowMode(by: string, seconds: number): void {
    this.#assertModerator(by);
    this.#slowModeSeconds = seconds;
    this.#record('slow-mode', by, null, `${seconds}s`);
  }

  /** What viewers may see: shown messages, newest last. */
  visible(limit = 50): ChatMessage[] {
    return this.#messages.filter((m) => m.status === 'shown').slice(-limit).map((m) => ({ ...m }));
  }

  held(): ChatMessage[] {
    return this.#messages.filter((m) => m.status === 'held').map((m) => ({ ...m }));
  }

  log(): ModerationAction[] {
    return this.#log.map((a) => ({ ...a }));
  }

  #message(id: string): ChatMessage {
    const message = this.#messages.find((m) => m.id === id);
    if (!message) throw new DomainError('NOT_FOUND', 'no such message');
    return message;
  }
}
