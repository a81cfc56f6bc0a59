import { useEffect, useRef, useState } from 'react';

/**
 * `value`, but each change shows up `delayMs` after it arrived (0 passes it straight through). The
 * delay may change while a value waits (an HLS player's latency is re-measured every second): the
 * value is then due at its arrival plus the new delay, not the new delay from now. A value that
 * arrives while another waits replaces it.
 */
export function useDelayed<T>(value: T, delayMs: number): T {
  const [shown, setShown] = useState(value);
  const arrivedAt = useRef(0);
  useEffect(() => {
    arrivedAt.current = performance.now();
  }, [value]);
  useEffect(() => {
    const due = arrivedAt.current + Math.max(0, delayMs) - performance.now();
    const timer = setTimeout(() => setShown(value), Math.max(0, due));
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return delayMs <= 0 ? value : shown;
}
