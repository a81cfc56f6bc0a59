import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Question } from '@chunfeng/shared/recruitment';
import type { Signalling } from '../../signalling/signalling';
import { CONTENT_LANG } from '../../ui/content';
import { useSocketEvent } from './useSocketEvent';
import { describeError } from '../../ui/errors';

/** Most asked-for first; among equals, the longest waiting first. */
const byVotes = (a: Question, b: Question): number => b.votes - a.votes || a.askedAt.localeCompare(b.askedAt);
/** Newest answer first. */
const byAnswered = (a: Question, b: Question): number => (b.answer?.at ?? '').localeCompare(a.answer?.at ?? '');

/**
 * Open questions, most asked-for first, each answerable in text or as "answered on stage" (after a
 * confirmation: it cannot be taken back); answered ones stay below as the history of what was said.
 * The host studio shows the session's; an employer console shows those about its own vacancies.
 */
export function AnswerQueue({ signalling, ready, sessionId, titles }: {
  signalling: Signalling | undefined;
  ready: boolean;
  sessionId?: string | undefined;
  titles?: Record<string, string>;
}) {
  const { t } = useTranslation();
  const [questions, setQuestions] = useState<Question[]>([]);

  useEffect(() => {
    if (!ready || !signalling) return;
    let cancelled = false;
    void signalling
      .request('question:list', sessionId ? { sessionId } : {})
      .then(({ questions: list }) => !cancelled && setQuestions(list))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [ready, signalling, sessionId]);

  useSocketEvent(signalling, 'question:changed', ({ question }) => setQuestions((all) => [question, ...all.filter((q) => q.id !== question.id)]));

  const open = questions.filter((q) => !q.answer).sort(byVotes);
  const answered = questions.filter((q) => q.answer).sort(byAnswered);
  return (
    <section className="panel answer-queue" aria-labelledby="answer-queue-title">
      <h2 id="answer-queue-title">{t('questions.queue')}</h2>
      {open.length === 0 ? (
        <p className="muted">{t('questions.empty')}</p>
      ) : (
        <ul className="question-list">
          {open.map((q) => (
            <AnswerItem key={q.id} question={q} signalling={signalling} title={q.vacancyId ? titles?.[q.vacancyId] : undefined} />
          ))}
        </ul>
      )}
      {answered.length > 0 && (
        <>
          <h3 id="answered-title">{t('questions.answeredHistory', { count: answered.length })}</h3>
          <ul className="question-list" aria-labelledby="answered-title">
            {answered.map((q) => (
              <li key={q.id} className="question question-answered" data-question={q.id}>
                <p>
                  <span lang={CONTENT_LANG}>{q.text}</span> <span className="muted">· {t('questions.vote', { count: q.votes })}</span>
                  {q.vacancyId && titles?.[q.vacancyId] && (
                    <span className="muted">
                      {' · '}
                      <span lang={CONTENT_LANG}>{titles[q.vacancyId]}</span>
                    </span>
                  )}
                </p>
                <p className="answer">
                  <strong>{t('questions.answered')}</strong> {q.answer?.text ? <span lang={CONTENT_LANG}>{q.answer.text}</span> : t('questions.onStage')}
                </p>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function AnswerItem({ question, signalling, title }: { question: Question; signalling: Signalling | undefined; title: string | undefined }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  // "Answered on stage" closes the question for good: asked once more, beside the button.
  const [confirming, setConfirming] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirm.current?.focus();
  }, [confirming]);
  const answer = async (onStage: boolean): Promise<void> => {
    try {
      await signalling?.request('question:answer', { questionId: question.id, ...(onStage ? {} : { text }), onStage });
    } catch (error) {
      setProblem(describeError(error, t, 'answer'));
    }
  };
  return (
    <li className="question" data-question={question.id}>
      <p>
        <span lang={CONTENT_LANG}>{question.text}</span> <span className="muted">· {t('questions.vote', { count: question.votes })}</span>
        {title && (
          <span className="muted">
            {' · '}
            <span lang={CONTENT_LANG}>{title}</span>
          </span>
        )}
      </p>
      <div className="toolbar">
        <input aria-label={t('questions.answer')} placeholder={t('questions.answerPlaceholder')} value={text} maxLength={500} onChange={(e) => setText(e.target.value)} />
        <button type="button" className="button button-primary" disabled={!text.trim()} onClick={() => void answer(false)}>
          {t('questions.answer')}
        </button>
        {!confirming && (
          <button type="button" className="button" onClick={() => setConfirming(true)}>
            {t('questions.markOnStage')}
          </button>
        )}
      </div>
      {confirming && (
        <div className="toolbar" role="group" aria-label={t('questions.confirmOnStage')}>
          <span>{t('questions.confirmOnStage')}</span>
          <button type="button" className="button button-primary" ref={confirm} onClick={() => void answer(true)}>
            {t('questions.confirmOnStageYes')}
          </button>
          <button type="button" className="button" onClick={() => setConfirming(false)}>
            {t('questions.cancel')}
          </button>
        </div>
      )}
      {problem && <p className="status status-error">{problem}</p>}
    </li>
  );
}
