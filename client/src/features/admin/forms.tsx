import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { z } from 'zod';
import { ApiError } from '../../signalling/api';
import { describeError } from '../../ui/errors';
import { Button } from '../../ui/Button';

export type FieldErrors = Record<string, string>;

/**
 * A field problem in plain words ("please fill this in", "enter a number"), not the validation
 * library's jargon. A rule with its own wording (a pay range upside down) has a key by its path.
 */
function fieldMessage(issue: z.core.$ZodIssue, t: TFunction): string {
  const path = issue.path.join('.');
  const own = t(`admin.fieldError.${path}`, { defaultValue: '' });
  if (issue.code === 'custom' && own) return own;
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? t('form.required') : t('form.tooShort', { min: issue.minimum });
      if (issue.origin === 'number') return t('form.atLeast', { min: issue.minimum });
      return t('form.chooseAtLeast', { min: issue.minimum });
    case 'too_big':
      if (issue.origin === 'string') return t('form.tooLong', { max: issue.maximum });
      if (issue.origin === 'number') return t('form.atMost', { max: issue.maximum });
      return t('form.chooseAtMost', { max: issue.maximum });
    case 'invalid_type':
      return issue.expected === 'number' ? t('form.number') : t('form.required');
    case 'invalid_format':
      return issue.format === 'date' || issue.format === 'datetime' ? t('form.date') : t('form.format');
    case 'invalid_value':
      return t('form.choose');
    default:
      return own || t('form.invalid');
  }
}

/** Problems to show: a rule across fields (pay min ≤ max) says nothing while a field it compares is itself wrong. */
function visibleIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const fieldIssues = issues.filter((i) => i.code !== 'custom');
  return fieldIssues.length > 0 ? fieldIssues : [...issues];
}

/**
 * A form checked with the same zod schema the server checks, before it is sent; field problems are
 * shown beside their fields (and focus moves to the first), anything else above the submit button.
 * Attach `formRef` to the <form>.
 */
export function useSchemaForm<S extends z.ZodType>(schema: S, send: (value: z.output<S>) => Promise<void>) {
  const { t } = useTranslation();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (attempt > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [attempt]);

  async function submit(raw: unknown): Promise<boolean> {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      setErrors(Object.fromEntries(visibleIssues(parsed.error.issues).map((i) => [i.path.join('.'), fieldMessage(i, t)])));
      setProblem(t('admin.fixFields'));
      setAttempt((n) => n + 1);
      return false;
    }
    setBusy(true);
    try {
      await send(parsed.data);
      setErrors({});
      setProblem(undefined);
      return true;
    } catch (error) {
      // The server checked with the same schema; its words are English, so say it by field.
      if (error instanceof ApiError && error.issues.length > 0) {
        setErrors(Object.fromEntries(error.issues.map((i) => [i.path, t(`admin.fieldError.${i.path}`, { defaultValue: t('form.invalid') })])));
        setAttempt((n) => n + 1);
      }
      setProblem(problemText(error, t));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { errors, problem, busy, submit, formRef };
}

/** What to tell the bureau when a call fails, in its language. */
export function problemText(error: unknown, t: TFunction): string {
  return describeError(error, t);
}

export { Field } from '../../ui/Field';

/** The end of a form: its problem (announced) and its submit button. */
export function FormActions({ problem, busy, label, children }: { problem?: string | undefined; busy: boolean; label: string; children?: ReactNode }) {
  return (
    <div className="form-actions">
      {problem && (
        <p className="status status-error" role="alert">
          {problem}
        </p>
      )}
      <Button type="submit" variant="primary" busy={busy}>
        {label}
      </Button>
      {children}
    </div>
  );
}

/** Prevents the browser's submit and hands the form to `handler`. */
export const onSubmit = (handler: () => Promise<unknown>) => (e: FormEvent) => {
  e.preventDefault();
  void handler();
};
