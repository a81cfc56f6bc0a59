import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Question } from '@chunfeng/shared/recruitment';
import type { Signalling } from '../../signalling/signalling';
import { CONTENT_LANG } from '../../ui/content';
import { useSocketEvent } from './useSocketEvent';
import { describeError } from '../../ui/errors';

/**
 * Open questions, most asked-for first, each answerable in text or as "answered on stage": the host
 * studio shows the session's; an employer console shows those about its own vacancies.
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
      .then(({ questions: list }) => !cancelled && setQuestions(list.filter((q) => !q.answer)))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [ready, signalling, sessionId]);

  useSocketEvent(signalling, 'question:changed', ({ question }) =>
    setQuestions((all) =>
      question.answer
        ? all.filter((q) => q.id !== question.id)
        : [question, ...all.filter((q) => q.id !== question.id)].sort((a, b) => b.votes - a.votes || a.askedAt.localeCompare(b.askedAt)),
    ),
  );

  return (
    <section className="panel answer-queue" aria-labelledby="answer-queue-title">
      <h2 id="answer-queue-title">{t('questions.queue')}</h2>
      {questions.length === 0 ? (
        <p className="muted">{t('questions.empty')}</p>
      ) : (
        <ul className="question-list">
          {questions.map((q) => (
            <AnswerItem key={q.id} question={q} signalling={signalling} title={q.vacancyId ? titles?.[q.vacancyId] : undefined} />
          ))}
        </ul>
      )}
    </section>
  );
}

function AnswerItem({ question, signalling, title }: { question: Question; signalling: Signalling | undefined; title: string | undefined }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
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
        <button type="button" className="button" onClick={() => void answer(true)}>
          {t('questions.markOnStage')}
        </button>
      </div>
      {problem && <p className="status status-error">{problem}</p>}
    </li>
  );
}
