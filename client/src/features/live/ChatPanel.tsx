import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatMessageView } from '@chunfeng/shared/stage';
import type { Signalling } from '../../signalling/signalling';
import { Badge } from '../../ui/Badge';
import { CONTENT_LANG } from '../../ui/content';
import { useSocketEvent } from './useSocketEvent';
import { describeError } from '../../ui/errors';

const NAME_KEY = 'chunfeng.displayName';
const SLOW_MODES = [0, 10, 30, 60];

/**
 * Session chat. Every message is rendered as text (React escapes it; nothing is ever set as HTML).
 * Moderators (the host, bureau staff) also see held messages and can delete, mute, ban and slow it.
 */
export function ChatPanel({ signalling, live, onIdentity }: {
  signalling: Signalling | undefined;
  live: boolean;
  onIdentity?: (you: string) => void;
}) {
  const { t } = useTranslation();
  const [messages, setMessages] = useState<ChatMessageView[]>([]);
  const [held, setHeld] = useState<ChatMessageView[]>([]);
  const [moderator, setModerator] = useState(false);
  const [slowMode, setSlowMode] = useState(0);
  const [name, setName] = useState(() => localStorage.getItem(NAME_KEY) ?? '');
  const [text, setText] = useState('');
  const [notice, setNotice] = useState<string>();

  useEffect(() => {
    if (!live || !signalling) return;
    let cancelled = false;
    void signalling
      .request('chat:history', {})
      .then(async (h) => {
        if (cancelled) return;
        setMessages(h.messages);
        setSlowMode(h.slowModeSeconds);
        setModerator(h.moderator);
        onIdentity?.(h.you);
        if (h.moderator) setHeld((await signalling.request('chat:held', {})).messages);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [live, signalling, onIdentity]);

  useSocketEvent(signalling, 'chat:message', (m) => setMessages((all) => [...all.filter((x) => x.id !== m.id), m].slice(-100)));
  useSocketEvent(signalling, 'chat:deleted', ({ messageIds }) => {
    setMessages((all) => all.filter((m) => !messageIds.includes(m.id)));
    setHeld((all) => all.filter((m) => !messageIds.includes(m.id)));
  });
  useSocketEvent(signalling, 'chat:heldMessage', (m) => setHeld((all) => [...all, m]));
  useSocketEvent(signalling, 'chat:slowMode', ({ seconds }) => setSlowMode(seconds));

  async function send(e: FormEvent): Promise<void> {
    e.preventDefault();
    if (!signalling || !text.trim() || !name.trim()) return;
    localStorage.setItem(NAME_KEY, name.trim());
    try {
      const { message } = await signalling.request('chat:send', { text, displayName: name.trim() });
      setText('');
      setNotice(message.status === 'held' ? t('chat.held') : undefined);
    } catch (error) {
      setNotice(describeError(error, t, 'chat'));
    }
  }

  // Who the sender really is on this stage, from the server: a viewer naming themselves 局长 gets no badge.
  const author = (m: ChatMessageView) => (
    <>
      {m.badge && <Badge tone={m.badge === 'cohost' ? 'neutral' : 'verified'}>{t(`chat.badge.${m.badge}`)}</Badge>}{' '}
      <strong lang={CONTENT_LANG}>{m.displayName}</strong>
    </>
  );

  const act = (run: () => Promise<unknown>): void => void run().catch((e: unknown) => setNotice(describeError(e, t, 'chat')));

  const controls = (m: ChatMessageView, isHeld: boolean) =>
    moderator && (
      <span className="chat-actions">
        {isHeld && (
          <button type="button" className="button" onClick={() => act(async () => {
            await signalling?.request('chat:approve', { messageId: m.id });
            setHeld((all) => all.filter((x) => x.id !== m.id));
          })}>
            {t('chat.approve')}
          </button>
        )}
        <button type="button" className="button" onClick={() => act(async () => {
          await signalling?.request('chat:delete', { messageId: m.id });
          setHeld((all) => all.filter((x) => x.id !== m.id));
        })}>
          {t('chat.delete')}
        </button>
        <button type="button" className="button" onClick={() => act(() => signalling!.request('chat:mute', { authorId: m.authorId, seconds: 300 }))}>
          {t('chat.mute')}
        </button>
        <button type="button" className="button" onClick={() => act(() => signalling!.request('chat:ban', { authorId: m.authorId }))}>
          {t('chat.ban')}
        </button>
      </span>
    );

  return (
    <section className="panel chat-panel" aria-labelledby="chat-title">
      <h2 id="chat-title">{t('chat.title')}</h2>
      {slowMode > 0 && <p className="muted">{t('chat.slowMode', { seconds: slowMode })}</p>}
      {moderator && (
        <label>
          {t('chat.slowModeLabel')}{' '}
          <select value={slowMode} onChange={(e) => act(() => signalling!.request('chat:slowMode', { seconds: Number(e.target.value) }))}>
            {SLOW_MODES.map((s) => (
              <option key={s} value={s}>
                {s === 0 ? t('chat.off') : t('chat.seconds', { count: s })}
              </option>
            ))}
          </select>
        </label>
      )}
      {moderator && held.length > 0 && (
        <div className="held" role="region" aria-label={t('chat.heldTitle')}>
          <h3>{t('chat.heldTitle')}</h3>
          <ul className="chat-list">
            {held.map((m) => (
              <li key={m.id} data-message={m.id} data-badge={m.badge ?? undefined}>
                {author(m)}: <span lang={CONTENT_LANG}>{m.text}</span>{' '}
                {controls(m, true)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {/* A log, but not read aloud: a screen reader would never get a word in during a busy session. */}
      <div className="chat-log" role="log" aria-live="off">
        {messages.length === 0 ? (
          <p className="muted">{t('chat.empty')}</p>
        ) : (
          <ul className="chat-list">
            {messages.map((m) => (
              <li key={m.id} data-message={m.id} data-badge={m.badge ?? undefined}>
                {author(m)}: <span lang={CONTENT_LANG}>{m.text}</span>{' '}
                {controls(m, false)}
              </li>
            ))}
          </ul>
        )}
      </div>
      {notice && (
        <p className="status status-warn" role="status">
          {notice}
        </p>
      )}
      {live && (
        <form className="chat-form" onSubmit={(e) => void send(e)}>
          <label className="field">
            {t('chat.name')}
            <input value={name} maxLength={20} placeholder={t('chat.namePlaceholder')} onChange={(e) => setName(e.target.value)} />
          </label>
          <label className="field">
            {t('chat.message')}
            <input value={text} maxLength={200} onChange={(e) => setText(e.target.value)} />
          </label>
          <button type="submit" className="button button-primary" disabled={!text.trim() || !name.trim()}>
            {t('chat.send')}
          </button>
        </form>
      )}
    </section>
  );
}
