import { createContext, use, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export type ToastTone = 'info' | 'success' | 'error';

export interface ToastOptions {
  /** info and success are polite and go away by themselves; error is assertive and stays until closed. */
  tone?: ToastTone | undefined;
  /** How long a polite toast stays; the provider's default (about 5 s) otherwise. */
  durationMs?: number | undefined;
}

export interface Toasts {
  /** Shows a short transient message (already translated; mark Chinese content with lang). */
  show(message: ReactNode, options?: ToastOptions): void;
}

interface Item {
  id: number;
  message: ReactNode;
  tone: ToastTone;
  durationMs: number;
}

const MAX_SHOWN = 3;

// Outside a provider (a component rendered on its own) toasts are simply not shown.
const ToastContext = createContext<Toasts>({ show: () => undefined });

/** The toasts of the page a component is on. */
export function useToast(): Toasts {
  return use(ToastContext);
}

/**
 * Holds the page's toasts and its two live regions: a polite status region for confirmations and an
 * alert region for errors. Both regions exist from the start, so screen readers announce what is
 * added to them.
 */
export function ToastProvider({ children, durationMs = 5000 }: { children: ReactNode; durationMs?: number }) {
  const [items, setItems] = useState<Item[]>([]);
  const nextId = useRef(0);
  const dismiss = useCallback((id: number) => setItems((all) => all.filter((x) => x.id !== id)), []);
  const toasts = useMemo<Toasts>(
    () => ({
      show(message, { tone = 'info', durationMs: ms = durationMs } = {}) {
        nextId.current += 1;
        const item: Item = { id: nextId.current, message, tone, durationMs: ms };
        setItems((all) => [...all, item].slice(-MAX_SHOWN));
      },
    }),
    [durationMs],
  );
  const polite = items.filter((x) => x.tone !== 'error');
  const errors = items.filter((x) => x.tone === 'error');
  return (
    <ToastContext value={toasts}>
      {children}
      <div className="toasts">
        <div role="status" aria-live="polite" className="toast-region">
          {polite.map((item) => (
            <Toast key={item.id} item={item} onDismiss={dismiss} />
          ))}
        </div>
        <div role="alert" className="toast-region">
          {errors.map((item) => (
            <Toast key={item.id} item={item} onDismiss={dismiss} />
          ))}
        </div>
      </div>
    </ToastContext>
  );
}

function Toast({ item, onDismiss }: { item: Item; onDismiss: (id: number) => void }) {
  const { t } = useTranslation();
  // Hovering or focusing the toast holds it, so it can be read at any pace.
  const [held, setHeld] = useState(false);
  const { id, tone, durationMs } = item;
  useEffect(() => {
    if (tone === 'error' || held) return;
    const timer = setTimeout(() => onDismiss(id), durationMs);
    return () => clearTimeout(timer);
  }, [id, tone, durationMs, held, onDismiss]);
  return (
    <div
      className={`toast toast-${tone}`}
      data-toast={tone}
      onPointerEnter={() => setHeld(true)}
      onPointerLeave={() => setHeld(false)}
      onFocus={() => setHeld(true)}
      onBlur={() => setHeld(false)}
    >
      <p className="toast-message">{item.message}</p>
      <button type="button" className="toast-close" onClick={() => onDismiss(id)}>
        <span aria-hidden="true">×</span>
        <span className="visually-hidden">{t('toast.dismiss')}</span>
      </button>
    </div>
  );
}
