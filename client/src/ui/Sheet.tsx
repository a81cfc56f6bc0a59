import { useEffect, useEffectEvent, useId, useRef, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from './Button';

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  'summary',
  '[tabindex]:not([tabindex="-1"])',
].join(',');

/** What Tab can reach inside `root`, in document order, skipping what is not rendered. */
function tabbable(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.tabIndex >= 0 && el.getClientRects().length > 0);
}

/** Keeps Tab and Shift+Tab cycling inside `root`. */
function trapTab(e: KeyboardEvent, root: HTMLElement): void {
  const items = tabbable(root);
  const first = items[0];
  const last = items.at(-1);
  const active = document.activeElement;
  if (!first || !last) {
    e.preventDefault();
    root.focus();
  } else if (!(active instanceof Node) || !root.contains(active)) {
    e.preventDefault();
    (e.shiftKey ? last : first).focus();
  } else if (e.shiftKey && (active === first || active === root)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && active === last) {
    e.preventDefault();
    first.focus();
  }
}

export interface SheetProps {
  /** The heading that names the dialog. */
  title: ReactNode;
  /** Escape, the close button and a tap on the backdrop all call this; the caller unmounts the sheet. */
  onClose: () => void;
  /** What gets focus on open; the first tabbable element otherwise. */
  initialFocus?: RefObject<HTMLElement | null> | undefined;
  /** The close button's text; "Close" by default. */
  closeLabel?: string | undefined;
  className?: string | undefined;
  children: ReactNode;
}

/**
 * A modal bottom sheet: a dialog named by its title. Focus moves in when it opens, Tab stays inside,
 * Escape or the backdrop closes it, focus goes back to what opened it, and the page behind does not
 * scroll. Render it while open; unmount it to close.
 */
export function Sheet({ title, onClose, initialFocus, closeLabel, className, children }: SheetProps) {
  const { t } = useTranslation();
  const titleId = useId();
  const dialog = useRef<HTMLElement>(null);
  const pressedBackdrop = useRef(false);
  const close = useEffectEvent(() => onClose());

  useEffect(() => {
    const root = dialog.current;
    if (!root) return;
    // Captured before focus moves in: the element to return to on close.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    (initialFocus?.current ?? tabbable(root)[0] ?? root).focus();
    const { overflow } = document.body.style;
    document.body.style.overflow = 'hidden';
    const onKey = (e: KeyboardEvent): void => {
      // A control inside that used the Escape (a picker closing its options) marked it so: the sheet stays.
      if (e.key === 'Escape' && !e.defaultPrevented) {
        e.preventDefault();
        close();
      } else if (e.key === 'Tab') {
        trapTab(e, root);
      }
    };
    // Focus that escapes anyway (a click on the page behind, a script) is brought back in.
    const onFocusIn = (e: FocusEvent): void => {
      if (e.target instanceof Node && !root.contains(e.target)) (tabbable(root)[0] ?? root).focus();
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('focusin', onFocusIn);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('focusin', onFocusIn);
      document.body.style.overflow = overflow;
      if (opener?.isConnected) opener.focus();
    };
  }, [initialFocus]);

  return (
    <div
      className="sheet-backdrop"
      data-sheet-backdrop=""
      // Only a press that starts and ends on the backdrop closes: not a text selection dragged out of the sheet.
      onPointerDown={(e) => {
        pressedBackdrop.current = e.target === e.currentTarget;
      }}
      onClick={(e) => {
        if (pressedBackdrop.current && e.target === e.currentTarget) onClose();
        pressedBackdrop.current = false;
      }}
    >
      <section ref={dialog} className={['sheet', className].filter(Boolean).join(' ')} role="dialog" aria-modal="true" aria-labelledby={titleId} tabIndex={-1}>
        <h2 id={titleId} className="sheet-title">
          {title}
        </h2>
        {children}
        <Button wide onClick={onClose}>
          {closeLabel ?? t('sheet.close')}
        </Button>
      </section>
    </div>
  );
}
