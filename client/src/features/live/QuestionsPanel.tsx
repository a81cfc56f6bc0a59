import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Question, VacancyCard } from '@chunfeng/shared/recruitment';
import type { Signalling } from '../../signalling/signalling';
import { CONTENT_LANG } from '../../ui/content';
import { useSocketEvent } from './useSocketEvent';
import { describeError } from '../../ui/errors';

/** How long the answer's announcement stays in its live region (long enough to be read out). */
const ANNOUNCEMENT_MS = 20_000;

/**
 * Ask (tagged with the vacancy pinned now), vote, and read answers. The asker hears, once, when
 * their own question is answered.
 */
export function QuestionsPanel({ signalling, live, pinned }: {
  signalling: Signalling | undefined;
  live: boolean;
  pinned: VacancyCard | null;
}) {
  const { t } = useTranslation();
  const [questions, setQuestions] = useState<Question[]>([]);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  // The asker's own answer, kept as what was said (not as words) so it is read in the language chosen
  // now; cleared once read, so nothing stale is left to be read again.
  const [announced, setAnnounced] = useState<{ answer: string | null; at: number }>();
  useEffect(() => {
    if (!announced) return;
    const timer = setTimeout(() => setAnnounced(undefined), ANNOUNCEMENT_MS);
    return () => clearTimeout(timer);
  }, [announced]);

  useEffect(() => {
    if (!live || !signalling) return;
    let cancelled = false;
    void signalling
      .request('question:list', {})
      .then(({ questions: list }) => !cancelled && setQuestions(list))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [live, signalling]);

  useSocketEvent(signalling, 'question:changed', ({ question, change }) => {
    setQuestions((all) => [question, ...all.filter((q) => q.id !== question.id)]);
    if (change === 'answered' && question.mine) {
      setAnnounced({ answer: question.answer?.text ?? null, at: Date.now() });
    }
  });

  async function ask(e: FormEvent): Promise<void> {
    e.preventDefault();
    if (!signalling || !text.trim()) return;
    try {
      const { question } = await signalling.request('question:ask', { text: text.trim() });
      setQuestions((all) => [question, ...all.filter((q) => q.id !== question.id)]);
      setText('');
      setProblem(undefined);
    } catch (error) {
      setProblem(describeError(error, t, 'question'));
    }
  }

  const open = questions.filter((q) => !q.answer).sort((a, b) => b.votes - a.votes || a.askedAt.localeCompare(b.askedAt));
  const answered = questions.filter((q) => q.answer);
  const item = (q: Question) => (
    <li key={q.id} className="question" data-question={q.id}>
      <p>
        <span lang={CONTENT_LANG}>{q.text}</span>
        {q.mine && <span className="badge badge-access"> {t('questions.yours')}</span>}
      </p>
      {q.answer ? (
        <p className="answer">
          <strong>{t('questions.answered')}</strong> {q.answer.text ? <span lang={CONTENT_LANG}>{q.answer.text}</span> : t('questions.onStage')}
        </p>
      ) : (
        <button
          type="button"
          className="button"
          disabled={q.mine || q.youVoted}
          onClick={() => void signalling?.request('question:vote', { questionId: q.id }).catch((error: unknown) => setProblem(describeError(error, t, 'question')))}
        >
          {t('questions.vote', { count: q.votes })}
        </button>
      )}
    </li>
  );

  return (
    <section className="panel" aria-labelledby="questions-title">
      <h2 id="questions-title">{t('questions.title')}</h2>
      <p className="visually-hidden" aria-live="assertive" data-announce="answer">
        {announced && (
          <>
            {t('questions.yourAnswered')}{announced.answer ? <span lang={CONTENT_LANG}>{announced.answer}</span> : t('questions.onStage')}
          </>
        )}
      </p>
      {live && (
        <form onSubmit={(e) => void ask(e)} className="ask-form">
          <label className="field">
            <span className="visually-hidden">{t('questions.title')}</span>
            <textarea value={text} maxLength={300} rows={2} placeholder={t('questions.placeholder')} onChange={(e) => setText(e.target.value)} />
          </label>
          <p className="muted">{pinned ? <AskFor title={pinned.title} /> : t('questions.general')}</p>
          {problem && (
            <p className="status status-error" role="alert">
              {problem}
            </p>
          )}
          <button type="submit" className="button button-primary" disabled={!text.trim()}>
            {t('questions.ask')}
          </button>
        </form>
      )}
      {questions.length === 0 ? <p className="muted">{t('questions.empty')}</p> : <ul className="question-list">{[...open, ...answered].map(item)}</ul>}
    </section>
  );
}

/** "Goes to: <vacancy>", the vacancy title marked as Chinese content wherever the sentence puts it. */
function AskFor({ title }: { title: string }) {
  const { t } = useTranslation();
  const [before = '', after = ''] = t('questions.askFor', { title: '\u0000' }).split('\u0000');
  return (
    <>
      {before}
      <span lang={CONTENT_LANG}>{title}</span>
      {after}
    </>
  );
}
