import { useSyncExternalStore } from 'react';

/**
 * Browsers start a page's media with sound only after the person has tapped the page (Chrome's and
 * Safari's autoplay rules; a phone opened from a chat link has not), while a muted picture may always
 * start. So a live stage starts at once, without sound if it must, and the page offers one tap for
 * sound: the media held back wait here until `soundOn()` runs inside that tap.
 */
const held = new Set<HTMLMediaElement>();
const listeners = new Set<() => void>();

function changed(): void {
  for (const listener of listeners) listener();
}

const refused = (error: unknown): boolean => error instanceof DOMException && error.name === 'NotAllowedError';

/**
 * Starts an element. Refused with sound, a video starts muted and waits for the tap with an audio
 * element; any other failure (the source changed, nothing to play yet) is left to the next call.
 */
export async function startPlaying(el: HTMLMediaElement): Promise<void> {
  try {
    await el.play();
    return;
  } catch (error) {
    if (!refused(error)) return;
  }
  if (el instanceof HTMLVideoElement && !el.muted) {
    el.muted = true;
    await el.play().catch(() => undefined);
  }
  held.add(el);
  changed();
}

/** The element is gone (or plays something else now): nothing waits for sound on it. */
export function forgetPlaying(el: HTMLMediaElement): void {
  if (held.delete(el)) changed();
}

/** Inside a tap: every element held back plays with sound. */
export function soundOn(): void {
  for (const el of held) {
    el.muted = false;
    void el.play().catch(() => undefined);
  }
  held.clear();
  changed();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Whether some media on the page waits for a tap to play with sound. */
export function useSoundHeld(): boolean {
  return useSyncExternalStore(subscribe, () => held.size > 0);
}
