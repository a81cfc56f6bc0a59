import { useEffect, useRef } from 'react';
import type { ServerToClientEvents } from '@chunfeng/shared/events';
import type { Signalling } from '../../signalling/signalling';

/** Listens to one server notification while mounted; the latest `listener` is always called. */
export function useSocketEvent<E extends keyof ServerToClientEvents>(
  signalling: Signalling | undefined,
  event: E,
  listener: ServerToClientEvents[E],
): void {
  const ref = useRef(listener);
  useEffect(() => {
    ref.current = listener;
  });
  useEffect(() => {
    const socket = signalling?.socket;
    if (!socket) return;
    const relay = ((...args: unknown[]) => (ref.current as (...a: unknown[]) => void)(...args)) as never;
    socket.on(event, relay);
    return () => {
      socket.off(event, relay);
    };
  }, [signalling, event]);
}
