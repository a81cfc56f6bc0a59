import type { Employer, EmployerInput, PolicyCard, Vacancy, VacancyInput } from '@chunfeng/shared/recruitment';
import { bureauClient } from '../../tests/harness/api';

const DISTRICTS = ['经开区', '河西镇', '城关区', '高新区', '城东区', '南湖乡', '北山镇', '滨江区'];
const INDUSTRIES = ['电子制造', '现代农业', '物业服务', '仓储物流', '养老护理', '食品加工', '纺织服装', '建筑施工'];
const TITLES = ['装配工', '质检员', '设备维修技术员', '仓库分拣员', '叉车司机', '客服专员', '养老护理员', '厨房帮工', '电商直播助理', '保洁员'];

/**
 * Registers a county fair of realistic size through the bureau's HTTP API (as the console does):
 * `employers` employers with `perEmployer` vacancies each, three policy cards, and a session whose
 * lineup holds them all. Returns the ids.
 */
export async function seedFair(url: string, { employers = 8, perEmployer = 5 }: { employers?: number; perEmployer?: number } = {}): Promise<{
  sessionId: string;
  vacancyIds: string[];
  policyIds: string[];
  bureau: Awaited<ReturnType<typeof bureauClient>>;
}> {
  const bureau = await bureauClient(url);
  const ok = <T>(reply: { status: number; body: T }, what: string): T => {
    if (reply.status >= 300) throw new Error(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  const today = new Date().toISOString().slice(0, 10);
  const { campaign } = ok(await bureau.post<{ campaign: { id: string } }>('/campaigns', { name: '2026年春风行动', startsOn: today, endsOn: today, description: '县人社局春风行动专场' }), 'campaign');
  const vacancyIds: string[] = [];
  for (let e = 0; e < employers; e++) {
    const input: EmployerInput = { name: `${DISTRICTS[e % 8]}${INDUSTRIES[e % 8]}有限公司${e}`, industry: INDUSTRIES[e % 8]!, district: DISTRICTS[e % 8]!, verified: true };
    const { employer } = ok(await bureau.post<{ employer: Employer }>('/employers', input), 'employer');
    for (let v = 0; v < perEmployer; v++) {
      const vacancy: VacancyInput = {
        employerId: employer.id,
        title: TITLES[(e + v) % TITLES.length]!,
        headcount: 5 + v * 3,
        pay: { min: 3500 + v * 300, max: 5500 + v * 500, unit: 'month' },
        hours: '8:00-17:30，月休4天，加班另计',
        location: `${DISTRICTS[e % 8]}春风路${10 + v}号`,
        insurance: ['五险一金'],
        benefits: ['包吃住', '班车接送', '节日福利'],
        requirements: '18-50岁，身体健康，能吃苦耐劳；有相关经验者优先，无经验可培训上岗。',
        badges: [],
        targetGroups: ['rural-worker'],
        accessibility: [],
      };
      vacancyIds.push(ok(await bureau.post<{ vacancy: Vacancy }>('/vacancies', vacancy), 'vacancy').vacancy.id);
    }
  }
  const policyIds: string[] = [];
  for (const title of ['一次性吸纳就业补贴', '职业技能培训补贴', '创业担保贷款']) {
    policyIds.push(ok(await bureau.post<{ policy: PolicyCard }>('/policies', { title, text: '符合条件的用人单位和个人可申请，详情请咨询县人社局。', howToApply: '携带身份证到县人社局服务大厅办理。' }), 'policy').policy.id);
  }
  const lineup = [...vacancyIds.map((id) => ({ kind: 'vacancy', id })), ...policyIds.map((id) => ({ kind: 'policy', id }))];
  const { session } = ok(
    await bureau.post<{ session: { id: string } }>('/sessions', { campaignId: campaign.id, title: '县人社局长直播带岗专场', scheduledAt: new Date().toISOString(), lineup }),
    'session',
  );
  return { sessionId: session.id, vacancyIds, policyIds, bureau };
}
