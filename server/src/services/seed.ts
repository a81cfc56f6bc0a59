import crypto from 'node:crypto';
import type { EmployerInput, VacancyInput } from '@chunfeng/shared/recruitment';
import { hashPassword } from '../auth/passwords';
import type { Logger } from '../logger';
import type { JobStore } from '../store/jobStore';
import type { RecruitmentService } from './recruitment';

/** The first bureau admin, created once when no staff account exists. Returns the password if generated. */
/**
 * Creates the first bureau admin when there is no staff account yet. A password chosen here (no
 * BUREAU_ADMIN_PASSWORD) is returned, not printed: the caller shows it once start-up has succeeded,
 * or as it fails, so it is the last thing a person sees either way.
 */
export async function ensureBureauAdmin(store: JobStore, { password, logger }: { password?: string | undefined; logger: Logger }): Promise<string | undefined> {
  if ((await store.list('staff')).length > 0) return undefined;
  const chosen = password ?? crypto.randomBytes(9).toString('base64url');
  await store.put('staff', {
    id: crypto.randomUUID(),
    username: 'admin',
    displayName: '管理员',
    passwordHash: await hashPassword(chosen),
    role: 'admin',
    createdAt: new Date().toISOString(),
  });
  if (password) logger.info({ username: 'admin' }, 'created the bureau admin account');
  return password ? undefined : chosen;
}

/** Shows a generated admin password once, on the console only (never in structured logs that are shipped elsewhere). */
export function printAdminPassword(password: string): void {
  console.log(`\n  Bureau admin account created — user name: admin   password: ${password}\n  (set BUREAU_ADMIN_PASSWORD to choose it; it is shown only this once)\n`);
}

const EMPLOYERS: EmployerInput[] = [
  { name: '春晖电子科技有限公司', industry: '电子制造', district: '经开区', verified: true },
  { name: '绿源现代农业合作社', industry: '现代农业', district: '河西镇', verified: true },
  { name: '安居物业服务有限公司', industry: '物业服务', district: '城关区', verified: true },
  { name: '顺达物流有限公司', industry: '仓储物流', district: '高新区', verified: true },
  { name: '康宁养老服务中心', industry: '养老护理', district: '城东区', verified: true },
];

type VacancySeed = Omit<VacancyInput, 'employerId'>;
const base = { insurance: ['五险一金'], benefits: [] as string[], requirements: '', badges: [], targetGroups: [], accessibility: [] };
const VACANCIES: VacancySeed[][] = [
  [
    { ...base, title: '电子装配工', headcount: 50, pay: { min: 4500, max: 6500, unit: 'month' }, hours: '两班倒，每班8小时，月休4天', location: '经开区春晖路18号', benefits: ['包吃住', '班车接送'], targetGroups: ['rural-worker'], requirements: '18-45岁，视力良好' },
    { ...base, title: '质检员', headcount: 8, pay: { min: 5000, max: 6000, unit: 'month' }, hours: '8:00-17:30，双休', location: '经开区春晖路18号', education: 'senior-high', benefits: ['包午餐'], accessibility: ['wheelchair-accessible', 'suitable-for-disabled'], badges: ['love'], targetGroups: ['disabled'], requirements: '细心，可坐姿作业' },
    { ...base, title: '设备维修技术员', headcount: 3, pay: { min: 7000, max: 9000, unit: 'month' }, hours: '8:00-17:00，轮休', location: '经开区春晖路18号', education: 'vocational', targetGroups: ['graduate'], requirements: '机电相关专业，应届可' },
  ],
  [
    { ...base, title: '大棚种植工', headcount: 20, pay: { min: 150, max: 200, unit: 'day' }, hours: '7:00-11:30，14:00-18:00', location: '河西镇绿源基地', insurance: ['工伤保险'], benefits: ['日结', '包午餐'], targetGroups: ['rural-worker', 'employment-difficulty'], badges: ['public-welfare'] },
    { ...base, title: '农产品分拣包装工', headcount: 15, pay: { min: 18, max: 22, unit: 'hour' }, hours: '8:00-16:00，可选半天', location: '河西镇绿源基地', insurance: ['工伤保险'], benefits: ['时间灵活'], accessibility: ['sign-language-friendly'], targetGroups: ['employment-difficulty', 'disabled'], badges: ['love'] },
    { ...base, title: '电商直播助理', headcount: 2, pay: { min: 4000, max: 5500, unit: 'month' }, hours: '13:00-21:00，月休6天', location: '河西镇电商服务站', education: 'senior-high', targetGroups: ['graduate'] },
  ],
  [
    { ...base, title: '保洁员', headcount: 12, pay: { min: 2600, max: 3000, unit: 'month' }, hours: '7:00-15:00，月休4天', location: '城关区各小区', insurance: ['养老保险', '工伤保险'], age: { min: 30, max: 60 }, targetGroups: ['employment-difficulty'], badges: ['public-welfare'] },
    { ...base, title: '秩序维护员（保安）', headcount: 10, pay: { min: 3200, max: 3800, unit: 'month' }, hours: '12小时轮班，做一休一', location: '城关区各小区', benefits: ['包住'], age: { min: 20, max: 55 }, targetGroups: ['rural-worker'] },
    { ...base, title: '客服专员', headcount: 4, pay: { min: 3500, max: 4500, unit: 'month' }, hours: '9:00-18:00，双休', location: '城关区人民路66号', education: 'senior-high', accessibility: ['wheelchair-accessible', 'accessible-toilet', 'suitable-for-disabled'], targetGroups: ['disabled', 'graduate'], badges: ['love'] },
  ],
  [
    { ...base, title: '仓库分拣员', headcount: 40, pay: { min: 5000, max: 7000, unit: 'month' }, hours: '夜班 20:00-次日6:00，计件', location: '高新区顺达物流园', benefits: ['包住', '夜班补贴'], targetGroups: ['rural-worker'] },
    { ...base, title: '叉车司机', headcount: 6, pay: { min: 6000, max: 8000, unit: 'month' }, hours: '8:00-18:00，月休4天', location: '高新区顺达物流园', requirements: '持叉车证', targetGroups: ['rural-worker'] },
    { ...base, title: '快递派送员', headcount: 20, pay: { min: 2, max: 3, unit: 'piece' }, hours: '8:00-19:00，按件计酬', location: '高新区及周边', benefits: ['提供电动车'], targetGroups: ['rural-worker', 'employment-difficulty'] },
  ],
  [
    { ...base, title: '养老护理员', headcount: 15, pay: { min: 4000, max: 5500, unit: 'month' }, hours: '三班倒，月休6天', location: '城东区康宁路9号', benefits: ['包吃住', '免费技能培训'], age: { min: 25, max: 55 }, targetGroups: ['employment-difficulty', 'rural-worker'], badges: ['love'] },
    { ...base, title: '康复助理', headcount: 3, pay: { min: 4500, max: 6000, unit: 'month' }, hours: '8:00-17:00，双休', location: '城东区康宁路9号', education: 'college', targetGroups: ['graduate'] },
    { ...base, title: '厨房帮工', headcount: 4, pay: { min: 2800, max: 3300, unit: 'month' }, hours: '6:00-14:00，月休4天', location: '城东区康宁路9号', insurance: ['工伤保险'], benefits: ['包三餐'], accessibility: ['sign-language-friendly', 'suitable-for-disabled'], targetGroups: ['disabled', 'employment-difficulty'], badges: ['public-welfare'] },
  ],
];

