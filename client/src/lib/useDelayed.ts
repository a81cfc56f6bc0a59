import { useEffect, useState } from 'react';

/** `value`, but each change shows up `delayMs` later (0 passes it straight through). */
export function useDelayed<T>(value: T, delayMs: number): T {
  const [shown, setShown] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setShown(value), Math.max(0, delayMs));
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return delayMs <= 0 ? value : shown;
}
