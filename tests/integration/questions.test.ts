import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Employer, Question, Vacancy, VacancyCard } from '@chunfeng/shared/recruitment';
import { apiClient, bureauClient } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';
import { connect, request, requestOk, type TestSocket } from '../harness/socketClient';

describe('questions routed to the employer of the pinned vacancy', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  let vacancies: Vacancy[];
  let employers: Employer[];
  const open = async (opts: Parameters<typeof connect>[1] = {}) => {
    const s = await connect(server.url, opts);
    sockets.push(s);
    return s;
  };
  const device = async () => (await apiClient(server.url).post<{ token: string }>('/device')).body.token;

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    const bureau = await bureauClient(server.url);
    vacancies = (await bureau.get<{ vacancies: Vacancy[] }>('/vacancies')).body.vacancies;
    employers = (await bureau.get<{ employers: Employer[] }>('/employers')).body.employers;
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.stop();
  });

  async function employerConsole(employerId: string): Promise<TestSocket> {
    const bureau = await bureauClient(server.url);
    const invite = await bureau.post<{ token: string }>(`/employers/${employerId}/invite`);
    const s = await open();
    await requestOk(s, 'console:subscribe', { token: invite.body.token });
    return s;
  }

  test('asked while A is pinned → A’s employer sees it, answers, and it becomes A’s FAQ', async () => {
    const a = vacancies[0]!;
    const ownerA = employers.find((e) => e.id === a.employerId)!;
    const other = employers.find((e) => e.id !== a.employerId)!;
    const host = await open();
    await requestOk(host, 'stage:join', { sessionId: 'demo', role: 'host', token: await server.tokens.issue({ sid: 'demo', role: 'host', sub: 'h' }) });
    await requestOk(host, 'vacancy:pin', { vacancyId: a.id });

    const consoleA = await employerConsole(ownerA.id);
    const consoleOther = await employerConsole(other.id);
    let leaked = false;
    consoleOther.on('question:changed', () => (leaked = true));

    const asker = await open({ device: await device() });
    await requestOk(asker, 'stage:join', { sessionId: 'demo', role: 'viewer' });
    const voter = await open({ device: await device() });
    await requestOk(voter, 'stage:join', { sessionId: 'demo', role: 'viewer' });

    const routed = new Promise<{ question: Question }>((resolve) => consoleA.once('question:changed', resolve));
    const { question } = await requestOk(asker, 'question:ask', { text: '坐轮椅可以来上班吗？' });
    expect(question.vacancyId).toBe(a.id);
    expect((await routed).question.id).toBe(question.id);
    expect((await requestOk(consoleA, 'question:list', { sessionId: 'demo' })).questions.map((q) => q.id)).toContain(question.id);
    expect((await requestOk(consoleOther, 'question:list', { sessionId: 'demo' })).questions).toEqual([]);

    expect(question).toMatchObject({ votes: 0, mine: true, youVoted: false });
    expect((await requestOk(voter, 'question:vote', { questionId: question.id })).question).toMatchObject({ votes: 1, mine: false, youVoted: true });
    expect(await request(asker, 'question:vote', { questionId: question.id })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });

    // Neither a viewer nor another employer may answer.
    expect(await request(voter, 'question:answer', { questionId: question.id, text: '可以' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(consoleOther, 'question:answer', { questionId: question.id, text: '可以' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const told = new Promise<{ question: Question; change: string }>((resolve) =>
      asker.on('question:changed', (e) => e.change === 'answered' && resolve(e)),
    );
    await requestOk(consoleA, 'question:answer', { questionId: question.id, text: '可以，厂区有无障碍通道和电梯' });
    const answered = await told;
    expect(answered.question.answer).toMatchObject({ text: '可以，厂区有无障碍通道和电梯', onStage: false });
    // The asker is told it is theirs; nobody is told who asked.
    expect(answered.question.mine).toBe(true);
    expect(answered.question).not.toHaveProperty('askedBy');

    const card = await apiClient(server.url).get<{ vacancy: VacancyCard }>(`/public/vacancies/${a.id}`);
    expect(card.body.vacancy.faq).toEqual([{ question: '坐轮椅可以来上班吗？', answer: '可以，厂区有无障碍通道和电梯', onStage: false }]);
    // The employer's list keeps what it answered (its history), after the open ones; the other employer still sees nothing.
    expect((await requestOk(consoleA, 'question:list', { sessionId: 'demo' })).questions.find((q) => q.id === question.id)).toMatchObject({ answer: { text: '可以，厂区有无障碍通道和电梯' } });
    expect((await requestOk(consoleOther, 'question:list', { sessionId: 'demo' })).questions).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(leaked).toBe(false);
  });

  test('questions with contact details are refused, and askers are rate limited', async () => {
    const viewer = await open({ device: await device() });
    await requestOk(viewer, 'stage:join', { sessionId: 'demo', role: 'viewer' });
    expect(await request(viewer, 'question:ask', { text: '想了解的加我微信 abc12345' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    for (const text of ['一个月休几天', '有夜班吗', '试用期多久']) await requestOk(viewer, 'question:ask', { text });
    const fourth = await request(viewer, 'question:ask', { text: '还有别的问题' });
    expect(fourth).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    if (!fourth.ok) expect(fourth.error.message).toMatch(/wait \d+ seconds/);
  });
});
