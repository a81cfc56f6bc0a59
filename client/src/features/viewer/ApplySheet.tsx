import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { CONSENT_VERSION, TargetGroup, type ApplyResult, type ApplySource, type VacancyCard } from '@chunfeng/shared/recruitment';
import { api } from '../../signalling/api';
import { deviceToken } from '../../signalling/device';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import { describeError } from '../../ui/errors';
import { Sheet } from '../../ui/Sheet';
import { myApplications, rememberApplication } from './myApplications';

type Outcome = { kind: 'idle' } | { kind: 'sending' } | { kind: 'applied' } | { kind: 'already' } | { kind: 'error'; message: string };

const PHONE = /^1[3-9]\d{9}$/;
const SAVED = 'chunfeng.applicant';

/** Whether the server knows application `id` by this idempotency key (a retry of the same sheet). */
async function madeWith(id: string, idempotencyKey: string): Promise<boolean> {
  if (myApplications().some((a) => a.id === id)) return false;
  try {
    const { applications } = await api<{ applications: Array<{ id: string }> }>('/applications/mine', { method: 'POST', body: { items: [{ id, idempotencyKey }] } });
    return applications.some((a) => a.id === id);
  } catch {
    return false;
  }
}

/**
 * Name, phone and consent — no resume. One idempotency key per sheet, so a double tap or a retry
 * on a weak network never makes a second application.
 */
export function ApplySheet({ vacancy, sessionId, source, onClose }: {
  vacancy: VacancyCard;
  sessionId?: string | undefined;
  source: ApplySource;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const saved = (() => {
    try {
      return JSON.parse(localStorage.getItem(SAVED) ?? '{}') as { name?: string; phone?: string };
    } catch {
      return {};
    }
  })();
  const [name, setName] = useState(saved.name ?? '');
  const [phone, setPhone] = useState(saved.phone ?? '');
  const [group, setGroup] = useState('');
  const [consent, setConsent] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const first = useRef<HTMLInputElement>(null);
  const ids = useId();

  const done = outcome.kind === 'applied' || outcome.kind === 'already';
  const doneMessage = useRef<HTMLParagraphElement>(null);
  // The form (and the focused submit button) is gone once sent: focus the outcome, still inside the sheet.
  useEffect(() => {
    if (done) doneMessage.current?.focus();
  }, [done]);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    const cleanPhone = phone.replace(/[\s-]/g, '');
    if (!name.trim()) return setProblem(t('apply.required'));
    if (!PHONE.test(cleanPhone)) return setProblem(t('apply.invalidPhone'));
    if (!consent) return setProblem(t('apply.consentRequired'));
    setProblem(undefined);
    setOutcome({ kind: 'sending' });
    try {
      const result = await api<ApplyResult>('/applications', {
        method: 'POST',
        device: await deviceToken(),
        body: {
          vacancyId: vacancy.id,
          ...(sessionId ? { sessionId } : {}),
          name: name.trim(),
          phone: cleanPhone,
          ...(group ? { targetGroup: group } : {}),
          consent: { version: CONSENT_VERSION, accepted: true },
          source,
          idempotencyKey,
        },
      });
      localStorage.setItem(SAVED, JSON.stringify({ name: name.trim(), phone: cleanPhone }));
      // "Already applied" is either a retry of this very sheet (its first answer was lost on the way)
      // or an earlier application: this phone's, stored with its own key, or one made elsewhere,
      // whose key the server rightly never reveals. Only a pair the server confirms is stored.
      const mine = result.created || (await madeWith(result.application.id, idempotencyKey));
      if (mine) {
        rememberApplication({
          id: result.application.id,
          vacancyId: vacancy.id,
          title: vacancy.title,
          employer: vacancy.employer.name,
          idempotencyKey,
          at: result.application.createdAt,
        });
      }
      setOutcome({ kind: mine ? 'applied' : 'already' });
    } catch (error) {
      setOutcome({ kind: 'error', message: describeError(error, t, 'apply') });
    }
  }

  return (
    <Sheet title={t('apply.title', { title: vacancy.title })} onClose={onClose} initialFocus={first} closeLabel={t('apply.close')}>
      <p className="muted" lang={CONTENT_LANG}>
        {vacancy.employer.name}
      </p>
      {done ? (
        <p ref={doneMessage} className="status status-live" role="status" tabIndex={-1}>
          {outcome.kind === 'applied' ? t('apply.applied') : t('apply.already')}
        </p>
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <label className="field">
            {t('apply.name')}
            <input ref={first} value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" maxLength={40} required />
          </label>
          <div className="field">
            <label htmlFor={`${ids}-phone`}>{t('apply.phone')}</label>
            <input
              id={`${ids}-phone`}
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
              inputMode="tel"
              autoComplete="tel"
              maxLength={20}
              aria-describedby={`${ids}-phone-hint`}
              required
            />
            <small id={`${ids}-phone-hint`} className="muted">
              {t('apply.phoneHint')}
            </small>
          </div>
          <label className="field">
            {t('apply.targetGroup')}
            <select value={group} onChange={(e) => setGroup(e.target.value)}>
              <option value="">{t('apply.none')}</option>
              {TargetGroup.options.map((g) => (
                <option key={g} value={g}>
                  {t(`card.target.${g}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="consent">
            <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} />
            <span>{t('apply.consent', { employer: vacancy.employer.name })}</span>
          </label>
          {problem && (
            <p className="status status-error" role="alert">
              {problem}
            </p>
          )}
          {outcome.kind === 'error' && (
            <p className="status status-error" role="alert">
              {t('apply.error', { message: outcome.message })}
            </p>
          )}
          <Button type="submit" variant="primary" wide busy={outcome.kind === 'sending'}>
            {outcome.kind === 'sending' ? t('apply.submitting') : outcome.kind === 'error' ? t('apply.retry') : t('apply.submit')}
          </Button>
        </form>
      )}
    </Sheet>
  );
}
