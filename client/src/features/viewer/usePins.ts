import { useCallback, useEffect, useState } from 'react';
import type { PinsNow, PolicyCard, Question, VacancyCard } from '@chunfeng/shared/recruitment';
import type { StageClient } from '../../media/stageClient';
import { ApiError, api } from '../../signalling/api';
import type { Signalling } from '../../signalling/signalling';
import { applyPolicy, applySnapshot, applyVacancy, noPins, type PinState } from './pinState';

export interface PublicSession {
  session: { id: string; title: string; status: string; scheduledAt: string };
  vacancies: VacancyCard[];
  policies: PolicyCard[];
  pinned: PinsNow;
  /** Live sessions are recorded here: once ended, the session has (or soon has) a replay. */
  recorded?: boolean;
}

/** Where the lineup stands: a stage without a registered session has none ('missing'). */
export type LineupStatus = 'loading' | 'ready' | 'missing' | 'failed';

/**
 * The session's public lineup and what the host has pinned, kept current from the socket: pin events
 * in order of their sequence number, and the whole board again from every (re)join reply, so a phone
 * that dropped while the host pinned catches up as soon as it is back.
 */
export function usePins(sessionId: string, signalling: Signalling | undefined, client?: StageClient) {
  const [lineup, setLineup] = useState<PublicSession>();
  const [status, setStatus] = useState<LineupStatus>('loading');
  const [attempt, setAttempt] = useState(0);
  const [pins, setPins] = useState<PinState>(noPins);

  useEffect(() => {
    let cancelled = false;
    api<PublicSession>(`/public/sessions/${encodeURIComponent(sessionId)}`)
      .then((s) => {
        if (cancelled) return;
        setLineup(s);
        setStatus('ready');
        setPins((cur) => applySnapshot(cur, s.pinned));
      })
      .catch((e: unknown) => {
        if (!cancelled) setStatus(e instanceof ApiError && e.code === 'NOT_FOUND' ? 'missing' : 'failed');
      });
    return () => {
      cancelled = true;
    };
  }, [sessionId, attempt]);

  useEffect(() => {
    if (!client) return;
    const resync = (now: PinsNow): void => setPins((cur) => applySnapshot(cur, now));
    if (client.pins) resync(client.pins);
    return client.on('pins', resync);
  }, [client]);

  useEffect(() => {
    const socket = signalling?.socket;
    if (!socket) return;
    const pinned = ({ vacancy: v, seq }: { vacancy: VacancyCard; seq: number }): void => setPins((cur) => applyVacancy(cur, seq, v));
    const unpinned = ({ seq }: { seq: number }): void => setPins((cur) => applyVacancy(cur, seq, null));
    const policyPinned = ({ policy: p, seq }: { policy: PolicyCard; seq: number }): void => setPins((cur) => applyPolicy(cur, seq, p));
    const policyUnpinned = ({ seq }: { seq: number }): void => setPins((cur) => applyPolicy(cur, seq, null));
    // An answer arriving while the vacancy is pinned joins its card's FAQ at once.
    const answered = ({ question, change }: { question: Question; change: string }): void => {
      if (change !== 'answered' || !question.answer) return;
      const entry = { question: question.text, answer: question.answer.text, onStage: question.answer.onStage };
      setPins((cur) => {
        const v = cur.vacancy;
        return v && v.id === question.vacancyId && !v.faq.some((f) => f.question === entry.question) ? { ...cur, vacancy: { ...v, faq: [entry, ...v.faq] } } : cur;
      });
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
  return { lineup, vacancy: pins.vacancy, policy: pins.policy, status, reload };
}
