import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AccessibilityFact, Badge, Education, PayUnit, TargetGroup, VacancyInput, type Employer, type Vacancy } from '@chunfeng/shared/recruitment';
import { api } from '../../signalling/api';
import { CatalogPicker } from './CatalogPicker';
import { Field, FormActions, onSubmit, useSchemaForm } from './forms';

type Form = {
  employerId: string;
  title: string;
  headcount: string;
  payMin: string;
  payMax: string;
  payUnit: PayUnit;
  hours: string;
  location: string;
  insurance: string;
  benefits: string;
  requirements: string;
  education: string;
  ageMin: string;
  ageMax: string;
  badges: string[];
  targetGroups: string[];
  accessibility: string[];
};

const list = (s: string): string[] => s.split(/[,，、;；\n]/).map((x) => x.trim()).filter(Boolean);
const num = (s: string): number | string => (s.trim() === '' ? s : Number(s));

function toForm(v: Vacancy | undefined, employerId: string): Form {
  return {
    employerId: v?.employerId ?? employerId,
    title: v?.title ?? '',
    headcount: String(v?.headcount ?? 1),
    payMin: v ? String(v.pay.min) : '',
    payMax: v ? String(v.pay.max) : '',
    payUnit: v?.pay.unit ?? 'month',
    hours: v?.hours ?? '',
    location: v?.location ?? '',
    insurance: v?.insurance.join('，') ?? '',
    benefits: v?.benefits.join('，') ?? '',
    requirements: v?.requirements ?? '',
    education: v?.education ?? '',
    ageMin: v?.age ? String(v.age.min) : '',
    ageMax: v?.age ? String(v.age.max) : '',
    badges: v?.badges ?? [],
    targetGroups: v?.targetGroups ?? [],
    accessibility: v?.accessibility ?? [],
  };
}

function toInput(f: Form): unknown {
  return {
    employerId: f.employerId,
    title: f.title,
    headcount: num(f.headcount),
    pay: { min: num(f.payMin), max: num(f.payMax), unit: f.payUnit },
    hours: f.hours,
    location: f.location,
    insurance: list(f.insurance),
    benefits: list(f.benefits),
    requirements: f.requirements,
    ...(f.education ? { education: f.education } : {}),
    ...(f.ageMin || f.ageMax ? { age: { min: num(f.ageMin), max: num(f.ageMax) } } : {}),
    badges: f.badges,
    targetGroups: f.targetGroups,
    accessibility: f.accessibility,
  };
}

/** Registers or edits a vacancy: pay range, hours and location are required (no card without them). */
export function VacancyForm({ vacancy, onSaved }: { vacancy?: Vacancy | undefined; onSaved: (v: Vacancy) => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState<Form>(() => toForm(vacancy, ''));
  const { errors, problem, busy, submit, formRef } = useSchemaForm(VacancyInput, async (input) => {
    const { vacancy: saved } = vacancy
      ? await api<{ vacancy: Vacancy }>(`/vacancies/${encodeURIComponent(vacancy.id)}`, { method: 'PUT', body: input })
      : await api<{ vacancy: Vacancy }>('/vacancies', { method: 'POST', body: input });
    onSaved(saved);
  });
  const text = (key: keyof Form, label: string, { max = 160, multiline = false, hint }: { max?: number; multiline?: boolean; hint?: string } = {}) => (
    <Field label={label} error={errors[key]} hint={hint}>
      {(p) =>
        multiline ? (
          <textarea {...p} rows={2} maxLength={max} value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />
        ) : (
          <input {...p} maxLength={max} value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />
        )
      }
    </Field>
  );
  const numberField = (key: 'headcount' | 'payMin' | 'payMax' | 'ageMin' | 'ageMax', label: string, error: string | undefined) => (
    <Field label={label} error={error}>
      {(p) => <input {...p} type="number" inputMode="numeric" min={0} value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />}
    </Field>
  );
  const checks = (key: 'badges' | 'targetGroups' | 'accessibility', legend: string, options: readonly string[], labelOf: (o: string) => string) => (
    <fieldset className="checks">
      <legend>{legend}</legend>
      {options.map((o) => (
        <label key={o} className="check">
          <input
            type="checkbox"
            className="checkbox"
            checked={form[key].includes(o)}
            onChange={(e) => setForm({ ...form, [key]: e.target.checked ? [...form[key], o] : form[key].filter((x) => x !== o) })}
          />
          {labelOf(o)}
        </label>
      ))}
      {errors[key] && <span className="field-error">{errors[key]}</span>}
    </fieldset>
  );

  return (
    <form ref={formRef} className="admin-form" onSubmit={onSubmit(() => submit(toInput(form)))} noValidate>
      <Field label={t('admin.employer')} error={errors['employerId']}>
        {(p) => <CatalogPicker<Employer> list="/employers" control={p} label={t('admin.employer')} value={form.employerId} onChange={(id) => setForm({ ...form, employerId: id })} textOf={(e) => e.name} />}
      </Field>
      {text('title', t('admin.vacancyTitle'), { max: 80 })}
      <div className="form-grid">
        {numberField('headcount', t('admin.headcount'), errors['headcount'])}
        {numberField('payMin', t('admin.payMin'), errors['pay.min'])}
        {numberField('payMax', t('admin.payMax'), errors['pay.max'])}
        <Field label={t('admin.payUnit')} error={errors['pay.unit']}>
          {(p) => (
            <select {...p} value={form.payUnit} onChange={(e) => setForm({ ...form, payUnit: PayUnit.parse(e.target.value) })}>
              {PayUnit.options.map((u) => (
                <option key={u} value={u}>
                  {t(`card.payUnit.${u}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {text('hours', t('card.hours'), { max: 120 })}
      {text('location', t('card.location'))}
      {text('insurance', t('card.insurance'), { max: 400, hint: t('admin.listHint') })}
      {text('benefits', t('card.benefits'), { max: 800, hint: t('admin.listHint') })}
      {text('requirements', t('card.requirements'), { max: 1000, multiline: true })}
      <div className="form-grid">
        <Field label={t('admin.education')} error={errors['education']}>
          {(p) => (
            <select {...p} value={form.education} onChange={(e) => setForm({ ...form, education: e.target.value })}>
              <option value="">{t('admin.educationAny')}</option>
              {Education.options.map((o) => (
                <option key={o} value={o}>
                  {t(`admin.educationLevel.${o}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {numberField('ageMin', t('admin.ageMin'), errors['age.min'])}
        {numberField('ageMax', t('admin.ageMax'), errors['age.max'])}
      </div>
      {checks('badges', t('list.badge'), Badge.options, (o) => t(`card.badge.${o}`))}
      {checks('targetGroups', t('admin.targetGroups'), TargetGroup.options, (o) => t(`card.target.${o}`))}
      {checks('accessibility', t('list.access'), AccessibilityFact.options, (o) => t(`card.access.${o}`))}
      <FormActions problem={problem} busy={busy} label={vacancy ? t('admin.save') : t('admin.createVacancy')} />
    </form>
  );
}