/** A full fair for a newcomer: one campaign, a live-ready session "demo", 5 employers, 15 vacancies. */
export async function seedDemo(service: RecruitmentService, { logger }: { logger: Logger }): Promise<void> {
  if ((await service.store.list('campaign')).length > 0) return;
  const year = new Date().getFullYear();
  const campaign = await service.createCampaign({
    name: `${year}年春风行动暨就业援助月专场招聘`,
    startsOn: `${year}-01-01`,
    endsOn: `${year}-12-31`,
    description: '人社局长直播带岗：送岗位、送政策、送服务',
  });
  const lineup: Array<{ kind: 'vacancy' | 'policy'; id: string }> = [];
  for (const [i, input] of EMPLOYERS.entries()) {
    const employer = await service.createEmployer(input);
    for (const v of VACANCIES[i] ?? []) {
      const vacancy = await service.createVacancy({ ...v, employerId: employer.id });
      lineup.push({ kind: 'vacancy', id: vacancy.id });
    }
  }
  const policies = [
    { title: '就业困难人员社保补贴', text: '招用就业困难人员并缴纳社保的单位，可按规定享受社会保险补贴。', howToApply: '用人单位携劳动合同到区人社局就业服务窗口申请。' },
    { title: '一次性求职创业补贴', text: '困难家庭高校毕业生可申请一次性求职创业补贴。', howToApply: '毕业学年内通过学校就业部门申报。' },
    {
      title: '免费职业技能培训',
      text: '农村劳动力、失业人员可参加免费职业技能培训并领取生活费补贴。',
      howToApply: '拨打人社服务热线12333或到乡镇社保所报名。',
      steps: ['拨打12333或到乡镇社保所报名，选定培训工种', '携带材料到培训机构确认开班时间', '参加培训并通过考核，领取职业技能等级证书', '结业后到社保所申领生活费补贴'],
      documents: ['身份证', '户口簿或居住证', '一寸照片两张'],
      office: '各乡镇（街道）社保所，或区人社局就业服务大厅（政务服务中心二楼）',
      phone: '12333',
    },
  ];
  for (const p of policies) lineup.push({ kind: 'policy', id: (await service.createPolicy(p)).id });
  await service.createSession(
    {
      campaignId: campaign.id,
      title: '春风行动 · 人社局长直播带岗（第一场）',
      scheduledAt: new Date().toISOString(),
      lineup: lineup as never,
    },
    'demo',
  );
  logger.info({ employers: EMPLOYERS.length, vacancies: lineup.filter((l) => l.kind === 'vacancy').length }, 'seeded demo data');
}
