/** A polite live region saying what is happening (connecting, live, reconnecting, ended). */
export function StatusBanner({ text, tone = 'info' }: { text: string; tone?: 'info' | 'live' | 'warn' | 'error' }) {
  return (
    <p className={`status status-${tone}`} role="status" aria-live="polite">
      {text}
    </p>
  );
}
