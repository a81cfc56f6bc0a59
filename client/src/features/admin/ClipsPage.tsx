import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ClipRequest, type ClipsOverview, type ClipView } from '@chunfeng/shared/clips';
import { api } from '../../signalling/api';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import { Cell, DataTable, Row } from '../../ui/DataTable';
import { Field, FormActions, onSubmit, problemText, useSchemaForm } from './forms';
import { useApiData } from './useApiData';

/** mm:ss (or h:mm:ss) of a replay time. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const hms = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const [h, m, sec] = hms as [number, number, number];
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

function size(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/**
 * A finished session's publicity clips: a still and an "export clip" per vacancy chapter, any span,
 * and the clips made, with their progress while they are made (read again every second until none is
 * waiting), then their length, size and download.
 */
export function ClipsPage({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation();
  const base = `/sessions/${encodeURIComponent(sessionId)}`;
  const { data, error, reload } = useApiData<ClipsOverview>(`${base}/clips`);
  const [problem, setProblem] = useState<string>();
  const working = data?.clips.some((c) => c.state === 'queued' || c.state === 'running') ?? false;
  useEffect(() => {
    if (!working) return;
    const timer = setInterval(() => void reload(), 1000);
    return () => clearInterval(timer);
  }, [working, reload]);

  async function make(start: number, end: number): Promise<void> {
    setProblem(undefined);
    try {
      await api(`${base}/clips`, { method: 'POST', body: { start, end } });
      await reload();
    } catch (e) {
      setProblem(problemText(e, t));
    }
  }

  if (error) return <p role="alert">{problemText(error, t)}</p>;
  if (!data) return <p role="status">{t('state.loading')}</p>;
  const { replay } = data;
  return (
    <section className="panel" aria-labelledby="clips-title">
      <h2 id="clips-title">{t('clips.title')}</h2>
      <p>{t('clips.intro')}</p>
      {!replay ? (
        <p className="muted">{t('clips.noReplay')}</p>
      ) : (
        <>
          <p className="muted">{t('clips.cutNote', { seconds: replay.segmentSeconds })}</p>
          <h3>{t('clips.chapters')}</h3>
          {problem && (
            <p className="status status-error" role="alert">
              {problem}
            </p>
          )}
          {replay.chapters.length === 0 ? (
            <p className="muted">{t('clips.noChapters')}</p>
          ) : (
            <ul className="card-list clip-chapters">
              {replay.chapters.map((c) => {
                const at = Math.min(c.start + Math.min(2, (c.end - c.start) / 2), replay.duration - 0.1);
                const still = `/api${base}/still.jpg?at=${at.toFixed(1)}`;
                return (
                  <li key={`${c.itemId}-${c.start}`} className="card clip-chapter">
                    <img src={still} alt={t('clips.stillOf', { title: c.title })} width={320} height={180} loading="lazy" />
                    <p>
                      <span lang={CONTENT_LANG}>{c.title}</span> ({clock(c.start)}–{clock(c.end)})
                    </p>
                    <div className="toolbar">
                      <Button size="small" variant="primary" onClick={() => void make(c.start, c.end)} aria-label={t('clips.makeClipNamed', { title: c.title })}>
                        {t('clips.makeClip')}
                      </Button>
                      <a className="button button-secondary button-small" href={still} download aria-label={t('clips.downloadStillNamed', { title: c.title })}>
                        {t('clips.downloadStill')}
                      </a>
                    </div>
                  </li>
                );
              })}
            </ul>
          )}
          <SpanForm duration={replay.duration} max={data.maxSeconds} onMake={make} />
        </>
      )}
      <h3>{t('clips.made')}</h3>
      {data.clips.length === 0 ? <p className="muted">{t('clips.none')}</p> : <ClipTable clips={data.clips} base={base} />}
    </section>
  );
}

function ClipTable({ clips, base }: { clips: ClipView[]; base: string }) {
  const { t } = useTranslation();
  return (
    <DataTable stacked caption={t('clips.made')} columns={[t('clips.span'), t('clips.progress'), t('clips.length', { duration: '' }), t('clips.size', { size: '' }), '']}>
      {clips.map((c) => {
        const span = t('clips.spanLabel', { start: clock(c.start), end: clock(c.end) });
        return (
          <Row key={c.id} data-clip={c.id}>
            <Cell label={t('clips.span')}>{span}</Cell>
            <Cell label={t('clips.progress')}>
              {c.state === 'running' ? (
                <>
                  <progress max={1} value={c.progress} aria-label={t('clips.progress')} /> {t('clips.state.running', { percent: Math.round(c.progress * 100) })}
                </>
              ) : (
                t(`clips.state.${c.state}`, { percent: 0 })
              )}
            </Cell>
            <Cell label={t('clips.length', { duration: '' })}>{c.duration !== null ? clock(c.duration) : '—'}</Cell>
            <Cell label={t('clips.size', { size: '' })}>{c.bytes !== null ? size(c.bytes) : '—'}</Cell>
            <Cell label="">
              {c.state === 'done' && (
                <a className="button button-secondary button-small" href={`/api${base}/clips/${encodeURIComponent(c.id)}/download`} download aria-label={t('clips.downloadNamed', { span })}>
                  {t('clips.download')}
                </a>
              )}
            </Cell>
          </Row>
        );
      })}
    </DataTable>
  );
}

function SpanForm({ duration, max, onMake }: { duration: number; max: number; onMake: (start: number, end: number) => Promise<void> }) {
  const { t } = useTranslation();
  const [form, setForm] = useState({ start: '0', end: String(Math.min(Math.floor(duration), 30)) });
  const { errors, problem, busy, submit, formRef } = useSchemaForm(ClipRequest, (span) => onMake(span.start, span.end));
  const num = (s: string): number | string => (s.trim() === '' ? s : Number(s));
  return (
    <form ref={formRef} className="admin-form" onSubmit={onSubmit(() => submit({ start: num(form.start), end: num(form.end) }))} noValidate>
      <h3>{t('clips.span')}</h3>
      <p className="muted">{t('clips.spanHint', { duration: Math.floor(duration), max })}</p>
      <Field label={t('clips.start')} error={errors['start']}>
        {(p) => <input {...p} type="number" inputMode="decimal" min={0} step="any" value={form.start} onChange={(e) => setForm({ ...form, start: e.target.value })} />}
      </Field>
      <Field label={t('clips.end')} error={errors['end']}>
        {(p) => <input {...p} type="number" inputMode="decimal" min={0} step="any" value={form.end} onChange={(e) => setForm({ ...form, end: e.target.value })} />}
      </Field>
      <FormActions problem={problem} busy={busy} label={t('clips.makeClip')} />
    </form>
  );
}
