import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionId } from '@chunfeng/shared/ids';
import type { JoinOptions } from '../../media/stageClient';
import { PhaseBanner } from '../../ui/PhaseBanner';
import { useStage } from '../stage/useStage';
import { describeError } from '../../ui/errors';

/** The captioner's page: type a line, Enter sends it to every viewer with captions on. */
export function CaptionerConsole({ sessionId, token }: { sessionId: string; token: string }) {
  const { t } = useTranslation();
  const options: JoinOptions = useMemo(() => ({ sessionId: sessionId as SessionId, role: 'captioner', token, media: false }), [sessionId, token]);
  const view = useStage(options);
  const [text, setText] = useState('');
  const [status, setStatus] = useState<string>();

  async function send(e: FormEvent): Promise<void> {
    e.preventDefault();
    const line = text.trim();
    if (!line || !view.signalling) return;
    setText('');
    try {
      const { seq } = await view.signalling.request('caption:send', { text: line });
      setStatus(t('captions.sent', { seq }));
    } catch (error) {
      setText(line);
      setStatus(describeError(error, t, 'caption'));
    }
  }

  return (
    <section className="studio" aria-labelledby="captioner-title">
      <h1 id="captioner-title">{t('captions.title')}</h1>
      <PhaseBanner view={view} />
      <form onSubmit={(e) => void send(e)} className="caption-form">
        <label className="field">
          {t('captions.title')}
          <input value={text} maxLength={300} placeholder={t('captions.placeholder')} onChange={(e) => setText(e.target.value)} disabled={view.phase !== 'live'} autoFocus />
        </label>
        <button type="submit" className="button button-primary" disabled={view.phase !== 'live' || !text.trim()}>
          {t('captions.send')}
        </button>
      </form>
      {status && <p role="status">{status}</p>}
    </section>
  );
}
