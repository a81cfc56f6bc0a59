import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LiveSession, PolicyCard } from '@chunfeng/shared/recruitment';
import { apiClient, bureauClient } from '../harness/api';
import { startTestServer, type TestServer } from '../harness/server';

type Client = ReturnType<typeof apiClient>;
type Invalid = { error: { code: string; issues: Array<{ path: string }> } };

const CLAIM = {
  title: '一次性吸纳就业补贴',
  text: '招用登记失业半年以上人员的企业，每人补贴1000元。',
  howToApply: '企业到区人社局就业窗口申请。',
  steps: ['签订一年以上劳动合同并缴纳社保', '登录人社网上办事大厅提交申请', '区人社局审核后公示5个工作日', '补贴拨付到企业对公账户'],
  documents: ['营业执照复印件', '劳动合同', '社保缴费明细'],
  office: '区政务服务中心二楼就业服务窗口',
  phone: '0571-8765 4321',
};

describe('policy cards carry the claim procedure: steps, documents, where to go and a phone', () => {
  let server: TestServer;
  let bureau: Client;

  beforeAll(async () => {
    server = await startTestServer({ DEMO_DATA: 'true', MEDIA_WORKERS: '1' });
    bureau = await bureauClient(server.url);
  });
  afterAll(async () => {
    await server.stop();
  });

  test('steps, documents, office and phone are stored, edited, listed and shown on the public session in order', async () => {
    const created = await bureau.post<{ policy: PolicyCard }>('/policies', CLAIM);
    expect(created.status).toBe(201);
    expect(created.body.policy).toMatchObject(CLAIM);
    const id = created.body.policy.id;
    const edited = await bureau.put<{ policy: PolicyCard }>(`/policies/${id}`, { ...CLAIM, steps: [...CLAIM.steps.slice(0, 3)], phone: '12333' });
    expect(edited.body.policy).toMatchObject({ id, steps: CLAIM.steps.slice(0, 3), phone: '12333', documents: CLAIM.documents });
    // An edit that leaves a list out removes it (the console sends the whole card).
    const bare = await bureau.put<{ policy: PolicyCard }>(`/policies/${id}`, { title: CLAIM.title, text: CLAIM.text, howToApply: CLAIM.howToApply });
    expect(bare.body.policy).not.toHaveProperty('steps');
    await bureau.put(`/policies/${id}`, CLAIM);

    const listed = (await bureau.get<{ policies: PolicyCard[] }>('/policies?limit=100')).body.policies.find((p) => p.id === id);
    expect(listed).toMatchObject(CLAIM);
    const session = (await server.store.get('session', 'demo')) as LiveSession;
    expect((await bureau.put('/sessions/demo/lineup', [...session.lineup, { kind: 'policy', id }])).status).toBe(200);
    const shown = await apiClient(server.url).get<{ policies: PolicyCard[] }>('/public/sessions/demo');
    expect(shown.body.policies.find((p) => p.id === id)).toMatchObject({ steps: CLAIM.steps, documents: CLAIM.documents, office: CLAIM.office, phone: CLAIM.phone });
  });

  test('a card stored before these fields existed still reads, lists and shows', async () => {
    const old = { id: 'old-policy-1', title: '老政策', text: '旧卡片', howToApply: '电话咨询', createdAt: new Date().toISOString() } as unknown as PolicyCard;
    await server.store.put('policy', old);
    const listed = (await bureau.get<{ policies: PolicyCard[] }>('/policies?limit=100')).body.policies.find((p) => p.id === old.id);
    expect(listed).toEqual(old);
    expect((await bureau.put<{ policy: PolicyCard }>(`/policies/${old.id}`, { ...old, steps: ['打电话'] })).body.policy.steps).toEqual(['打电话']);
  });

  test('out-of-bounds and hostile lists are refused field by field, and the card is unchanged', async () => {
    const { policy } = (await bureau.post<{ policy: PolicyCard }>('/policies', CLAIM)).body;
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ steps: Array.from({ length: 13 }, (_, i) => `第${i}步`) }, ['steps']],
      [{ steps: ['好', 'x'.repeat(201)] }, ['steps.1']],
      [{ steps: ['  '] }, ['steps.0']],
      [{ steps: '一步' }, ['steps']],
      [{ documents: [42] }, ['documents.0']],
      [{ documents: Array.from({ length: 13 }, () => '身份证') }, ['documents']],
      [{ office: 'x'.repeat(201) }, ['office']],
      [{ office: '' }, ['office']],
      [{ phone: 'javascript:alert(1)' }, ['phone']],
      [{ phone: '12' }, ['phone']],
      [{ phone: '1'.repeat(30) }, ['phone']],
      [{ phone: '+86 571 8765 4321', office: 7 }, ['office']],
    ];
    for (const [change, paths] of cases) {
      const reply = await bureau.put<Invalid>(`/policies/${policy.id}`, { ...CLAIM, ...change });
      expect(reply.status, JSON.stringify(change)).toBe(400);
      expect(reply.body.error.code).toBe('VALIDATION');
      expect(reply.body.error.issues.map((i) => i.path)).toEqual(paths);
    }
    expect((await bureau.get<{ policies: PolicyCard[] }>('/policies?limit=100')).body.policies.find((p) => p.id === policy.id)).toEqual(policy);
  });

  test('only the bureau edits policy cards', async () => {
    expect((await apiClient(server.url).post('/policies', CLAIM)).status).toBe(401);
  });
});
