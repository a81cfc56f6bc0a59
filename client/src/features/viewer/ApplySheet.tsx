import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { CONSENT_VERSION, TargetGroup, type ApplySource, type ApplyVerifySent, type MyApplicationView, type VacancyCard } from '@chunfeng/shared/recruitment';
import { api, ApiError } from '../../signalling/api';
import type { Signalling } from '../../signalling/signalling';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { CONTENT_LANG } from '../../ui/content';
import { describeError } from '../../ui/errors';
import { Sheet } from '../../ui/Sheet';
import { myApplications, rememberApplication } from './myApplications';
import { submitApplication } from './submitApplication';
import { arrivedChannel } from '../promotion/shareChannel';

type Outcome =
  | { kind: 'idle' }
  | { kind: 'sending' }
  | { kind: 'applied' }
  | { kind: 'already' }
  | { kind: 'error'; message: string }
  /** The server said it cannot store it right now and when to try again: the sheet retries by itself. */
  | { kind: 'waiting'; seconds: number };

/** Tries the sheet makes by itself while the server says it is briefly unavailable (about two minutes at most). */
const AUTO_RETRIES = 20;
const MAX_WAIT_SECONDS = 15;

const PHONE = /^1[3-9]\d{9}$/;
const CODE = /^\d{6}$/;
/** What is wrong with the sheet, by field. */
type FieldProblems = Partial<Record<'name' | 'phone' | 'consent' | 'code', string>>;

/** The fields the server refused (it checks what the sheet checks), in the sheet's words. */
function serverProblems(error: ApiError, t: TFunction): FieldProblems {
  if (error.code !== 'VALIDATION') return {};
  const found: FieldProblems = {};
  for (const issue of error.issues) {
    if (issue.path === 'name') found.name = t('apply.required');
    else if (issue.path === 'phone') found.phone = t('apply.invalidPhone');
    else if (issue.path.startsWith('consent')) found.consent = t('apply.consentRequired');
    else if (issue.path === 'code') found.code = t('apply.codeInvalid');
  }
  return found;
}

/** The applicant's name and phone, kept only when they tick "remember on this phone". */
const SAVED = 'chunfeng.applicant';

function savedApplicant(): { name?: string; phone?: string } {
  try {
    return JSON.parse(localStorage.getItem(SAVED) ?? '{}') as { name?: string; phone?: string };
  } catch {
    return {};
  }
}

/** The applications the server knows by these keys: the applicant's own view, nothing else. */
async function lookUp(items: Array<{ id?: string; idempotencyKey: string }>): Promise<MyApplicationView[]> {
  try {
    return (await api<{ applications: MyApplicationView[] }>('/applications/mine', { method: 'POST', body: { items } })).applications;
  } catch {
    return [];
  }
}

/** Whether this phone already holds an open application for the vacancy (so a new sheet only repeated it). */
async function openHereFor(vacancyId: string, except: string): Promise<boolean> {
  const here = myApplications().filter((a) => a.vacancyId === vacancyId && a.id !== except);
  if (here.length === 0) return false;
  const found = await lookUp(here.map((a) => ({ id: a.id, idempotencyKey: a.idempotencyKey })));
  return found.length === 0 || found.some((a) => a.status !== 'withdrawn');
}

/**
 * Name, phone and consent — no resume. One idempotency key per sheet, so a double tap or a retry
 * on a weak network never makes a second application.
 */
