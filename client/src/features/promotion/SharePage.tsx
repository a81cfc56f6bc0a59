import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ShareChannel } from '@chunfeng/shared/recruitment';
import { ApiError, api } from '../../signalling/api';
import { Button, ButtonLink } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CONTENT_LANG } from '../../ui/content';
import { ErrorState } from '../../ui/ErrorState';
import { StatusBanner } from '../../ui/StatusBanner';
import { formatTime } from '../../ui/format';
import { useDocumentTitle } from '../../ui/useDocumentTitle';
import type { PublicSession } from '../viewer/usePins';
import { arrivedChannel } from './shareChannel';
import type { PosterSize } from './poster';
import './share.css';

/** The viewer page's address with the channel a share link carries. */
export function watchLink(sessionId: string, channel: ShareChannel): string {
  return `${location.origin}/watch/${encodeURIComponent(sessionId)}?ch=${channel}`;
}

function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  const { t } = useTranslation();
  const [note, setNote] = useState('');
  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(value);
      setNote(t('share.copied'));
    } catch {
      setNote(t('share.copyFailed'));
    }
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} readOnly rows={value.length > 60 ? 3 : 1} value={value} onFocus={(e) => e.currentTarget.select()} />
      <Button size="small" onClick={() => void copy()}>
        {t('share.copy')}
      </Button>
      <span role="status">{note}</span>
    </div>
  );
}

/**
 * A session's share page (送岗): what it is and when, who takes part, watch, add to the calendar,
 * links to paste into a WeChat group or a text message, and the poster in two sizes. The poster is
 * drawn here, in the browser, with the device's own CJK fonts and the qrcode library (loaded only
 * when this page asks for it): no image rendering on the server, nothing for the viewer page to carry.
 */
export function SharePage({ sessionId }: { sessionId: string }) {
  const { t, i18n } = useTranslation();
  const [data, setData] = useState<PublicSession | 'missing' | 'failed'>();
  const [attempt, setAttempt] = useState(0);
  // The channel this page was reached by goes on to the watch and calendar links; the bureau's own site otherwise.
  const [channel] = useState<ShareChannel>(() => arrivedChannel(sessionId) ?? 'site');
  useDocumentTitle(typeof data === 'object' ? t('share.pageTitle', { title: data.session.title }) : undefined);

  useEffect(() => {
    let cancelled = false;
    api<PublicSession>(`/public/sessions/${encodeURIComponent(sessionId)}`).then(
      (doc) => !cancelled && setData(doc),
      (error: unknown) => !cancelled && setData(error instanceof ApiError && error.code === 'NOT_FOUND' ? 'missing' : 'failed'),
    );
    return () => {
      cancelled = true;
    };
  }, [sessionId, attempt]);

  if (data === undefined) return <p role="status">{t('state.loading')}</p>;
  if (data === 'missing') return <StatusBanner tone="error" text={t('share.missing')} />;
  if (data === 'failed') return <ErrorState text={t('share.failed')} onRetry={() => setAttempt((n) => n + 1)} />;
  return <ShareDetails doc={data} channel={channel} language={i18n.language} />;
}

function ShareDetails({ doc, channel, language }: { doc: PublicSession; channel: ShareChannel; language: string }) {
  const { t } = useTranslation();
  const { session } = doc;
  const employers = useMemo(() => [...new Set(doc.vacancies.map((v) => v.employer.name))], [doc]);
  const when = formatTime(session.scheduledAt, language);
  const wechat = watchLink(session.id, 'wechat');
  const sms = t('share.smsBody', { title: session.title, when, url: watchLink(session.id, 'sms') });
  const calendar = `/api/public/sessions/${encodeURIComponent(session.id)}/calendar.ics?ch=${channel}`;
  return (
    <article className="share-page">
      <Card>
        <p className="muted">{t('share.heading')}</p>
        <h1 lang={CONTENT_LANG}>{session.title}</h1>
        <p>
          {t('share.when')}: <time dateTime={session.scheduledAt}>{when}</time>
        </p>
        <h2>{t('share.employers')}</h2>
        {employers.length > 0 ? (
          <ul className="share-employers" lang={CONTENT_LANG}>
            {employers.map((name) => (
              <li key={name}>{name}</li>
            ))}
          </ul>
        ) : (
          <p className="muted">{t('share.noEmployers')}</p>
        )}
        <div className="share-actions">
          <ButtonLink variant="primary" href={`/watch/${encodeURIComponent(session.id)}?ch=${channel}`}>
            {t('share.watch')}
          </ButtonLink>
          <ButtonLink href={calendar} download={`session-${session.id}.ics`}>
            {t('share.calendar')}
          </ButtonLink>
        </div>
      </Card>
      <Card>
        <h2>{t('share.linksHeading')}</h2>
        <CopyField id="share-wechat" label={t('share.wechatLink')} value={wechat} />
        <CopyField id="share-sms" label={t('share.smsText')} value={sms} />
        <ButtonLink href={`sms:?&body=${encodeURIComponent(sms)}`}>{t('share.sendSms')}</ButtonLink>
      </Card>
      <Poster doc={doc} employers={employers} when={when} />
    </article>
  );
}

type Drawn = { size: PosterSize; href: string; name: string };

function Poster({ doc, employers, when }: { doc: PublicSession; employers: string[]; when: string }) {
  const { t } = useTranslation();
  const { session } = doc;
  const [drawn, setDrawn] = useState<Record<PosterSize, Drawn | undefined>>({ wechat: undefined, print: undefined });
  const [failed, setFailed] = useState(false);
  const urls = useRef<string[]>([]);
  useEffect(() => () => urls.current.forEach((u) => URL.revokeObjectURL(u)), []);

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const { drawPoster, posterPng } = await import('./poster');
        const text = {
          brand: t('share.poster.brand'),
          tagline: t('share.poster.tagline'),
          title: session.title,
          when: t('share.poster.when', { when }),
          employersHeading: t('share.poster.employers'),
          employers,
          more: (count: number) => t('share.poster.more', { count }),
          scan: t('share.poster.scan'),
        };
        for (const size of ['wechat', 'print'] as const) {
          const canvas = document.createElement('canvas');
          await drawPoster(canvas, size, watchLink(session.id, 'poster'), text);
          const href = URL.createObjectURL(await posterPng(canvas));
          urls.current.push(href);
          if (cancelled) return;
          setDrawn((d) => ({ ...d, [size]: { size, href, name: `poster-${session.id}-${size}.png` } }));
        }
      } catch {
        if (!cancelled) setFailed(true);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [session, employers, when, t]);

  const { wechat, print } = drawn;
  return (
    <Card>
      <h2>{t('share.posterHeading')}</h2>
      {failed && <p role="alert">{t('share.posterFailed')}</p>}
      {!failed && !wechat && <p role="status">{t('share.posterDrawing')}</p>}
      {wechat && <img className="share-poster" src={wechat.href} alt={t('share.posterPreview', { title: session.title })} width={375} height={667} />}
      <div className="share-actions">
        {wechat && (
          <ButtonLink href={wechat.href} download={wechat.name}>
            {t('share.downloadWechat')}
          </ButtonLink>
        )}
        {print && (
          <ButtonLink href={print.href} download={print.name}>
            {t('share.downloadPrint')}
          </ButtonLink>
        )}
      </div>
    </Card>
  );
}
