import { useCallback, useEffect, useState } from 'react';
import { api } from '../../signalling/api';

/** A document read from the API when the component mounts (or the path changes), and again on `reload()`. */
export function useApiData<T>(path: string): { data: T | undefined; error: unknown; reload: () => Promise<void> } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const reload = useCallback(async () => {
    try {
      setData(await api<T>(path));
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }, [path]);
  useEffect(() => {
    let cancelled = false;
    api<T>(path).then(
      (d) => {
        if (cancelled) return;
        setData(d);
        setError(undefined);
      },
      (e: unknown) => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [path]);
  return { data, error, reload };
}
