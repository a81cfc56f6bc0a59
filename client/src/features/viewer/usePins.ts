import { useCallback, useEffect, useState } from 'react';
import type { PolicyCard, Question, VacancyCard } from '@chunfeng/shared/recruitment';
import { ApiError, api } from '../../signalling/api';
import type { Signalling } from '../../signalling/signalling';

export interface PublicSession {
  session: { id: string; title: string; status: string; scheduledAt: string };
  vacancies: VacancyCard[];
  policies: PolicyCard[];
  pinned: { vacancy: VacancyCard | null; policy: PolicyCard | null };
  /** Live sessions are recorded here: once ended, the session has (or soon has) a replay. */
  recorded?: boolean;
}

/** Where the lineup stands: a stage without a registered session has none ('missing'). */
export type LineupStatus = 'loading' | 'ready' | 'missing' | 'failed';

/** The session's public lineup and what the host has pinned, kept current from the socket. */
export function usePins(sessionId: string, signalling: Signalling | undefined) {
  const [lineup, setLineup] = useState<PublicSession>();
  const [status, setStatus] = useState<LineupStatus>('loading');
  const [attempt, setAttempt] = useState(0);
  const [vacancy, setVacancy] = useState<VacancyCard | null>(null);
  const [policy, setPolicy] = useState<PolicyCard | null>(null);

  useEffect(() => {
    let cancelled = false;
    api<PublicSession>(`/public/sessions/${encodeURIComponent(sessionId)}`)
      .then((s) => {
        if (cancelled) return;
        setLineup(s);
        setStatus('ready');
        setVacancy(s.pinned.vacancy);
        setPolicy(s.pinned.policy);
      })
      .catch((e: unknown) => {
        if (!cancelled) setStatus(e instanceof ApiError && e.code === 'NOT_FOUND' ? 'missing' : 'failed');
      });
    return () => {
      cancelled = true;
    };
  }, [sessionId, attempt]);

  useEffect(() => {
    const socket = signalling?.socket;
    if (!socket) return;
    const pinned = ({ vacancy: v }: { vacancy: VacancyCard }): void => setVacancy(v);
    const unpinned = ({ vacancyId }: { vacancyId: string }): void => setVacancy((cur) => (cur?.id === vacancyId ? null : cur));
    const policyPinned = ({ policy: p }: { policy: PolicyCard }): void => setPolicy(p);
    const policyUnpinned = ({ policyId }: { policyId: string }): void => setPolicy((cur) => (cur?.id === policyId ? null : cur));
    // An answer arriving while the vacancy is pinned joins its card's FAQ at once.
    const answered = ({ question, change }: { question: Question; change: string }): void => {
      if (change !== 'answered' || !question.answer) return;
      const entry = { question: question.text, answer: question.answer.text, onStage: question.answer.onStage };
      setVacancy((cur) => (cur && cur.id === question.vacancyId && !cur.faq.some((f) => f.question === entry.question) ? { ...cur, faq: [entry, ...cur.faq] } : cur));
    };
    socket.on('question:changed', answered);
    socket.on('vacancy:pinned', pinned);
    socket.on('vacancy:unpinned', unpinned);
    socket.on('policy:pinned', policyPinned);
    socket.on('policy:unpinned', policyUnpinned);
    return () => {
      socket.off('question:changed', answered);
      socket.off('vacancy:pinned', pinned);
      socket.off('vacancy:unpinned', unpinned);
      socket.off('policy:pinned', policyPinned);
      socket.off('policy:unpinned', policyUnpinned);
    };
  }, [signalling]);

  const reload = useCallback(() => {
    setStatus('loading');
    setAttempt((n) => n + 1);
  }, []);
  return { lineup, vacancy, policy, status, reload };
}
