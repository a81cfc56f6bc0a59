import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import type { Employer, Vacancy } from '@chunfeng/shared/recruitment';
import type { JobStore } from '../../server/src/store/jobStore';
import { RedisJobStore } from '../../server/src/store/redisStore';
import { SqliteJobStore } from '../../server/src/store/sqliteStore';
import { FAQ_SHOWN, RecruitmentService } from '../../server/src/services/recruitment';

/** Each store, and a second handle on the same data: another node. */
const implementations: Array<{ name: string; open: () => { store: JobStore; other: () => JobStore; cleanup: () => void } }> = [
  {
    name: 'embedded (SQLite)',
    open: () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-questions-'));
      return { store: new SqliteJobStore({ dataDir }), other: () => new SqliteJobStore({ dataDir }), cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'Redis',
    open: () => {
      const prefix = `q${crypto.randomUUID().slice(0, 8)}:`;
      const url = inject('redisUrl');
      return { store: new RedisJobStore({ url, prefix }), other: () => new RedisJobStore({ url, prefix }), cleanup: () => undefined };
    },
  },
];

const at = '2026-03-01T08:00:00.000Z';
const employer: Employer = { id: 'e1' as Employer['id'], name: '春风机械厂', industry: '制造业', district: '城关区', verified: true, createdAt: at };
const vacancy: Vacancy = {
  id: 'v1' as Vacancy['id'],
  employerId: employer.id,
  title: '数控车床操作工',
  headcount: 5,
  pay: { min: 5000, max: 8000, unit: 'month' },
  hours: '两班倒',
  location: '城关区工业园',
  insurance: ['五险'],
  benefits: [],
  requirements: '',
  badges: [],
  targetGroups: [],
  accessibility: [],
  createdAt: at,
};
const unlimited = { take: () => Promise.resolve(0) };

describe.each(implementations)('questions through the service on the store: $name', ({ open }) => {
  const { store, other, cleanup } = open();
  const second = other();
  // Two nodes: each its own service (and question boards) on its own handle of the same data.
  const nodeA = new RecruitmentService({ store, askLimiter: unlimited });
  const nodeB = new RecruitmentService({ store: second, askLimiter: unlimited });
  afterAll(async () => {
    await Promise.all([store.close(), second.close()]);
    cleanup();
  });

  test('votes sent to two nodes at once are all counted: neither board overwrites the other, and the count comes from the store', async () => {
    const asked = await nodeA.questions.ask('s-votes', 'asker', '包吃住吗？');
    // Both nodes hold the session's board before the votes arrive.
    expect((await nodeB.questions.list('s-votes')).map((q) => q.id)).toEqual([asked.id]);
    const voters = Array.from({ length: 40 }, (_, i) => `voter-${i}`);
    const voted = await Promise.all(voters.map((v, i) => (i % 2 === 0 ? nodeA : nodeB).questions.vote('s-votes', asked.id, v)));
    expect(voted.map((q) => q.votes).sort((a, b) => a - b)).toEqual(voters.map((_, i) => i + 1));
    expect((await store.getQuestion(asked.id))?.votes).toBe(40);
    // A repeat through the other node is not counted again, and says the voter voted.
    const repeat = await nodeB.questions.vote('s-votes', asked.id, 'voter-0');
    expect(repeat.votes).toBe(40);
    expect(repeat.voters).toContain('voter-0');
    await expect(nodeA.questions.vote('s-votes', asked.id, 'asker')).rejects.toMatchObject({ code: 'CONFLICT' });
    // A node that reads the board afresh knows every voter (to tell each of them they voted).
    const fresh = new RecruitmentService({ store, askLimiter: unlimited });
    const [board] = await fresh.questions.list('s-votes');
    expect([board?.votes, board?.voters.sort()]).toEqual([40, [...voters].sort()]);
  });

  test("a board holds only its own session's questions; a question of another session is not found through it", async () => {
    const mine = await nodeA.questions.ask('s-own', 'asker-1', '几点上班？');
    const theirs = await nodeA.questions.ask('s-other', 'asker-2', '有夜班吗？');
    const fresh = new RecruitmentService({ store: second, askLimiter: unlimited });
    expect((await fresh.questions.list('s-own')).map((q) => q.id)).toEqual([mine.id]);
    await expect(fresh.questions.vote('s-own', theirs.id, 'voter')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await store.getQuestion(theirs.id))?.votes).toBe(0);
  });

  test(`a card's FAQ is its vacancy's answered questions, most asked-for first, at most ${FAQ_SHOWN}`, async () => {
    await store.put('employer', employer);
    await store.put('vacancy', vacancy);
    const count = FAQ_SHOWN + 5;
    for (let i = 0; i < count; i += 1) {
      const id = `faq-${String(i).padStart(2, '0')}`;
      await store.putQuestion({ id, sessionId: 's-faq', vacancyId: vacancy.id, text: `问题${i}`, askedBy: `asker-${i}`, askedAt: at, votes: 0, answer: null });
      // Question i gets i votes: the last asked is the most asked-for.
      await Promise.all(Array.from({ length: i }, (_, v) => store.voteQuestion(id, `voter-${v}`)));
      await nodeA.questions.answer({ kind: 'employer', employerId: employer.id }, id, { text: `回答${i}`, onStage: false });
    }
    // One still open is not in the FAQ.
    await store.putQuestion({ id: 'faq-open', sessionId: 's-faq', vacancyId: vacancy.id, text: '还没回答', askedBy: 'x', askedAt: at, votes: 0, answer: null });
    const { faq } = await nodeB.card(vacancy.id);
    expect(faq).toHaveLength(FAQ_SHOWN);
    expect(faq.map((f) => f.question)).toEqual(Array.from({ length: FAQ_SHOWN }, (_, k) => `问题${count - 1 - k}`));
    expect(faq[0]).toEqual({ question: `问题${count - 1}`, answer: `回答${count - 1}`, onStage: false });
  });
});
