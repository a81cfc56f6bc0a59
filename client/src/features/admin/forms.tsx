import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import en from 'zod/v4/locales/en.js';
import zhCN from 'zod/v4/locales/zh-CN.js';
import type { TFunction } from 'i18next';
import { ApiError } from '../../signalling/api';
import { describeError } from '../../ui/errors';
import { Button } from '../../ui/Button';

/** Zod's own messages (too short, not a number…) in the console's language. */
export function useZodLanguage(): void {
  const { i18n } = useTranslation();
  useEffect(() => {
    z.config(i18n.language.startsWith('zh') ? zhCN() : en());
  }, [i18n.language]);
}

export type FieldErrors = Record<string, string>;

/**
 * A form checked with the same zod schema the server checks, before it is sent; field problems
 * (from either side) are shown beside their fields, anything else above the submit button.
 */
export function useSchemaForm<S extends z.ZodType>(schema: S, send: (value: z.output<S>) => Promise<void>) {
  const { t } = useTranslation();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const fieldMessage = (path: string, message: string): string => t(`admin.fieldError.${path}`, { defaultValue: message });

  async function submit(raw: unknown): Promise<boolean> {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), fieldMessage(i.path.join('.'), i.message)])));
      setProblem(t('admin.fixFields'));
      return false;
    }
    setBusy(true);
    try {
      await send(parsed.data);
      setErrors({});
      setProblem(undefined);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.issues.length > 0) setErrors(Object.fromEntries(error.issues.map((i) => [i.path, fieldMessage(i.path, i.message)])));
      setProblem(problemText(error, t));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { errors, problem, busy, submit };
}

/** What to tell the bureau when a call fails, in its language. */
export function problemText(error: unknown, t: TFunction): string {
  return describeError(error, t);
}

/** A labelled form control with its error text, wired for screen readers (aria-invalid, aria-describedby). */
export function Field({ label, error, hint, children }: {
  label: ReactNode;
  error?: string | undefined;
  hint?: ReactNode;
  children: (control: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactNode;
}) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <span id={`${id}-hint`} className="muted field-hint">
          {hint}
        </span>
      )}
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy })}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

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
