import type { Application, ApplicationStatus, Campaign, Employer, LiveSession, TargetGroup, Vacancy } from '@chunfeng/shared/recruitment';
import { allApplications, apiClient, applyBody, type bureauClient } from './api';

type Bureau = Awaited<ReturnType<typeof bureauClient>>;

/** One application the seeded campaign holds: where it was made and where it is now. */
interface Planned {
  vacancy: 'weld' | 'pack' | 'clean' | 'care';
  session: 0 | 1 | 2;
  group?: TargetGroup;
  status: ApplicationStatus;
  source?: 'live' | 'replay' | 'list';
}

/**
 * Fourteen applications over three sessions on two days, four vacancies of two employers in two
 * districts and industries (one 爱心岗位, one 公益性岗位), every priority group and every status.
 */
const PLAN: Planned[] = [
  { vacancy: 'weld', session: 0, group: 'rural-worker', status: 'hired' },
  { vacancy: 'weld', session: 0, group: 'rural-worker', status: 'interviewing' },
  { vacancy: 'weld', session: 0, group: 'graduate', status: 'contacted' },
  { vacancy: 'weld', session: 1, status: 'new', source: 'replay' },
  { vacancy: 'pack', session: 0, group: 'employment-difficulty', status: 'contacted' },
  { vacancy: 'pack', session: 1, group: 'disabled', status: 'not-suitable' },
  { vacancy: 'pack', session: 1, group: 'rural-worker', status: 'withdrawn' },
  { vacancy: 'clean', session: 1, group: 'disabled', status: 'hired' },
  { vacancy: 'clean', session: 2, group: 'employment-difficulty', status: 'interviewing' },
  { vacancy: 'clean', session: 2, group: 'employment-difficulty', status: 'hired' },
  { vacancy: 'care', session: 2, group: 'graduate', status: 'new', source: 'list' },
  { vacancy: 'care', session: 2, group: 'rural-worker', status: 'contacted' },
  { vacancy: 'care', session: 2, status: 'new' },
  { vacancy: 'weld', session: 2, group: 'disabled', status: 'interviewing' },
];

export interface SeededCampaign {
  campaign: Campaign;
  sessions: LiveSession[];
  employers: { factory: Employer; services: Employer };
  /** An employer console token of the factory's (for refusals). */
  employerToken: string;
}

/** Seeds, through the HTTP API as the bureau, a campaign the report and the statistics both describe. */
export async function seedReportCampaign(baseUrl: string, bureau: Bureau, { name = '2027年春风行动暨就业援助月专场招聘' }: { name?: string } = {}): Promise<SeededCampaign> {
  const created = async <T>(path: string, body: unknown, key: string): Promise<T> => {
    const res = await bureau.post<Record<string, T>>(path, body);
    if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body[key]!;
  };
  const factory = await created<Employer>('/employers', { name: '报告测试机械厂', industry: '制造业', district: '七里河区', verified: true }, 'employer');
  const services = await created<Employer>('/employers', { name: '报告测试物业公司', industry: '居民服务', district: '安宁区', verified: true }, 'employer');
  const vacancy = (employerId: string, title: string, badges: string[], headcount: number) =>
    created<Vacancy>('/vacancies', { employerId, title, headcount, pay: { min: 3500, max: 6000, unit: 'month' }, hours: '8:00-17:00', location: '园区', badges }, 'vacancy');
  const v = {
    weld: await vacancy(factory.id, '报告测试焊工', [], 10),
    pack: await vacancy(factory.id, '报告测试包装工', ['love'], 6),
    clean: await vacancy(services.id, '报告测试保洁员', ['public-welfare'], 4),
    care: await vacancy(services.id, '报告测试护理员', [], 3),
  };
  const campaign = await created<Campaign>('/campaigns', { name, startsOn: '2027-02-01', endsOn: '2027-03-31' }, 'campaign');
  const lineup = (...keys: Array<keyof typeof v>) => keys.map((k) => ({ kind: 'vacancy', id: v[k].id }));
  const sessions = [
    await created<LiveSession>('/sessions', { campaignId: campaign.id, title: '制造业专场', scheduledAt: '2027-02-10T10:00:00+08:00', lineup: lineup('weld', 'pack') }, 'session'),
    await created<LiveSession>('/sessions', { campaignId: campaign.id, title: '综合专场', scheduledAt: '2027-02-10T15:00:00+08:00', lineup: lineup('weld', 'pack', 'clean') }, 'session'),
    await created<LiveSession>('/sessions', { campaignId: campaign.id, title: '服务业专场', scheduledAt: '2027-02-17T10:00:00+08:00', lineup: lineup('clean', 'care', 'weld') }, 'session'),
  ];

  const anonymous = apiClient(baseUrl);
  const keys: string[] = [];
  for (const [i, p] of PLAN.entries()) {
    const body = applyBody(v[p.vacancy].id, { sessionId: sessions[p.session]!.id, name: `报告测试${i}`, source: p.source ?? 'live', ...(p.group ? { targetGroup: p.group } : {}) });
    keys.push(body.idempotencyKey);
    const res = await anonymous.post<{ application?: Application }>('/applications', body);
    if (res.status !== 202) throw new Error(`apply answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  const stored = await allApplications(bureau, `employerId=${factory.id}`).then(async (a) => [...a, ...(await allApplications(bureau, `employerId=${services.id}`))]);
  for (const [i, p] of PLAN.entries()) {
    if (p.status === 'new') continue;
    const application = stored.find((a) => a.name === `报告测试${i}`);
    if (!application) throw new Error(`application ${i} was not stored`);
    const res =
      p.status === 'withdrawn'
        ? await anonymous.post(`/applications/${application.id}/withdraw`, { idempotencyKey: keys[i] })
        : await bureau.patch(`/applications/${application.id}/status`, { status: p.status, note: '' });
    if (res.status !== 200) throw new Error(`moving application ${i} to ${p.status} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  const invite = await bureau.post<{ token: string }>(`/employers/${factory.id}/invite`);
  return { campaign, sessions, employers: { factory, services }, employerToken: invite.body.token };
}
