import type { MediaSource, StageRole } from '@chunfeng/shared/stage';
import type { MediaKind } from '@chunfeng/shared/webrtc';
import { DomainError } from './errors';

/** Host and co-hosts are on stage and may publish; viewers only watch. */
export function mayProduce(role: StageRole): boolean {
  return role === 'host' || role === 'cohost' || role === 'interpreter';
}

/** The captioner types captions; the host may too. */
export function mayCaption(role: StageRole): boolean {
  return role === 'captioner' || role === 'host';
}

export function assertMayProduce(role: StageRole): void {
  if (!mayProduce(role)) throw new DomainError('FORBIDDEN', 'only people on stage may publish media');
}

/** A source carries one kind: the microphone is audio; camera and screen share are video. */
export function assertSourceMatchesKind(source: MediaSource, kind: MediaKind): void {
  const expected: MediaKind = source === 'microphone' ? 'audio' : 'video';
  if (kind !== expected) throw new DomainError('VALIDATION', `a ${source} producer must be ${expected}`);
}

/** Roles that require a signed credential to take. */
export function requiresCredential(role: StageRole): boolean {
  return role !== 'viewer';
}