export function ApplySheet({ vacancy, sessionId, source, signalling, onClose }: {
  vacancy: VacancyCard;
  sessionId?: string | undefined;
  /** The page's socket, if it holds one: the application goes over it while it is connected. */
  signalling?: Signalling | undefined;
  source: ApplySource;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [saved] = useState(savedApplicant);
  const [name, setName] = useState(saved.name ?? '');
  const [phone, setPhone] = useState(saved.phone ?? '');
  const [group, setGroup] = useState('');
  const [consent, setConsent] = useState(false);
  const [remember, setRemember] = useState(saved.name !== undefined || saved.phone !== undefined);
  // Where the bureau asks for a texted code: the phone it went to, and what was typed.
  const [codeFor, setCodeFor] = useState<{ phone: string; minutes: number }>();
  const [code, setCode] = useState('');
  const [sendingCode, setSendingCode] = useState(false);
  const codeInput = useRef<HTMLInputElement>(null);
  const [problems, setProblems] = useState<FieldProblems>({});
  // Bumped on each refused try, so focus moves to the first marked field even when the problems are the same.
  const [refusals, setRefusals] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (refusals > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [refusals]);
  function showProblems(found: FieldProblems): void {
    setProblems(found);
    setRefusals((n) => n + 1);
  }
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  // The share link this browser came to the session by (kept from the viewer page's address).
  const [channel] = useState(() => (sessionId ? arrivedChannel(sessionId) : undefined));
  const retryTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const autoRetries = useRef(0);
  useEffect(() => () => clearTimeout(retryTimer.current), []);
  const first = useRef<HTMLInputElement>(null);
  const ids = useId();

  const done = outcome.kind === 'applied' || outcome.kind === 'already';
  const doneMessage = useRef<HTMLParagraphElement>(null);
  // The form (and the focused submit button) is gone once sent: focus the outcome, still inside the sheet.
  useEffect(() => {
    if (done) doneMessage.current?.focus();
  }, [done]);

  // A code was (re)sent: the field it goes in takes focus, so typing it and Enter sends the application.
  useEffect(() => {
    if (codeFor) codeInput.current?.focus();
  }, [codeFor]);

  function rememberChanged(on: boolean): void {
    setRemember(on);
    // Unticking forgets at once: nothing of the applicant stays on a shared phone.
    if (!on) localStorage.removeItem(SAVED);
  }

  async function sendCode(to: string): Promise<void> {
    setSendingCode(true);
    try {
      const sent = await api<ApplyVerifySent>('/apply/verify', { method: 'POST', body: { phone: to } });
      setCodeFor({ phone: to, minutes: Math.round(sent.expiresInSeconds / 60) });
      setCode('');
      setProblems(({ code: _sent, ...rest }) => rest);
      setOutcome({ kind: 'idle' });
    } catch (error) {
      setOutcome({ kind: 'error', message: describeError(error, t, 'apply') });
    } finally {
      setSendingCode(false);
    }
  }

  async function submit(e: FormEvent | undefined): Promise<void> {
    e?.preventDefault();
    clearTimeout(retryTimer.current);
    // A tap starts a fresh series of automatic retries; a retry made by the sheet continues its series.
    if (e) autoRetries.current = 0;
    const cleanPhone = phone.replace(/[\s-]/g, '');
    const withCode = codeFor?.phone === cleanPhone;
    // Every problem at once, each beside its field; the first takes focus.
    const found: FieldProblems = {};
    if (!name.trim()) found.name = t('apply.required');
    if (!PHONE.test(cleanPhone)) found.phone = t('apply.invalidPhone');
    if (!consent) found.consent = t('apply.consentRequired');
    if (withCode && !CODE.test(code.trim())) found.code = t('apply.codeInvalid');
    if (Object.keys(found).length > 0) return showProblems(found);
    setProblems({});
    setOutcome({ kind: 'sending' });
    const targetGroup = TargetGroup.safeParse(group);
    try {
      // Over the page's socket when it is connected, else (or when it does not answer) over HTTP: one key either way.
      await submitApplication(
        {
          vacancyId: vacancy.id,
          ...(sessionId ? { sessionId } : {}),
          name: name.trim(),
          phone: cleanPhone,
          ...(targetGroup.success ? { targetGroup: targetGroup.data } : {}),
          consent: { version: CONSENT_VERSION, accepted: true },
          source,
          ...(channel ? { channel } : {}),
          idempotencyKey,
          ...(withCode ? { code: code.trim() } : {}),
        },
        { signalling },
      );
      if (remember) localStorage.setItem(SAVED, JSON.stringify({ name: name.trim(), phone: cleanPhone }));
      else localStorage.removeItem(SAVED);
      // The answer is the same whatever the server had stored; what this sheet's key stands for is
      // asked with the key. Another sheet of this phone that already holds an open application for
      // the vacancy means this one only repeated it: the first entry and its key are kept.
      const [mine] = await lookUp([{ idempotencyKey }]);
      if (mine && (await openHereFor(vacancy.id, mine.id))) return setOutcome({ kind: 'already' });
      if (mine) {
        rememberApplication({
          id: mine.id,
          vacancyId: vacancy.id,
          title: vacancy.title,
          employer: vacancy.employer.name,
          idempotencyKey,
          at: mine.createdAt,
        });
      }
      setOutcome({ kind: 'applied' });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'VERIFICATION_REQUIRED') {
        if (withCode) {
          setOutcome({ kind: 'idle' });
          showProblems({ code: t('apply.codeWrong') });
          return;
        }
        await sendCode(cleanPhone);
        return;
      }
      // Unavailable for a moment (its store is away): the same key again after the wait the server
      // named, growing, so nothing is sent twice and the person need not press anything.
      if (error instanceof ApiError && error.code === 'UNAVAILABLE' && error.retryAfterSeconds !== undefined && autoRetries.current < AUTO_RETRIES) {
        autoRetries.current += 1;
        const seconds = Math.min(MAX_WAIT_SECONDS, Math.max(1, error.retryAfterSeconds) * Math.min(4, autoRetries.current));
        setOutcome({ kind: 'waiting', seconds });
        retryTimer.current = setTimeout(() => void submit(undefined), seconds * 1000);
        return;
      }
      // The server checks what the sheet checks; a field it refused is marked as the sheet marks it.
      const refused = error instanceof ApiError ? serverProblems(error, t) : {};
      if (Object.keys(refused).length > 0) {
        setOutcome({ kind: 'idle' });
        showProblems(refused);
        return;
      }
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
        <form ref={form} onSubmit={(e) => void submit(e)} noValidate>
          <Field label={t('apply.name')} error={problems.name}>
            {(control) => <input {...control} ref={first} value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" maxLength={40} required />}
          </Field>
          <Field label={t('apply.phone')} hint={t('apply.phoneHint')} error={problems.phone}>
            {(control) => <input {...control} value={phone} onChange={(e) => setPhone(e.target.value)} inputMode="tel" autoComplete="tel" maxLength={20} required />}
          </Field>
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
          {/* Not a .field: its inputs are stretched to the full width, which a checkbox must not be. */}
          <div>
            <label className="consent">
              <input
                type="checkbox"
                checked={consent}
                onChange={(e) => setConsent(e.target.checked)}
                aria-invalid={Boolean(problems.consent)}
                aria-describedby={problems.consent ? `${ids}-consent-error` : undefined}
              />
              <span>{t('apply.consent', { employer: vacancy.employer.name })}</span>
            </label>
            {problems.consent && (
              <span id={`${ids}-consent-error`} className="field-error">
                {problems.consent}
              </span>
            )}
          </div>
          {codeFor && (
            <>
              <Field label={t('apply.code')} hint={t('apply.codeSent', { phone: codeFor.phone, minutes: codeFor.minutes })} error={problems.code}>
                {(control) => (
                  <input {...control} ref={codeInput} value={code} onChange={(e) => setCode(e.target.value)} inputMode="numeric" autoComplete="one-time-code" maxLength={6} required />
                )}
              </Field>
              <Button busy={sendingCode} onClick={() => void sendCode(codeFor.phone)}>
                {sendingCode ? t('apply.sendingCode') : t('apply.resend')}
              </Button>
            </>
          )}
          {Object.keys(problems).length > 0 && (
            <p className="status status-error" role="alert">
              {t('apply.fixFields', { count: Object.keys(problems).length })}
            </p>
          )}
          {outcome.kind === 'error' && (
            <p className="status status-error" role="alert">
              {t('apply.error', { message: outcome.message })}
            </p>
          )}
          {outcome.kind === 'waiting' && (
            <p className="status" role="status">
              {t('apply.retrying', { seconds: outcome.seconds })}
            </p>
          )}
          <Button type="submit" variant="primary" wide busy={outcome.kind === 'sending'}>
            {outcome.kind === 'sending' ? t('apply.submitting') : outcome.kind === 'error' || outcome.kind === 'waiting' ? t('apply.retry') : t('apply.submit')}
          </Button>
          {/* After the send button, so the keyboard path name → phone → group → consent → send stays as it was. */}
          <label className="consent">
            <input type="checkbox" checked={remember} onChange={(e) => rememberChanged(e.target.checked)} />
            <span>{t('apply.remember')}</span>
          </label>
        </form>
      )}
    </Sheet>
  );
}
