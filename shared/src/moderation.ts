/** What a moderator did. */
export type ModerationAction = 'delete' | 'approve' | 'mute' | 'ban' | 'slow-mode';

/** Who moderated: the host of the stage, or a bureau staff member (by their account's role). */
export interface ModeratorView {
  role: 'host' | 'admin' | 'staff';
  /** The staff member's name, or the host's display name ('' when the host gave none). */
  name: string;
}

/**
 * One stored moderation action of a session. `target` is the opaque chat author id the action was
 * about (never a device id or a phone); bans and mutes are kept per session by it.
 */
export interface ModerationEntry {
  id: string;
  sessionId: string;
  at: string;
  action: ModerationAction;
  by: ModeratorView;
  target: string | null;
  /** The message deleted or approved. */
  messageId: string | null;
  /** A mute's length, or the slow mode set (0 = off). */
  seconds: number | null;
}
