import crypto from 'node:crypto';
import type { ChatBadge, ChatMessageView } from '@chunfeng/shared/stage';
import { DomainError } from './errors';
import { SessionModeration, type ModeratorView } from './moderation';
import { screen } from './scamRules';

/** A chat message; `authorId` is the opaque device id moderators act on (no personal data). */
export type ChatMessage = ChatMessageView;

export const CHAT_MAX_LENGTH = 200;

/** Text as it will be stored and shown: no control characters, no surrounding space, length-limited. */
export function cleanText(text: string, max = CHAT_MAX_LENGTH): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B-\u001F\u007F\u200B-\u200F\u202A-\u202E]/g, '').trim().slice(0, max);
}

/**
 * A session's chat: messages, the scam guard, and the moderation of them. Bans, mutes and slow mode
 * are the session's `SessionModeration` (stored, so they outlive this room); a new display name does
 * not lift them. Moderators — decided by the caller from the author's role and identity — skip slow
 * mode and the scam guard (the message budget is spent at the edge).
 */
export class ChatRoom {
  readonly moderation: SessionModeration;
  readonly #messages: ChatMessage[] = [];
  readonly #lastSent = new Map<string, number>();
  readonly #now: () => number;
  /** Message ids are unique across the stage opening again, so the stored log names one message. */
  readonly #idPrefix = crypto.randomBytes(4).toString('hex');
  #seq = 0;

  constructor({ now = () => Date.now(), moderation = new SessionModeration({ sessionId: '', now }) }: { now?: () => number; moderation?: SessionModeration } = {}) {
    this.#now = now;
    this.moderation = moderation;
  }

  get slowModeSeconds(): number {
    return this.moderation.slowModeSeconds;
  }

  /** `badge` is the sender's real standing, decided by the caller from role and sign-in. */
  send({ authorId, displayName, text, moderator = false, badge = null }: { authorId: string; displayName: string; text: string; moderator?: boolean; badge?: ChatBadge }): ChatMessage {
    const now = this.#now();
    if (!moderator) this.moderation.assertMayTakePart(authorId, { chat: true });
    const slowMode = this.moderation.slowModeSeconds;
    if (!moderator && slowMode > 0) {
      const last = this.#lastSent.get(authorId) ?? -Infinity;
      const wait = last + slowMode * 1000 - now;
      if (wait > 0) throw new DomainError('RATE_LIMITED', `slow mode: wait ${Math.ceil(wait / 1000)} seconds`);
    }
    const clean = cleanText(text);
    if (!clean) throw new DomainError('VALIDATION', 'the message is empty');
    const name = cleanText(displayName, 20) || '';
    const guard = moderator ? { held: false, rules: [] } : screen(clean);
    const message: ChatMessage = {
      id: `m${this.#idPrefix}-${++this.#seq}`,
      authorId,
      displayName: name,
      badge,
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

  async delete(by: ModeratorView, messageId: string): Promise<ChatMessage> {
    const message = this.#message(messageId);
    await this.moderation.messageAction(by, 'delete', message.authorId, messageId);
    message.status = 'deleted';
    return { ...message };
  }

  /** Shows a message the scam guard held, after a moderator looked at it. */
  async approve(by: ModeratorView, messageId: string): Promise<ChatMessage> {
    const message = this.#message(messageId);
    if (message.status !== 'held') throw new DomainError('CONFLICT', 'that message is not held');
    await this.moderation.messageAction(by, 'approve', message.authorId, messageId);
    message.status = 'shown';
    return { ...message };
  }

  async mute(by: ModeratorView, target: string, seconds: number): Promise<void> {
    await this.moderation.mute(by, target, seconds);
  }

  /** Bans an author (a device-token family) from the session and takes down their messages; returns the ids taken down. */
  async ban(by: ModeratorView, target: string): Promise<string[]> {
    await this.moderation.ban(by, target);
    const removed: string[] = [];
    for (const m of this.#messages) {
      if (m.authorId !== target || m.status === 'deleted') continue;
      m.status = 'deleted';
      removed.push(m.id);
    }
    return removed;
  }

  async setSlowMode(by: ModeratorView, seconds: number): Promise<void> {
    await this.moderation.setSlowMode(by, seconds);
  }

  /** What viewers may see: shown messages, newest last. */
  visible(limit = 50): ChatMessage[] {
    return this.#messages.filter((m) => m.status === 'shown').slice(-limit).map((m) => ({ ...m }));
  }

  held(): ChatMessage[] {
    return this.#messages.filter((m) => m.status === 'held').map((m) => ({ ...m }));
  }

  #message(id: string): ChatMessage {
    const message = this.#messages.find((m) => m.id === id);
    if (!message) throw new DomainError('NOT_FOUND', 'no such message');
    return message;
  }
}
