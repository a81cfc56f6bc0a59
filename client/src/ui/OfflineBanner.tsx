import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { StatusBanner } from './StatusBanner';
import { useToast } from './Toast';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('online', onChange);
  window.addEventListener('offline', onChange);
  return () => {
    window.removeEventListener('online', onChange);
    window.removeEventListener('offline', onChange);
  };
}

/** Whether the browser believes it has a network (navigator.onLine), kept current from its events. */
export function useOnline(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => navigator.onLine,
    () => true,
  );
}

/**
 * Says so, app-wide, while the phone has no network — so a viewer on a weak connection knows why
 * nothing moves — and says when it is back.
 */
export function OfflineBanner() {
  const { t } = useTranslation();
  const online = useOnline();
  const toasts = useToast();
  const wasOffline = useRef(false);
  useEffect(() => {
    if (!online) wasOffline.current = true;
    else if (wasOffline.current) {
      wasOffline.current = false;
      toasts.show(t('state.backOnline'), { tone: 'success' });
    }
  }, [online, toasts, t]);
  if (online) return null;
  return (
    <div className="offline-banner">
      <StatusBanner tone="warn" text={t('state.offlineBanner')} />
    </div>
  );
}
