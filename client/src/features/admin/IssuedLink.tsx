import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '../../ui/Button';
import { formatTime } from '../../ui/format';

export interface Issued {
  label: string;
  url: string;
  expiresAt: string;
}

/** A link just issued: selected for copying, with a copy button and when it stops working. */
export function IssuedLink({ issued, onDone }: { issued: Issued; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, [issued]);
  return (
    <div className="panel invite" role="group" aria-labelledby="issued-link-label">
      <label htmlFor="issued-link" id="issued-link-label">
        {issued.label}
      </label>
      <input id="issued-link" ref={input} readOnly value={issued.url} className="invite-link" onFocus={(e) => e.currentTarget.select()} />
      <p className="muted">{t('admin.expiresAt', { when: formatTime(issued.expiresAt, i18n.language) })}</p>
      <div className="row-actions">
        <Button
          size="small"
          onClick={() =>
            void navigator.clipboard?.writeText(issued.url).then(
              () => setCopied(true),
              () => input.current?.select(),
            )
          }
        >
          {copied ? t('admin.copied') : t('admin.copy')}
        </Button>
        <Button size="small" onClick={onDone}>
          {t('admin.done')}
        </Button>
      </div>
      <p role="status" className="visually-hidden">
        {copied ? t('admin.copied') : ''}
      </p>
    </div>
  );
}
